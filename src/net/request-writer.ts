/**
 * RequestWriter: puts requests on a connection's socket. A request held whole
 * (no body, or bytes) leaves in one write, or one corked writev for several
 * pieces; a streamed body is written chunk by chunk, waiting for the socket to
 * drain whenever the kernel's buffer is full. Framing and its checks are
 * BodyEncoder's (src/http); timers and failures are the Connection's, which
 * hears of them through WriterEvents.
 *
 * With `Expect: 100-continue` the head goes alone; the body follows when the
 * server says 100 (`proceed()`), or when `expectContinueTimeout` passes without a
 * word (RFC 9110 §10.1.1: a client need not wait forever), and never if a final
 * response comes first (the Connection then abandons the request).
 */
import type net from "node:net";
import { LocalProtocolError, WriteError } from "../errors.js";
import { BodyEncoder, type BodySink } from "../http/body-encoder.js";
import type { Exchange, OutgoingRequest } from "./exchange.js";

export interface WriterEvents {
  /** The whole of `ex`'s request has reached the kernel. */
  written(ex: Exchange): void;
  /** Writing `ex` waits for the socket to drain: the write timeout runs. */
  stalled(ex: Exchange): void;
  /** A streamed body could not be read, or broke its framing; nothing more is written. */
  failed(ex: Exchange, error: Error): void;
}

export class RequestWriter {
  /** The streamed body's writer, asleep until the socket drains (or the exchange ends). */
  private drainWaiter: (() => void) | undefined;
  private readonly sink: BodySink;
  /** A request whose head was sent with `Expect: 100-continue`, its body held back, and the timer that sends it anyway. */
  private held: { readonly ex: Exchange; readonly request: OutgoingRequest; readonly timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly events: WriterEvents,
    private readonly expectContinueTimeout = 1000,
  ) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the strings are size lines and CRLFs, ASCII, the same bytes in any encoding (and a Buffer ignores it)
    this.sink = (piece) => (typeof piece === "string" ? socket.write(piece, "latin1") : socket.write(piece));
  }

  /** Starts writing `request` as exchange `ex`. */
  write(ex: Exchange, request: OutgoingRequest): void {
    if (request.expectContinue === true && request.body !== null) {
      this.socket.write(request.head, "latin1");
      const timer = setTimeout(() => this.proceed(ex), this.expectContinueTimeout);
      timer.unref();
      this.held = { ex, request, timer };
      return;
    }
    this.writeWhole(ex, request, request.head);
  }

  /** The server said 100 Continue to `ex` (or we stopped waiting): its body goes now, if it still should. */
  proceed(ex: Exchange): void {
    const held = this.held;
    if (held === undefined || held.ex !== ex) return;
    this.release();
    if (ex.request === "sending") this.writeWhole(ex, held.request, "");
  }

  /** Drops a held body (its exchange ended, or the connection closed) and its timer. */
  release(): void {
    if (this.held === undefined) return;
    clearTimeout(this.held.timer);
    this.held = undefined;
  }

  /** Writes `head` (maybe empty: already sent) and the body. */
  private writeWhole(ex: Exchange, request: OutgoingRequest, head: string): void {
    const { body, framing } = request;
    const socket = this.socket;
    if (body !== null && !(body instanceof Uint8Array)) {
      this.events.stalled(ex);
      void this.writeStream(ex, head, body, new BodyEncoder(framing));
      return;
    }
    if (body === null && framing.kind !== "chunked") {
      // Common case: the head alone, one write (corking would only buffer it on the way).
      socket.write(head, "latin1");
    } else {
      // Several pieces leave together, in one writev.
      const encoder = new BodyEncoder(framing);
      socket.cork();
      if (head !== "") socket.write(head, "latin1");
      if (body !== null) encoder.data(body, this.sink);
      encoder.end(this.sink);
      socket.uncork();
    }
    if (socket.writableNeedDrain) this.events.stalled(ex);
    else this.events.written(ex);
  }

  /**
   * Wakes a streamed body's writer waiting for drain (the socket drained, or its
   * exchange ended and the writer should see that and exit). Returns false when none
   * was waiting: a drain then means requests held whole have all been written.
   */
  wake(): boolean {
    const w = this.drainWaiter;
    if (w === undefined) return false;
    this.drainWaiter = undefined;
    w();
    return true;
  }

  private async writeStream(ex: Exchange, head: string, body: AsyncIterable<Uint8Array>, encoder: BodyEncoder): Promise<void> {
    const socket = this.socket;
    try {
      if (head !== "") socket.write(head, "latin1");
      for await (const chunk of body) {
        if (ex.request !== "sending") return; // aborted, failed, or answered already
        socket.cork();
        let ok: boolean;
        try {
          ok = encoder.data(chunk, this.sink);
        } finally {
          socket.uncork();
        }
        if (!ok) await this.waitForDrain(ex);
        if (ex.request !== "sending") return;
      }
      // Answered (or failed) while the source was read to its end: the body's end is not sent either.
      if (ex.request !== "sending") return;
      encoder.end(this.sink);
      if (socket.writableNeedDrain) await this.waitForDrain(ex);
      if (ex.request === "sending") this.events.written(ex);
    } catch (err) {
      if (ex.request !== "sending") return;
      this.events.failed(ex, err instanceof LocalProtocolError ? err : new WriteError("reading the request body failed", { cause: err }));
    }
  }

  private waitForDrain(ex: Exchange): Promise<void> {
    return new Promise<void>((resolve) => {
      this.drainWaiter = resolve;
      this.events.stalled(ex);
    });
  }
}
