/**
 * An exchange: one request and its response on a connection. The vocabulary the
 * pool and the connection share (what is sent, what comes back, who hears how it
 * went) and the state a connection keeps per request.
 */
import type { Duplex } from "node:stream";
import type { Outcome, Phase, TransportError } from "../errors.js";
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
  /** The head says `Expect: 100-continue`: the body waits for the server's 100 (or a timeout). */
  readonly expectContinue?: boolean | undefined;
  /** The request asks to switch protocols: a 101 hands the socket over (see IncomingResponse.upgrade). */
  readonly upgrade?: boolean | undefined;
}

export interface IncomingResponse {
  readonly head: ResponseHead;
  readonly body: ResponseBody;
  /**
   * After a 101 to a request that asked for it: the socket, which has left the pool and is
   * the caller's now, and the bytes that came after the response head (the new protocol's).
   */
  readonly upgrade?: { readonly socket: Duplex; readonly head: Uint8Array } | undefined;
}

/**
 * Who hears how a request went. Exactly one of two paths, each with one terminal call:
 *   - `onResponse` (the head, with its body to read), later `onEnd(outcome)` once the
 *     body was read to the end, abandoned or failed (its reader hears the error);
 *   - `onError` alone: it failed before any response head, and the exchange is over.
 * A callback object rather than a promise: the pool reacts in the same tick, e.g. to
 * retry, and no promise is made per request at this level.
 */
export interface ExchangeHandler {
  onResponse(response: IncomingResponse): void;
  /** The whole request reached the kernel (not terminal: for the events). */
  onWritten(): void;
  onError(error: Error, failure: Failure): void;
  onEnd(outcome: Outcome): void;
}

export interface ExchangeTimeouts {
  readonly read: number | null;
  readonly write: number | null;
}

/** Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2): the only ones pipelined or retried. */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** A request that may wait behind others on one connection: idempotent, and with a body we hold whole. */
export function pipelinable(request: OutgoingRequest): boolean {
  if (request.expectContinue === true || request.upgrade === true) return false;
  return IDEMPOTENT.has(request.method) && (request.body === null || request.body instanceof Uint8Array);
}

/**
 * The request side of an exchange:
 *   sending ──► sent        the whole request reached the kernel (RequestWriter)
 *      └──────► abandoned   we stopped before the end: answered early, or failed (Connection)
 */
export type RequestSide = "sending" | "sent" | "abandoned";

/**
 * The response side, all written by the Connection:
 *   awaiting head ──► body ──► done
 *                      └──► draining ──► done     the reader gave up; the rest is read and dropped
 *   (any) ──► done                                failed
 */
export type ResponseSide = "awaiting head" | "body" | "draining" | "done";

/** The state of one request on the connection. Everything else is per connection. */
export class Exchange {
  request: RequestSide = "sending";
  response: ResponseSide = "awaiting head";
  body: ResponseBody | undefined;
  /** Bytes read and dropped while draining (Connection's DRAIN_LIMIT bounds it). */
  drained = 0;
  /** The response's own verdict on keeping the connection (from its head). */
  // Stryker disable next-line BooleanLiteral: always set from the head before the verdict reads it (a 101 has no verdict)
  keepAlive = false;
  /** A 101 to a request that asked to upgrade: held until the parser says where its head ends. */
  switched: ResponseHead | undefined;

  constructor(
    readonly method: string,
    readonly timeouts: ExchangeTimeouts,
    readonly handler: ExchangeHandler,
    /** Another request may be sent behind this one before its response. */
    readonly pipelinable: boolean,
    /** 1 for the connection's first request, 2 for the second... */
    readonly sequence: number,
  ) {}

  /** The whole request was written. */
  get written(): boolean {
    return this.request === "sent";
  }

  /** Answered, abandoned or failed: nothing more happens to it. */
  get over(): boolean {
    return this.response === "done";
  }

  /** The response head came before the request was fully written (an early 413, say). */
  get early(): boolean {
    return this.request === "abandoned" && (this.response === "body" || this.response === "draining");
  }

  /** Where a failure now would have happened. */
  get phase(): Phase {
    if (this.response === "body" || this.response === "draining") return "read body";
    return this.request === "sending" ? "write" : "read head";
  }
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
