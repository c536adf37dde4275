/** Builds pool-level requests straight from src/http, for tests below the transport. */
import { chooseFraming } from "../../src/http/framing.js";
import { Headers } from "../../src/http/headers.js";
import { serializeRequestHead } from "../../src/http/serializer.js";
import type { OutgoingRequest, RequestBody } from "../../src/net/exchange.js";
import { originOf, type Origin } from "../../src/net/origin.js";
import type { Timeouts } from "../../src/pool/pool.js";

export function wire(method: string, url: string, body: RequestBody = null, headers = new Headers()): { origin: Origin; request: OutgoingRequest } {
  const u = new URL(url);
  const length = body === null ? { kind: "none" as const } : body instanceof Uint8Array ? { kind: "known" as const, length: body.length } : { kind: "unknown" as const };
  const framing = chooseFraming(method, length, headers);
  const head = serializeRequestHead({ method, target: u.pathname + u.search, host: u.host, headers, framing });
  return { origin: originOf(u), request: { method, head, framing, body } };
}

export const TIMEOUTS: Timeouts = { connect: 5000, read: 5000, write: 5000, pool: 5000 };

export function timeouts(overrides: Partial<Timeouts> = {}): Timeouts {
  return { ...TIMEOUTS, ...overrides };
}
