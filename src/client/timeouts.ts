/** Timeout settings as users write them, and as the transport needs them. */
import type { Timeouts } from "../pool/types.js";
import { DEFAULT_TIMEOUTS } from "../transport/http-transport.js";

/** Milliseconds for all four, `null` for none, or each one separately (unset ones keep the base value). */
export type TimeoutInit = number | null | { connect?: number | null; read?: number | null; write?: number | null; pool?: number | null };

export function resolveTimeouts(init: TimeoutInit | undefined, base: Timeouts = DEFAULT_TIMEOUTS): Timeouts {
  if (init === undefined) return base;
  if (init === null || typeof init === "number") {
    if (typeof init === "number" && !(init > 0)) throw new RangeError(`timeout must be a positive number of ms or null, got ${init}`);
    return { connect: init, read: init, write: init, pool: init };
  }
  return {
    connect: init.connect !== undefined ? init.connect : base.connect,
    read: init.read !== undefined ? init.read : base.read,
    write: init.write !== undefined ? init.write : base.write,
    pool: init.pool !== undefined ? init.pool : base.pool,
  };
}
