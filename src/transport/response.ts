/**
 * Response: status, headers and a body that is read once, either all at once
 * (`bytes()`, `text()`, `json()`) or as a stream (`for await`). Built by
 * HTTPTransport from the wire, or by hand (`new Response(200, { json })`) as a
 * MockTransport handler does.
 */
import type { Duplex } from "node:stream";
import { DecodingError, HTTPError, HTTPStatusError, ResponseNotRead, ResponseTooLarge, StreamConsumed } from "../errors.js";
import { Headers, type HeadersInit } from "../http/headers.js";
import { ResponseBody } from "../net/body.js";
import { type Coding, codingsOf, decodeStream, decodeWhole } from "./content-decoding.js";
import { type Request, utf8 } from "./request.js";
import { charsetOf, lines, TextDecoding } from "./text-decoding.js";

export interface ResponseInit {
  headers?: HeadersInit | undefined;
  content?: string | Uint8Array | undefined;
  json?: unknown;
  request?: Request | undefined;
  reasonPhrase?: string | undefined;
  httpVersion?: string | undefined;
  /** For transports: header fields as a flat name/value list, turned into `headers` only if someone looks. */
  rawHeaders?: readonly string[] | undefined;
}

/** Standard reason phrases for hand-built responses. */
const REASONS: Record<number, string> = {
  200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
  304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
  403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
  429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

export class Response implements AsyncIterable<Uint8Array> {
  readonly status: number;
  readonly reasonPhrase: string;
  readonly httpVersion: string;
  request: Request | undefined;
  /** Earlier responses of a redirect chain, oldest first. */
  history: Response[] = [];
  /** Milliseconds from sending the request to the end of the body; NaN until the body is read. */
  elapsed = NaN;
  /**
   * After `101 Switching Protocols` to a request that asked to upgrade: the socket, now the
   * caller's (it has left the pool), and the bytes read past the response head.
   */
  upgrade: { readonly socket: Duplex; readonly head: Uint8Array } | undefined;

  /** @internal The Client's `defaultEncoding`, for a Content-Type without a charset. */
  defaultEncoding: string | undefined;
  /** Set by the `encoding` setter. */
  private givenEncoding: string | undefined;
  /** What text decoding actually used (a BOM may have overridden the choice). */
  private usedEncoding: string | undefined;

  private readonly body: ResponseBody;
  private fields: Headers | undefined;
  /** The Content-Encoding codings to undo: undefined until looked up, null for none. */
  private codingList: Coding[] | null | undefined;
  private readonly rawHeaders: readonly string[] | undefined;
  private readonly startedAt: number;
  private cached: Uint8Array | undefined;

  constructor(status: number, init: ResponseInit = {}, body?: ResponseBody, startedAt = performance.now()) {
    this.status = status;
    this.reasonPhrase = init.reasonPhrase ?? REASONS[status] ?? "";
    this.httpVersion = init.httpVersion ?? "HTTP/1.1";
    this.rawHeaders = init.rawHeaders;
    if (init.rawHeaders === undefined) this.fields = new Headers(init.headers);
    this.request = init.request;
    this.startedAt = startedAt;
    if (body !== undefined) {
      this.body = body;
      return;
    }
    let bytes: Uint8Array = new Uint8Array(0);
    if (init.json !== undefined) {
      bytes = utf8.encode(JSON.stringify(init.json));
      if (!this.headers.has("content-type")) this.headers.set("Content-Type", "application/json");
    } else if (init.content !== undefined) {
      bytes = typeof init.content === "string" ? utf8.encode(init.content) : init.content;
    }
    if (!this.headers.has("content-length") && !this.headers.has("transfer-encoding")) this.headers.set("Content-Length", bytes.length);
    this.body = ResponseBody.of(bytes);
  }

  /**
   * The encoding `text()`, `iterText()` and `iterLines()` decode with: the one set here, else
   * the charset Content-Type names, else the client's `defaultEncoding`, else UTF-8. After
   * decoding, the one used (a byte order mark in the body overrides the choice). Set it before
   * reading to override (httpx's `response.encoding`).
   */
  get encoding(): string {
    return this.usedEncoding ?? this.chosenEncoding();
  }

  set encoding(label: string) {
    this.givenEncoding = label;
    this.usedEncoding = undefined;
  }

  get headers(): Headers {
    return (this.fields ??= Headers.fromRaw(this.rawHeaders!));
  }

  get url(): URL | undefined {
    return this.request?.url;
  }

  get isInformational(): boolean {
    return this.status >= 100 && this.status < 200;
  }
  get isSuccess(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get isRedirect(): boolean {
    return [301, 302, 303, 307, 308].includes(this.status) && this.headers.has("location");
  }
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
  get isServerError(): boolean {
    return this.status >= 500 && this.status < 600;
  }
  get isError(): boolean {
    return this.status >= 400;
  }

  /** Whether the body has been read into memory (after bytes(), text(), json() or read()). */
  get isRead(): boolean {
    return this.cached !== undefined;
  }

  /** The body, once read. Throws ResponseNotRead before. */
  get content(): Uint8Array {
    if (this.cached === undefined) throw new ResponseNotRead("the response body has not been read: await bytes() or read() first");
    return this.cached;
  }

  /** Reads the whole body into memory (once) and returns it. More than `maxSize` bytes fail with ResponseTooLarge. */
  async read(maxSize = Infinity): Promise<Uint8Array> {
    if (this.cached !== undefined) return this.cached;
    let chunks: Uint8Array[];
    try {
      // A coded body is read raw first (no larger than the limit either), then decoded whole.
      chunks = await this.body.readAll(maxSize, (size) => new ResponseTooLarge(`the response body is larger than maxResponseSize (${size} > ${maxSize} bytes)`, { phase: "read body" }));
    } catch (err) {
      throw this.withContext(err);
    }
    return this.keep(chunks, maxSize);
  }

  /**
   * @internal For the Client's fast path.
   * If the whole body has already arrived (and is within `maxSize`), keeps it as
   * `content` and returns true, without waiting; otherwise changes nothing.
   */
  readArrived(maxSize = Infinity): boolean {
    if (this.cached !== undefined) return true;
    const chunks = this.body.takeEnded(maxSize);
    if (chunks === undefined) return false;
    this.keep(chunks, maxSize);
    return true;
  }

  /**
   * The body has been read whole: keep it, decoded, as `content` (one chunk as it is) and
   * stop the clock. The connection is back in the pool already: its framing was sound,
   * whatever the coding inside it holds.
   */
  private keep(chunks: Uint8Array[], maxSize: number): Uint8Array {
    const raw = chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
    try {
      const codings = this.codings();
      this.cached = codings === null ? raw : decodeWhole(raw, codings, maxSize);
    } catch (err) {
      throw this.withContext(err);
    }
    this.elapsed = performance.now() - this.startedAt;
    return this.cached;
  }

  /**
   * The codings of Content-Encoding to undo, found in the raw header list without building
   * Headers (most responses have none). null when there is nothing to undo, or a coding we
   * do not know: then the body is handed over as it came, and the header says what it is.
   */
  private codings(): Coding[] | null {
    if (this.codingList !== undefined) return this.codingList;
    let value: string | undefined;
    const raw = this.fields === undefined ? this.rawHeaders : undefined;
    if (raw !== undefined) {
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!;
        if (name.length === 16 && name.toLowerCase() === "content-encoding") value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
      }
    } else {
      value = this.headers.get("content-encoding") ?? undefined;
    }
    this.codingList = value === undefined ? null : (codingsOf(value) ?? null);
    return this.codingList;
  }

  bytes(): Promise<Uint8Array> {
    return this.read();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.read();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  /**
   * The body as text, in `encoding` (see there); a leading byte order mark picks the
   * encoding itself and is dropped. `encoding` says afterwards which one was used.
   */
  async text(): Promise<string> {
    const bytes = await this.read();
    const decoding = new TextDecoding(this.chosenEncoding());
    const text = decoding.decode(bytes) + decoding.end();
    this.usedEncoding = decoding.encoding;
    return text;
  }

  /** The body parsed as JSON, always read as UTF-8 (RFC 8259); a body that is not JSON is a DecodingError naming the request, with the SyntaxError as `cause`. */
  async json<T = unknown>(): Promise<T> {
    const bytes = await this.read();
    const decoding = new TextDecoding("utf-8");
    const text = decoding.decode(bytes) + decoding.end();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new DecodingError(`the response body is not valid JSON (${(err as Error).message})`, { cause: err, ...(this.request ? { request: this.request } : {}) });
    }
  }

  /** Throws HTTPStatusError for 4xx and 5xx responses; returns the response otherwise. */
  raiseForStatus(): this {
    if (!this.isError) return this;
    const kind = this.isClientError ? "Client error" : "Server error";
    // The request is named once, by the error's context: `Client error '404 Not Found' (GET http://...)`.
    throw new HTTPStatusError(`${kind} '${this.status} ${this.reasonPhrase}'`, this, this.request ? { request: this.request } : {});
  }

  /**
   * The body chunk by chunk, decoded as it arrives (Content-Encoding undone). Once only: a
   * second read throws StreamConsumed. A body that does not decode fails with DecodingError
   * and its connection is closed, not reused.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.cached !== undefined) {
      if (this.cached.length > 0) yield this.cached;
      return;
    }
    let codings: Coding[] | null;
    try {
      codings = this.codings();
    } catch (err) {
      this.body.cancel();
      throw this.withContext(err);
    }
    if (codings === null) return yield* this.raw();
    // Data that will not decode, with the raw body still coming: the rest is not worth a connection.
    const corrupt = (err: Error): void => this.body.discard(err);
    try {
      yield* decodeStream(this.raw(), codings, Infinity, corrupt);
    } catch (err) {
      throw this.withContext(err);
    }
  }

  /**
   * The body's bytes exactly as they came, Content-Encoding not undone. Only before any
   * other read of the body (else StreamConsumed).
   */
  iterRaw(): AsyncIterable<Uint8Array> {
    if (this.cached !== undefined) throw new StreamConsumed("the response body has already been read");
    const raw = this.raw();
    return { [Symbol.asyncIterator]: () => raw };
  }

  /** The body as text in `encoding`, decoded as it streams: a character split between chunks comes out whole. */
  async *iterText(): AsyncGenerator<string> {
    const decoding = new TextDecoding(this.chosenEncoding());
    for await (const chunk of this) {
      const text = decoding.decode(chunk);
      this.usedEncoding = decoding.encoding;
      if (text !== "") yield text;
    }
    const rest = decoding.end();
    this.usedEncoding = decoding.encoding;
    if (rest !== "") yield rest;
  }

  /** The body's text line by line, split on \n, \r\n and \r (the line ends are not included). */
  iterLines(): AsyncGenerator<string> {
    return lines(this.iterText());
  }

  /** The encoding text() would use now, before any BOM is seen. */
  private chosenEncoding(): string {
    return this.givenEncoding ?? charsetOf(this.headers.get("content-type")) ?? this.defaultEncoding ?? "utf-8";
  }

  /** The raw body chunk by chunk, as it arrives. */
  private async *raw(): AsyncGenerator<Uint8Array> {
    const it = this.body[Symbol.asyncIterator]();
    let finished = false;
    try {
      for (;;) {
        let r: IteratorResult<Uint8Array>;
        try {
          r = await it.next();
        } catch (err) {
          throw this.withContext(err);
        }
        if (r.done) break;
        yield r.value;
      }
      finished = true;
      this.elapsed = performance.now() - this.startedAt;
    } finally {
      // A reader that stops early (break, throw) releases the connection.
      if (!finished) this.body.cancel();
    }
  }

  /** Stops reading: the connection is drained (if little is left) or dropped. Idempotent. */
  async close(): Promise<void> {
    this.body.cancel();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return `<Response [${this.status} ${this.reasonPhrase}]>`;
  }

  private withContext(err: unknown): unknown {
    if (err instanceof HTTPError && this.request) err.withContext({ request: this.request });
    return err;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Reads `response`'s body into memory (at most `maxSize` bytes), so its connection is back in
 * the pool when this settles. A small body has usually arrived with the head, and then no
 * promise is made. On a failure the response is closed and `namer` sees the error first.
 */
export function readWhole(response: Response, maxSize: number, namer?: { annotate(error: unknown): void }): Response | Promise<Response> {
  try {
    if (response.readArrived(maxSize)) return response;
  } catch (err) {
    // A body that arrived whole and does not decode (a corrupt gzip, too many codings).
    return closeAndThrow(response, err, namer);
  }
  return response.read(maxSize).then(
    () => response,
    (err: unknown) => closeAndThrow(response, err, namer),
  );
}

async function closeAndThrow(response: Response, err: unknown, namer: { annotate(error: unknown): void } | undefined): Promise<never> {
  await response.close();
  namer?.annotate(err);
  throw err;
}
