/** Pool-level requests for tests below the transport, built by the transport's own builder. */
import type { RequestBody } from "../../src/net/exchange.js";
import type { PoolRequest, Timeouts } from "../../src/pool/types.js";
import { toPoolRequest } from "../../src/transport/http-transport.js";
import { Request } from "../../src/transport/request.js";

export const TIMEOUTS: Timeouts = { connect: 5000, read: 5000, write: 5000, pool: 5000 };

export function timeouts(overrides: Partial<Timeouts> = {}): Timeouts {
  return { ...TIMEOUTS, ...overrides };
}

export interface WireOptions {
  body?: RequestBody;
  headers?: Record<string, string>;
  timeouts?: Partial<Timeouts>;
  signal?: AbortSignal | undefined;
}

export function wire(method: string, url: string, options: WireOptions = {}): PoolRequest {
  const { body = null, headers, signal } = options;
  const request = new Request(method, url, { headers, content: body ?? undefined, extensions: { timeout: timeouts(options.timeouts), signal } });
  return toPoolRequest(request);
}
