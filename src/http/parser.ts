/**
 * ResponseParser: bytes in, response events out, no I/O (the h11 idea).
 *
 * One parser lives as long as its connection and parses one response after
 * another. The connection says what it expects (`expect(method)`), feeds every
 * chunk it reads (`feed`), and reports EOF (`finish`). The parser calls its
 * handler with the head, each body chunk and the end; anything that is not a
 * valid response is thrown as a RemoteProtocolError and leaves the parser
 * `failed` for good, because a connection that saw bad bytes cannot be trusted.
 *
 * After a response ends the parser stops reading (llhttp is paused), so any byte
 * after the end of the response is reported as left over, never parsed as the
 * start of the next response: the connection then knows it must not be reused.
 */
import { RemoteProtocolError } from "../errors.js";
import { ERROR, LlhttpGlue, Span } from "./llhttp.js";
import { trimOWS } from "./tokens.js";

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly httpVersion: "1.0" | "1.1";
  /** Header fields in order, as `[name, value, name, value, ...]`, names as sent. */
  readonly rawHeaders: readonly string[];
  /** True when the connection may carry another request after this response. */
  readonly keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N` in milliseconds, if it sent one. */
  readonly keepAliveTimeout: number | undefined;
}

export interface ResponseHandler {
  /** A final response's head (or a 101's, when the request asked to upgrade). */
  onHead(head: ResponseHead): void;
  /** An informational (1xx) response went by; the final one follows. `100` is Continue. */
  onInformational?(status: number): void;
  /** A view into the chunk given to feed(), not a copy: keep it only if that chunk is not reused. */
  onBody(chunk: Uint8Array): void;
  /** The response is complete. `trailers` is a flat name/value list like rawHeaders. */
  onEnd(trailers: readonly string[]): void;
}

export interface ParserOptions {
  /** Largest status line plus header section (and, separately, trailer section), in bytes. */
  readonly maxHeaderSize?: number;
}

export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
/** Bound on 100/103 responses before the final one, so a server cannot keep us busy forever. */
const MAX_INFORMATIONAL = 32;
/** Bytes a status line adds besides its reason phrase ("HTTP/1.1 200 " and CRLF). */
const STATUS_LINE_OVERHEAD = 15;
/** Bytes a header line adds besides its name and value (": " and CRLF). */
const HEADER_LINE_OVERHEAD = 4;

export type ParserState =
  /** No response expected: bytes now are a protocol violation the connection deals with. */
  | "idle"
  | "head"
  | "body"
  /** A response ended; `leftover` says how many bytes of the last chunk followed it. */
  | "done"
  | "failed";

export class ResponseParser {
  private readonly handler: ResponseHandler;
  private readonly maxHeaderSize: number;
  private readonly llhttp: LlhttpGlue;

  state: ParserState = "idle";
  /** Bytes that followed the end of the response in the chunk that ended it. */
  leftover = 0;
  /** Bytes of the current response seen so far (informational responses included). */
  received = 0;
  /**
   * The bytes fed so far for this response were not the start of one: llhttp refused them
   * before any part of a status line (HPE_INVALID_CONSTANT where "HTTP/" belongs), and no
   * informational response came first. On a reused connection that means it was out of step
   * before the request was sent. (After a 100 Continue the server has the request: garbage
   * then is a broken response, not a stale connection.)
   */
  get notAResponse(): boolean {
    return this.failedAtStart; // set only by fail(), which leaves the parser failed for good
  }

  /** Set by fail(): the response failed at its very start, on llhttp's "HTTP/" check. */
  private failedAtStart = false;
  /** Informational (1xx) responses before the final one, for MAX_INFORMATIONAL. */
  private informational = 0;
  // What follows is set again by expect() and beginMessage() before any use: the initial values
  // only give the fields their types, and a mutant of one is seen by no test (StrykerJS told).
  // Stryker disable all
  private isHead = false;
  /** The request asked to switch protocols: a 101 is its final answer, and the bytes after it are not HTTP. */
  private upgrade = false;
  // The message being assembled. Spans arrive in pieces; `lastSpan` tells a continuation from a new span.
  private lastSpan: Span | -1 = -1;
  private reason = "";
  private raw: string[] = [];
  private trailers: string[] = [];
  private headBytes = 0;
  /** Bytes fed while the current head was incomplete: catches floods that make no spans (e.g. whitespace). */
  private headRawBytes = 0;
  /**
   * Body bytes still expected when the body is delimited by Content-Length, else -1.
   * Such a body needs no parsing: once llhttp has seen the head, feed() hands later
   * chunks to the handler directly, never copying them into wasm memory.
   */
  private bodyRemaining = -1;
  /** The body's declared Content-Length, or -1; and body bytes handed on so far: for the error an early close gets. */
  private bodyLength = -1;
  private bodyReceived = 0;
  // Stryker restore all
  /** Set inside a callback when the message must be rejected; thrown once llhttp returns. */
  private pending: RemoteProtocolError | undefined;

  constructor(handler: ResponseHandler, options: ParserOptions = {}) {
    this.handler = handler;
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.llhttp = new LlhttpGlue({
      onSpan: (kind, text) => this.onSpan(kind, text),
      onHeadersComplete: (status, major, minor, keepAlive) => this.onHeadersComplete(status, major, minor, keepAlive),
      onBody: (chunk) => this.onBody(chunk),
      onMessageComplete: () => this.onMessageComplete(),
    });
  }

  /**
   * Prepare for the response to a request with this method (HEAD responses have no body);
   * `upgrade`: the request asked to switch protocols, so a 101 ends it (see `leftover`).
   */
  expect(method: string, upgrade = false): void {
    if (this.state !== "idle" && this.state !== "done") throw new Error(`cannot expect a response while ${this.state}`);
    // Stryker disable next-line ConditionalExpression: resuming a parser that is not paused does nothing
    if (this.state === "done") this.llhttp.resume();
    this.isHead = method === "HEAD";
    this.upgrade = upgrade;
    this.state = "head";
    this.leftover = 0;
    this.received = 0;
    this.informational = 0;
    this.beginMessage();
  }

  /** Parse a chunk. Returns the state after it; on "done", `leftover` counts the bytes after the response. */
  feed(chunk: Uint8Array): ParserState {
    if (this.state !== "head" && this.state !== "body") throw new Error(`cannot feed a parser that is ${this.state}`);
    // Stryker disable next-line all: a fast path (bench:parser); llhttp parses the same body the same way, and in state "head" bodyRemaining is -1
    if (this.bodyRemaining > 0 && this.state === "body") return this.feedLengthBody(chunk);
    const before = this.received;
    this.received += chunk.length;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: counting past the head changes nothing: the count is checked only in the head and reset with each message
    if (this.state === "head") this.headRawBytes += chunk.length;
    let code: number;
    try {
      code = this.llhttp.execute(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      // A handler threw from inside llhttp: its state is unknown now.
      this.state = "failed";
      throw err;
    }
    if (this.pending) this.fail(this.pending);
    // onMessageComplete() pauses llhttp at the end of every final response, a 101 included.
    if (code === ERROR.PAUSED) {
      this.leftover = chunk.length - this.llhttp.errorOffset();
      return this.state;
    }
    if (code !== ERROR.OK) {
      this.fail(new RemoteProtocolError(this.llhttp.errorName(code), this.llhttp.errorReason(), before + this.llhttp.errorOffset()));
    }
    // Stryker disable next-line ConditionalExpression: past the head the count stays what the head's was, within the limit
    if (this.state === "head" && this.headRawBytes > this.maxHeaderSize) {
      this.fail(this.headersTooLarge());
    }
    return this.state;
  }

  /** The fast path for Content-Length bodies: no copy, no parsing, just counting. */
  private feedLengthBody(chunk: Uint8Array): ParserState {
    this.received += chunk.length;
    const take = Math.min(chunk.length, this.bodyRemaining);
    this.bodyRemaining -= take;
    this.bodyReceived += take;
    // Stryker disable next-line ConditionalExpression: a view of the whole chunk is the chunk's bytes too; handing on the chunk itself saves making one
    this.handler.onBody(take === chunk.length ? chunk : chunk.subarray(0, take));
    if (this.bodyRemaining > 0) return this.state;
    // llhttp still expects the bytes we took: start it afresh for the next response.
    this.llhttp.reset();
    this.leftover = chunk.length - take;
    this.endMessage();
    return this.state;
  }

  /**
   * The peer closed its side. A body delimited by the close ends here; anything
   * else that is incomplete is an error, never a short success.
   */
  finish(): ParserState {
    // Stryker disable next-line ConditionalExpression: finish() on an ended response finds llhttp paused and leaves the state "done"
    if (this.state === "done" || this.state === "idle" || this.state === "failed") return this.state;
    // On success llhttp runs onMessageComplete (which pauses, and moves `state` to "done").
    this.llhttp.finish();
    if ((this.state as ParserState) !== "done") {
      this.fail(new RemoteProtocolError("INCOMPLETE_RESPONSE", this.cutShort()));
    }
    return this.state;
  }

  /** Free the parser's wasm memory. The parser is unusable afterwards. */
  destroy(): void {
    this.state = "failed";
    this.llhttp.destroy();
  }

  private fail(error: RemoteProtocolError): never {
    // llhttp raises INVALID_CONSTANT in a response only for the protocol name a message starts with.
    this.failedAtStart = error.code === "HPE_INVALID_CONSTANT" && this.informational === 0;
    this.state = "failed";
    this.pending = undefined;
    throw error;
  }

  private headersTooLarge(): RemoteProtocolError {
    const what = this.state === "body" ? "trailer section" : "response head";
    return new RemoteProtocolError("HEADERS_TOO_LARGE", `${what} exceeds ${this.maxHeaderSize} bytes`, this.received);
  }

  /** What an early close cut short, in words. */
  private cutShort(): string {
    if (this.state === "head") {
      return this.received === 0 ? "the server closed the connection before sending a response" : `the server closed the connection inside the response head, after ${this.received} bytes`;
    }
    // Stryker disable next-line EqualityOperator: a body of length 0 is complete with its head and is never cut short
    if (this.bodyLength >= 0) return `the server closed the connection after ${this.bodyReceived} of ${this.bodyLength} body bytes`;
    return `the server closed the connection before the end of the chunked body, after ${this.bodyReceived} body bytes`;
  }

  private beginMessage(): void {
    this.lastSpan = -1;
    this.reason = "";
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a fresh array when this one is already empty only costs one
    if (this.raw.length > 0) this.raw = []; // a 1xx's fields (a final head leaves a fresh array)
    this.trailers = [];
    this.headBytes = STATUS_LINE_OVERHEAD;
    this.headRawBytes = 0;
    this.bodyRemaining = -1;
    this.bodyLength = -1;
    this.bodyReceived = 0;
  }

  // No callback below checks `pending`: one that sets it returns -1 (or false), and llhttp stops
  // at once, so no other callback runs before feed() throws it.
  private onSpan(kind: Span, text: string): boolean {
    this.headBytes += text.length;
    const target = this.state === "body" ? this.trailers : this.raw;
    if (kind === Span.Status) {
      this.reason += text;
    } else if (kind === this.lastSpan) {
      target[target.length - 1] += text;
    } else {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: counting a value span instead of its field's counts the same (llhttp reports an empty value too)
      if (kind === Span.Field) this.headBytes += HEADER_LINE_OVERHEAD;
      target.push(text);
    }
    this.lastSpan = kind;
    // Stop at the limit instead of buffering an endless header.
    if (this.headBytes <= this.maxHeaderSize) return true;
    this.pending = this.headersTooLarge();
    return false;
  }

  private onHeadersComplete(status: number, major: number, minor: number, llhttpKeepAlive: boolean): number {
    if (status === 101 && !this.upgrade) {
      this.pending = new RemoteProtocolError("UNEXPECTED_UPGRADE", "server switched protocols (101) without being asked", this.received);
      // Stryker disable next-line UnaryOperator: after a 101 llhttp stops by itself (an upgrade pauses it), so no later byte is parsed either way
      return -1;
    }
    if (status >= 100 && status < 200 && status !== 101) {
      if (++this.informational > MAX_INFORMATIONAL) {
        this.pending = new RemoteProtocolError("TOO_MANY_INFORMATIONAL", `more than ${MAX_INFORMATIONAL} informational responses`, this.received);
        return -1;
      }
      this.handler.onInformational?.(status);
      return 1;
    }
    // Stryker disable next-line EqualityOperator: 100 never gets here (it is informational, above)
    if (status < 100 || status > 599) {
      this.pending = new RemoteProtocolError("HPE_INVALID_STATUS", `status code ${status} is outside 100-599`, this.received);
      return -1;
    }
    // llhttp accepts 0.9, 1.0, 1.1 and 2.0 (it refuses 1.2 and the rest itself): only 1.x is HTTP/1.1's.
    if (major !== 1) {
      this.pending = new RemoteProtocolError("HPE_INVALID_VERSION", `unsupported HTTP version ${major}.${minor}`, this.received);
      // Stryker disable next-line UnaryOperator: llhttp does not keep a connection of an unknown version alive, so it parses nothing after this message either way
      return -1;
    }

    const raw = this.raw;
    // After a 101 the connection speaks another protocol: nothing of it is this response's body.
    // Stryker disable next-line ConditionalExpression: llhttp ends 204, 304 and 101 responses without a body by itself; only HEAD is ours to say (test: "204 + Content-Length then the next response")
    const bodyless = this.isHead || status === 204 || status === 304 || status === 101;
    // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only when asked to.
    let keepAlive = minor === 1;
    let keepAliveTimeout: number | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      // Optional whitespace around a value is not part of it (RFC 9110 §5.5).
      const value = (raw[i + 1] = trimOWS(raw[i + 1]!));
      const name = raw[i]!;
      if (name.length === 10 && name.toLowerCase() === "connection") {
        if (hasToken(value, "close")) keepAlive = false;
        else if (minor === 0 && hasToken(value, "keep-alive")) keepAlive = true;
      } else if (name.length === 17 && name.toLowerCase() === "transfer-encoding" && value.toLowerCase() !== "chunked") {
        // Any other coding would hand the caller encoded bytes as if they were the body (h11 refuses too).
        this.pending = new RemoteProtocolError("UNSUPPORTED_TRANSFER_ENCODING", `unsupported Transfer-Encoding ${JSON.stringify(value)}`, this.received);
        return -1;
      } else if (name.length === 14 && !bodyless && name.toLowerCase() === "content-length") {
        // llhttp has validated it (digits only, no duplicates) before calling us.
        this.bodyRemaining = this.bodyLength = Number(value);
      } else if (name.length === 10 && name.toLowerCase() === "keep-alive") {
        keepAliveTimeout = parseKeepAliveTimeout(value) ?? keepAliveTimeout;
      }
    }
    // llhttp's own verdict also covers bodies delimited by the close. It is computed before it
    // learns that a HEAD response has no body, so for bodyless responses only our rule applies.
    if (!bodyless) keepAlive &&= llhttpKeepAlive;
    this.state = "body";
    this.lastSpan = -1;
    this.headBytes = 0; // the trailer section gets a budget of its own
    const reason = this.reason;
    // The head is the handler's now: the parser keeps none of it, so an idle connection does not
    // hold its last response's header strings (about 300 bytes each, bench:scale's idle memory).
    // Stryker disable next-line ArrayDeclaration: only memory (an idle connection's heap, bench:scale); beginMessage() starts the next head afresh
    this.raw = [];
    // Stryker disable next-line StringLiteral: as above
    this.reason = "";
    this.handler.onHead({
      status,
      reason,
      httpVersion: minor === 0 ? "1.0" : "1.1",
      rawHeaders: raw,
      keepAlive,
      keepAliveTimeout,
    });
    // Responses to HEAD, and 204 and 304 responses, never have a body, whatever their headers say.
    return bodyless ? 1 : 0;
  }

  private onBody(chunk: Uint8Array): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a negative remainder (chunked bodies) never takes the fast path either way
    if (this.bodyRemaining > 0) this.bodyRemaining -= chunk.length;
    this.bodyReceived += chunk.length;
    this.handler.onBody(chunk);
  }

  private onMessageComplete(): number {
    if (this.state === "head") {
      // An informational response ended; the real one follows on the same stream.
      this.beginMessage();
      return ERROR.OK;
    }
    this.endMessage();
    return ERROR.PAUSED;
  }

  private endMessage(): void {
    const trailers = this.trailers;
    // Stryker disable next-line EqualityOperator: the list has an even length, so an odd index never reaches it
    for (let i = 1; i < trailers.length; i += 2) trailers[i] = trimOWS(trailers[i]!);
    this.state = "done";
    this.handler.onEnd(trailers);
  }
}

/** Whether a comma-separated header value contains `token` (case-insensitive). */
export function hasToken(value: string, token: string): boolean {
  for (const part of value.split(",")) if (trimOWS(part).toLowerCase() === token) return true;
  return false;
}

/** `timeout=N` from a Keep-Alive header, in milliseconds. */
export function parseKeepAliveTimeout(value: string): number | undefined {
  for (const part of value.split(",")) {
    const [key, v] = part.split("=");
    if (key !== undefined && trimOWS(key).toLowerCase() === "timeout" && v !== undefined && /^[ \t]*\d+[ \t]*$/.test(v)) return Number(v) * 1000;
  }
  return undefined;
}
