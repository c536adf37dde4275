/**
 * An exchange: one request and its response on a connection. The vocabulary the
 * pool and the connection share (what is sent, what comes back, who hears how it
 * went) and the little state a connection keeps per request.
 */
import type { Phase, TransportError } from "../errors.js";
import type { Framing } from "../http/framing.js";
import type { ResponseHead } from "../http/parser.js";
import type { ResponseBody } from "./body.js";

export type RequestBody = null | Uint8Array | AsyncIterable<Uint8Array>;

export interface OutgoingRequest {
  readonly method: string;
  /** The serialized request head (latin1). */
  readonly head: string;
  readonly framing: Framing;
  readonly body: RequestBody;
}

export interface IncomingResponse {
  readonly head: ResponseHead;
  readonly body: ResponseBody;
}

/**
 * Who hears how a request went: the response head (with its body to read) or the
 * error that ended it before the head (errors after the head go to the body's
 * reader), then, once, that the exchange is over. A callback object rather than a
 * promise: the pool reacts in the same tick, e.g. to retry, and no promise is
 * made per request at this level.
 */
export interface ExchangeHandler {
  onResponse(response: IncomingResponse): void;
  onError(error: Error, failure: Failure): void;
  /** The exchange is over: its response was read to the end, abandoned, or failed. */
  onEnd(): void;
}

export interface ExchangeTimeouts {
  readonly read: number | null;
  readonly write: number | null;
}

/** Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2): the only ones pipelined or retried. */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** A request that may wait behind others on one connection: idempotent, and with a body we hold whole. */
export function pipelinable(request: OutgoingRequest): boolean {
  return IDEMPOTENT.has(request.method) && (request.body === null || request.body instanceof Uint8Array);
}

/** The state of one request on the connection. Everything else is per connection. */
export class Exchange {
  phase: Phase = "write";
  /** Answered, abandoned or failed: nothing more happens to it. */
  over = false;
  /** The request is fully written. */
  written = false;
  /** The response head arrived before the request was fully written (e.g. an early 413). */
  early = false;
  body: ResponseBody | undefined;
  /** Bytes read after the reader gave up, hoping to keep the connection; -1 while the reader reads. */
  draining = -1;
  /** The response's own verdict on keeping the connection. */
  keepAlive = false;

  constructor(
    readonly method: string,
    readonly timeouts: ExchangeTimeouts,
    readonly handler: ExchangeHandler,
    /** Another request may be sent behind this one before its response. */
    readonly pipelinable: boolean,
    /** 1 for the connection's first request, 2 for the second... */
    readonly sequence: number,
  ) {}
}

/** Why a request failed, for the pool's retry decision. */
export interface Failure {
  readonly error: TransportError;
  /** The connection had served a request before this one. */
  readonly reused: boolean;
  /** Not a single byte of the response had arrived. */
  readonly beforeResponse: boolean;
  /** The peer closed or reset the connection (rather than a timeout or a protocol error). */
  readonly dropped: boolean;
}

/** A fail() target that is no exchange: every request in flight fails as one waiting behind another. */
export const BEHIND: ExchangeHandler = { onResponse() {}, onError() {}, onEnd() {} };
