/**
 * ResponseBody: the body of one response, flowing from a connection to a reader.
 *
 * The connection pushes chunks as the parser produces them; the reader either
 * iterates (one chunk at a time, with backpressure: the socket is paused while
 * more than HIGH_WATER bytes wait unread) or collects everything at once with
 * `readAll()`, which costs one promise for the whole body instead of one per chunk.
 *
 * The body tells its source (the connection) three things: pause, resume, and
 * "the reader gave up" (`cancel`), after which the connection decides whether the
 * rest can be drained cheaply or the socket must go.
 */
import { StreamClosed, StreamConsumed } from "../errors.js";

export interface BodySource {
  pause(): void;
  resume(): void;
  /** The reader will not read the rest. */
  cancel(): void;
  /** The reader will not read the rest, and what came cannot be trusted: never reuse the connection. */
  discard(): void;
}

const NO_SOURCE: BodySource = { pause() {}, resume() {}, cancel() {}, discard() {} };

/** Bytes buffered unread before the socket is paused. */
const HIGH_WATER = 256 * 1024;

type Waiter = { resolve(r: IteratorResult<Uint8Array>): void; reject(e: unknown): void };
type Collector = { resolve(chunks: Uint8Array[]): void; reject(e: unknown): void; limit: number; size: number; onLimit: (size: number) => Error };

export class ResponseBody implements AsyncIterable<Uint8Array> {
  private readonly source: BodySource;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private paused = false;
  private state: "open" | "ended" | "failed" | "cancelled" = "open";
  private error: unknown;
  private consumed = false;
  private waiter: Waiter | undefined;
  private collector: Collector | undefined;
  /** Total bytes received so far. */
  received = 0;

  constructor(source: BodySource) {
    this.source = source;
  }

  /** A finished body holding `bytes`: for responses built by hand (MockTransport). */
  static of(bytes: Uint8Array): ResponseBody {
    const body = new ResponseBody(NO_SOURCE);
    if (bytes.length > 0) body.push(bytes);
    body.end();
    return body;
  }

  get done(): boolean {
    return this.state !== "open";
  }

  // --- producer side (the connection)

  push(chunk: Uint8Array): void {
    if (this.state !== "open") return;
    this.received += chunk.length;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: chunk, done: false });
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const c = this.collector;
    if (c !== undefined) {
      c.size += chunk.length;
      if (c.size > c.limit) this.cancelWith(c.onLimit(c.size));
    } else if (this.buffered > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
  }

  end(): void {
    if (this.state !== "open") return;
    this.state = "ended";
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
    if (this.collector !== undefined) {
      const c = this.collector;
      this.collector = undefined;
      c.resolve(this.takeChunks());
    }
  }

  fail(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.error = error;
    this.chunks = [];
    this.buffered = 0;
    this.rejectReaders(error);
  }

  // --- reader side

  /** Collects the whole body. Rejects with `onLimit(size)` once more than `limit` bytes arrive. */
  readAll(limit = Infinity, onLimit: (size: number) => Error = (size) => new RangeError(`body exceeds ${limit} bytes (${size})`)): Promise<Uint8Array[]> {
    this.claim();
    if (this.state === "failed") return Promise.reject(this.error);
    if (this.buffered > limit) {
      const err = onLimit(this.buffered);
      this.cancelWith(err);
      return Promise.reject(err);
    }
    if (this.state === "ended") {
      return Promise.resolve(this.takeChunks());
    }
    if (this.paused) {
      // Stryker disable next-line BooleanLiteral: a collected body is never paused again, so the flag is not read after this
      this.paused = false;
      this.source.resume();
    }
    return new Promise((resolve, reject) => {
      this.collector = { resolve, reject, limit, size: this.buffered, onLimit };
    });
  }

  /** The whole body, if it has ended unread and is within `limit` bytes; else undefined and nothing changes. */
  takeEnded(limit: number): Uint8Array[] | undefined {
    if (this.state !== "ended" || this.consumed || this.buffered > limit) return undefined;
    this.consumed = true;
    return this.takeChunks();
  }

  /** Hands over everything buffered, leaving the buffer empty. */
  private takeChunks(): Uint8Array[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    return chunks;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.claim();
    return {
      next: () => this.next(),
      return: () => {
        this.cancel();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** The reader stops: buffered data is dropped and the source is told. Idempotent. */
  cancel(): void {
    if (this.state !== "open") {
      this.chunks = [];
      this.buffered = 0;
      return;
    }
    this.cancelWith(new StreamClosed("the response body was closed before it was fully read"));
  }

  /** The reader gives up because the body is bad (it would not decode): the connection is closed, not drained. */
  discard(error: unknown): void {
    if (this.state !== "open") return;
    this.fail(error);
    this.source.discard();
  }

  private cancelWith(error: unknown): void {
    const wasOpen = this.state === "open";
    this.state = "cancelled";
    this.error = error;
    this.chunks = [];
    this.buffered = 0;
    this.rejectReaders(error);
    if (wasOpen) this.source.cancel();
  }

  private claim(): void {
    if (this.consumed) throw new StreamConsumed("the response body has already been read");
    if (this.state === "cancelled") throw new StreamClosed("the response body was closed");
    this.consumed = true;
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.chunks.length > 0) {
      const value = this.chunks.shift()!;
      this.buffered -= value.length;
      if (this.paused && this.buffered <= HIGH_WATER / 2) {
        this.paused = false;
        this.source.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    switch (this.state) {
      case "ended":
        return Promise.resolve({ value: undefined, done: true });
      case "failed":
      case "cancelled":
        return Promise.reject(this.error);
      case "open":
        return new Promise((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
    }
  }

  private rejectReaders(error: unknown): void {
    const w = this.waiter;
    const c = this.collector;
    this.waiter = undefined;
    this.collector = undefined;
    w?.reject(error);
    c?.reject(error);
  }
}
