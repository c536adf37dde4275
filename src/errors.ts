/**
 * The error hierarchy, shared by every layer. Names and nesting follow httpx so
 * that code written against one reads naturally against the other:
 *
 *   HTTPError
 *   ├── RequestError
 *   │   ├── TransportError
 *   │   │   ├── TimeoutException: ConnectTimeout, ReadTimeout, WriteTimeout, PoolTimeout
 *   │   │   ├── NetworkError: ConnectError, ReadError, WriteError, CloseError
 *   │   │   ├── ProtocolError: LocalProtocolError, RemoteProtocolError
 *   │   │   ├── ProxyError
 *   │   │   ├── UnsupportedProtocol
 *   │   │   └── ResponseTooLarge (a buffered body over maxResponseSize)
 *   │   ├── DecodingError
 *   │   ├── TooManyRedirects
 *   │   └── AbortError (the caller's AbortSignal fired)
 *   └── HTTPStatusError
 *   InvalidURL
 *   StreamError: StreamConsumed, StreamClosed, ResponseNotRead
 *
 * Lower layers raise errors knowing only what they know (the phase, the origin);
 * the transport adds the request (method and URL) before the error reaches the
 * caller, and the message is rebuilt so that it always says what and where.
 */

import type { Response } from "./transport/response.js";

/** Where in a request's life an error happened. */
export type Phase = "pool wait" | "connect" | "write" | "read head" | "read body" | "close";

/**
 * A URL as it may be shown: with its password, if any, replaced by `[secure]`
 * (`http://alice:[secure]@host/`, as httpx prints it). Every message that shows a
 * URL shows it through this; a string that is no URL is redacted the same way.
 */
export function redactURL(url: URL | string): string {
  const href = String(url);
  return href.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, "$1:[secure]@");
}

/** The little the errors need to know about a request: enough to name it. */
export interface RequestInfo {
  readonly method: string;
  readonly url: URL | string;
}

export interface ErrorContext {
  cause?: unknown;
  request?: RequestInfo;
  origin?: string;
  phase?: Phase;
  /** A fact a lower layer learned about the failure, said after the description (e.g. why it was not retried). */
  note?: string;
  /** The request went out on a connection that had served a request before. */
  connectionReused?: boolean;
}

export class HTTPError extends Error {
  /** The bare description, without the context appended to `message`. */
  readonly detail: string;
  request: RequestInfo | undefined;
  origin: string | undefined;
  phase: Phase | undefined;
  /** Said after the description: what the layer that decided the outcome knows (see ErrorContext.note). */
  note: string | undefined;
  /** Whether the connection had served a request before this one; undefined when no connection was used. */
  connectionReused: boolean | undefined;

  constructor(detail: string, context: ErrorContext = {}) {
    super(detail, context.cause === undefined ? undefined : { cause: context.cause });
    this.detail = detail;
    this.request = context.request;
    this.origin = context.origin;
    this.phase = context.phase;
    this.note = context.note;
    this.connectionReused = context.connectionReused;
    this.message = this.compose();
  }

  /**
   * Adds what an upper layer knows. Fields already set are kept: the layer
   * closest to the failure knows best.
   */
  withContext(context: Omit<ErrorContext, "cause">): this {
    this.request ??= context.request;
    this.origin ??= context.origin;
    this.phase ??= context.phase;
    this.note ??= context.note;
    this.connectionReused ??= context.connectionReused;
    this.message = this.compose();
    return this;
  }

  /** `detail; note (request or origin, during phase)`: rebuilt from the fields, so no layer edits `message`. */
  private compose(): string {
    const what = this.note === undefined ? this.detail : `${this.detail}; ${this.note}`;
    const where: string[] = [];
    if (this.request) where.push(`${this.request.method} ${redactURL(this.request.url)}`);
    else if (this.origin) where.push(this.origin);
    if (this.phase) where.push(`during ${this.phase}`);
    return where.length === 0 ? what : `${what} (${where.join(", ")})`;
  }
}

export class RequestError extends HTTPError {}
export class TransportError extends RequestError {}

export class TimeoutException extends TransportError {}
export class ConnectTimeout extends TimeoutException {}
export class ReadTimeout extends TimeoutException {}
export class WriteTimeout extends TimeoutException {}
export class PoolTimeout extends TimeoutException {}

