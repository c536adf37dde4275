/**
 * Timeouts as users write them, and as the pool needs them. Accepted the same way
 * wherever a timeout can be given (Client, per request, a hand-built Request's
 * `extensions.timeout`): a number of ms for all four, `null` for none, or an
 * object with some of `connect`, `read`, `write`, `pool`, merged over the defaults.
 */
import type { Timeouts } from "../pool/types.js";

/** Milliseconds for all four, `null` for none, or each one separately (unset ones keep the base value). */
export type TimeoutInit = number | null | { connect?: number | null; read?: number | null; write?: number | null; pool?: number | null };

export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({ connect: 5000, read: 5000, write: 5000, pool: 5000 });

/** The longest delay Node's timers hold (2^31 - 1 ms, about 24.8 days); a larger one fires at once. */
export const MAX_TIMER = 2 ** 31 - 1;
const NAMES = ["connect", "read", "write", "pool"] as const;

/** Timeouts made by resolveTimeouts(): checked already, so a second look costs nothing. */
const resolved = new WeakSet<Timeouts>([DEFAULT_TIMEOUTS]);

function checked(name: string, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !(value > 0) || value > MAX_TIMER) {
    throw new RangeError(`${name} must be a number of ms above 0 and at most ${MAX_TIMER} (about 24.8 days), or null for none; got ${String(value)}`);
  }
  return value;
}

/** `init` checked and merged over `base`. */
export function resolveTimeouts(init: TimeoutInit | Timeouts | undefined, base: Timeouts = DEFAULT_TIMEOUTS): Timeouts {
  if (init === undefined) return base;
  if (typeof init === "object" && init !== null && resolved.has(init as Timeouts)) return init as Timeouts;
  let out: Timeouts;
  if (init === null || typeof init !== "object") {
    const all = checked("timeout", init);
    out = { connect: all, read: all, write: all, pool: all };
  } else {
    for (const key in init) if (!(NAMES as readonly string[]).includes(key)) throw new TypeError(`timeout: unknown option ${JSON.stringify(key)}; known options: ${NAMES.join(", ")}`);
    const pick = (name: (typeof NAMES)[number]): number | null => (init[name] === undefined ? base[name] : checked(`timeout.${name}`, init[name]));
    out = { connect: pick("connect"), read: pick("read"), write: pick("write"), pool: pick("pool") };
  }
  resolved.add(out);
  return out;
}
