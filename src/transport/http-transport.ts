/**
 * HTTPTransport: the real thing. Serializes the request (src/http), sends it on a
 * pooled connection (src/pool), and wraps the reply in a Response whose body
 * streams from the socket.
 */
import { ConnectError, ConnectTimeout, HTTPError } from "../errors.js";
import { type BodyLength, chooseFraming } from "../http/framing.js";
import { PreparedHeaders, serializeRequestHead } from "../http/serializer.js";
import type { TlsOptions } from "../net/connection.js";
import { originOf } from "../net/origin.js";
import type { PoolListener } from "../pool/events.js";
import type { LimitsInit } from "../pool/limits.js";
import { ConnectionPool, type PoolStats, type Timeouts } from "../pool/pool.js";
import type { Request } from "./request.js";
import { Response } from "./response.js";
import type { Transport } from "./transport.js";

export interface HTTPTransportOptions {
  limits?: LimitsInit | undefined;
  tls?: TlsOptions | undefined;
  /** Connect to this Unix socket for every origin (the URL still gives Host). */
  socketPath?: string | undefined;
  /** How many times to retry a connection that could not be established. Default 0. */
  retries?: number | undefined;
  /** Receives every pool event (connections opened, reused, closed; requests queued...). */
  trace?: PoolListener | undefined;
  /** Largest response head, in bytes. Default 16 KiB. */
  maxHeaderSize?: number | undefined;
  /**
   * HTTP/1.1 pipelining: requests in flight per connection. Default 1 (off). Only
   * idempotent requests with bodies held in memory are pipelined, never behind a
   * streamed body; connections are opened up to the limits before any is shared.
   */
  pipelining?: number | undefined;
}

/**
 * Validates and serializes a client's default headers once, for reuse by every
 * request that leaves them untouched (see Request.prepared). Lives here so that the
 * Client needs no import of the wire layer of its own: each import costs start-up time.
 */
export function prepareHeaders(headers: Iterable<readonly [string, string]>): PreparedHeaders {
  return PreparedHeaders.from(headers);
}

export const DEFAULT_TIMEOUTS: Timeouts = { connect: 5000, read: 5000, write: 5000, pool: 5000 };

const NONE: BodyLength = { kind: "none" };
const UNKNOWN: BodyLength = { kind: "unknown" };

export class HTTPTransport implements Transport {
  private readonly pool: ConnectionPool;
  private readonly retries: number;

  constructor(options: HTTPTransportOptions = {}) {
    this.pool = new ConnectionPool({
      limits: options.limits,
      tls: options.tls,
      socketPath: options.socketPath,
      maxHeaderSize: options.maxHeaderSize,
      onEvent: options.trace,
      pipelining: options.pipelining,
    });
    this.retries = options.retries ?? 0;
  }

  async handleRequest(request: Request): Promise<Response> {
    try {
      const { method, url, headers, body } = request;
      const origin = originOf(url);
      const length: BodyLength = body.kind === "none" ? NONE : body.kind === "bytes" ? { kind: "known", length: body.bytes.length } : UNKNOWN;
      const framing = chooseFraming(method, length, headers);
      // The Client's default headers, untouched since it built the request, were validated and serialized once.
      const prepared = request.prepared !== undefined && request.prepared.revision === headers.revision ? request.prepared.text : undefined;
      const head = serializeRequestHead({ method, target: url.pathname + url.search, host: url.host, headers: prepared ? undefined : headers, framing, prepared });
      const wireBody = body.kind === "none" ? null : body.kind === "bytes" ? body.bytes : body.stream;
      const options = { timeouts: request.extensions.timeout ?? DEFAULT_TIMEOUTS, signal: request.extensions.signal };
      const startedAt = performance.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const { head: h, body: responseBody } = await this.pool.request(origin, { method, head, framing, body: wireBody }, options, request.replayable);
          return new Response(
            h.status,
            { rawHeaders: h.rawHeaders, reasonPhrase: h.reason, httpVersion: `HTTP/${h.httpVersion}`, request },
            responseBody,
            startedAt,
          );
        } catch (err) {
          // Nothing was sent on a connection that never opened, so even a stream body is intact.
          if ((err instanceof ConnectError || err instanceof ConnectTimeout) && attempt < this.retries) continue;
          throw err;
        }
      }
    } catch (err) {
      if (err instanceof HTTPError) err.withContext({ request });
      throw err;
    }
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
