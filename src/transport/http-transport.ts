/**
 * HTTPTransport: the real thing. Serializes the request (src/http), sends it on a
 * pooled connection (src/pool), and wraps the reply in a Response whose body
 * streams from the socket.
 */
import { HTTPError } from "../errors.js";
import { type BodyLength, chooseFraming } from "../http/framing.js";
import { serializeRequestHead } from "../http/serializer.js";
import type { IncomingResponse } from "../net/exchange.js";
import { originOf } from "../net/origin.js";
import type { TlsOptions } from "../net/types.js";
import type { PoolListener } from "../pool/events.js";
import type { LimitsInit } from "../pool/limits.js";
import { ConnectionPool } from "../pool/pool.js";
import type { PoolCaller, PoolRequest, PoolStats } from "../pool/types.js";
import type { Request } from "./request.js";
import { Response } from "./response.js";
import { checkOptions } from "./options.js";
import { resolveTimeouts } from "./timeouts.js";
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

/** Builds the Response from the pool's answer, and names the request in every error. One per request. */
class ResponseMaker implements PoolCaller<Response> {
  private readonly startedAt = performance.now();

  constructor(private readonly request: Request) {}

  respond({ head, body }: IncomingResponse): Response {
    const httpVersion = head.httpVersion === "1.1" ? "HTTP/1.1" : "HTTP/1.0";
    return new Response(head.status, { rawHeaders: head.rawHeaders, reasonPhrase: head.reason, httpVersion, request: this.request }, body, this.startedAt);
  }

  annotate(error: unknown): void {
    if (error instanceof HTTPError) error.withContext({ request: this.request });
  }
}

const TRANSPORT_OPTIONS: ReadonlySet<string> = new Set(["limits", "tls", "socketPath", "retries", "trace", "maxHeaderSize", "pipelining"]);

const NONE: BodyLength = { kind: "none" };
const UNKNOWN: BodyLength = { kind: "unknown" };

export class HTTPTransport implements Transport {
  private readonly pool: ConnectionPool;

  constructor(options: HTTPTransportOptions = {}) {
    checkOptions("new HTTPTransport()", options, TRANSPORT_OPTIONS);
    this.pool = new ConnectionPool({
      limits: options.limits,
      tls: options.tls,
      socketPath: options.socketPath,
      maxHeaderSize: options.maxHeaderSize,
      onEvent: options.trace,
      pipelining: options.pipelining,
      connectRetries: options.retries,
    });
  }

  handleRequest(request: Request): Promise<Response> {
    const caller = new ResponseMaker(request);
    let spec: PoolRequest;
    try {
      spec = toPoolRequest(request);
    } catch (err) {
      caller.annotate(err);
      return Promise.reject(err);
    }
    return this.pool.request(spec, caller);
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The request as the pool takes it: its origin, the serialized head, the framing and the body, and its timeouts. */
export function toPoolRequest(request: Request): PoolRequest {
  const { method, url, headers, body } = request;
  const origin = originOf(url);
  const length: BodyLength = body.kind === "none" ? NONE : body.kind === "bytes" ? { kind: "known", length: body.bytes.length } : UNKNOWN;
  const framing = chooseFraming(method, length, headers);
  // The Client's default headers, untouched since it built the request, were validated and serialized once.
  const p = request.prepared !== undefined && request.prepared.revision === headers.revision ? request.prepared : undefined;
  const head = serializeRequestHead({ method, target: url.pathname + url.search, host: url.host, headers: p ? p.own : headers, framing, prepared: p?.text });
  const wireBody = body.kind === "none" ? null : body.kind === "bytes" ? body.bytes : body.stream;
  const { timeout, signal } = request.extensions;
  return { origin, request: { method, head, framing, body: wireBody }, timeouts: resolveTimeouts(timeout), signal, replayable: request.replayable };
}