export class NetworkError extends TransportError {}
export class ConnectError extends NetworkError {}
export class ReadError extends NetworkError {}
export class WriteError extends NetworkError {}
export class CloseError extends NetworkError {}

export class ProtocolError extends TransportError {}
/** We were asked to send something that is not valid HTTP/1.1; nothing was written. */
export class LocalProtocolError extends ProtocolError {}

/** The server sent something that is not valid HTTP/1.1. */
export class RemoteProtocolError extends ProtocolError {
  /** The llhttp error name (e.g. `HPE_INVALID_CHUNK_SIZE`) or our own (`HEADERS_TOO_LARGE`). */
  readonly code: string;
  /** Offset of the offending byte within the response, when known. */
  readonly offset: number | undefined;
  /** The response, when there was one to keep (an upgrade the server refused: UPGRADE_REFUSED). */
  response: Response | undefined;

  constructor(code: string, reason: string, offset?: number, context: ErrorContext = {}) {
    super(offset === undefined ? `${code}: ${reason}` : `${code}: ${reason} at byte ${offset}`, context);
    this.code = code;
    this.offset = offset;
  }
}

export class ProxyError extends TransportError {}
export class UnsupportedProtocol extends TransportError {}
/** A body read into memory grew past the client's `maxResponseSize`; the connection was dropped. */
export class ResponseTooLarge extends TransportError {}

export class DecodingError extends RequestError {}
export class TooManyRedirects extends RequestError {}

/**
 * The caller's AbortSignal fired. `name` is "AbortError" like the DOM's, so code
 * that checks `err.name === "AbortError"` keeps working; `cause` is the signal's reason.
 */
export class AbortError extends RequestError {}

/** Raised by `Response.raiseForStatus()` for 4xx and 5xx responses; `response` is the Response itself. */
export class HTTPStatusError extends HTTPError {
  readonly response: Response;

  constructor(detail: string, response: Response, context: ErrorContext = {}) {
    super(detail, context);
    this.response = response;
  }
}

export class InvalidURL extends Error {}

export class StreamError extends Error {}
export class StreamConsumed extends StreamError {}
export class StreamClosed extends StreamError {}
export class ResponseNotRead extends StreamError {}

/**
 * Each class's `name`, as a string: `constructor.name` would not survive a minifier
 * (a minified bundle printed "S: could not connect..." and `err.name === "ReadTimeout"`
 * was false). Set on the prototypes, where Error keeps its own `name`.
 */
const NAMES: [abstract new (...args: never[]) => Error, string][] = [
  [HTTPError, "HTTPError"],
  [RequestError, "RequestError"],
  [TransportError, "TransportError"],
  [TimeoutException, "TimeoutException"],
  [ConnectTimeout, "ConnectTimeout"],
  [ReadTimeout, "ReadTimeout"],
  [WriteTimeout, "WriteTimeout"],
  [PoolTimeout, "PoolTimeout"],
  [NetworkError, "NetworkError"],
  [ConnectError, "ConnectError"],
  [ReadError, "ReadError"],
  [WriteError, "WriteError"],
  [CloseError, "CloseError"],
  [ProtocolError, "ProtocolError"],
  [LocalProtocolError, "LocalProtocolError"],
  [RemoteProtocolError, "RemoteProtocolError"],
  [ProxyError, "ProxyError"],
  [UnsupportedProtocol, "UnsupportedProtocol"],
  [ResponseTooLarge, "ResponseTooLarge"],
  [DecodingError, "DecodingError"],
  [TooManyRedirects, "TooManyRedirects"],
  [AbortError, "AbortError"],
  [HTTPStatusError, "HTTPStatusError"],
  [InvalidURL, "InvalidURL"],
  [StreamError, "StreamError"],
  [StreamConsumed, "StreamConsumed"],
  [StreamClosed, "StreamClosed"],
  [ResponseNotRead, "ResponseNotRead"],
];
for (const [cls, name] of NAMES) Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });

/**
 * How a request's stay in the pool ended, as its terminal event says: a response read to its
 * end, or an error, told apart as the caller's abort, a timeout, or anything else.
 */
export type Outcome = "response" | "error" | "aborted" | "timeout";

/** @internal */
export function outcomeOf(error: unknown): Outcome {
  if (error instanceof AbortError) return "aborted";
  if (error instanceof TimeoutException) return "timeout";
  return "error";
}
