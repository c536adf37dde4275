/**
 * RequestWriter: puts requests on a connection's socket. A request held whole
 * (no body, or bytes) leaves in one write, or one corked writev for several
 * pieces; a streamed body is written chunk by chunk, waiting for the socket to
 * drain whenever the kernel's buffer is full. Framing and its checks are
 * BodyEncoder's (src/http); timers and failures are the Connection's, which
 * hears of them through WriterEvents.
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

  constructor(
    private readonly socket: net.Socket,
    private readonly events: WriterEvents,
  ) {
    this.sink = (piece) => (typeof piece === "string" ? socket.write(piece, "latin1") : socket.write(piece));
  }

  /** Starts writing `request` as exchange `ex`. */
  write(ex: Exchange, request: OutgoingRequest): void {
    const { head, body, framing } = request;
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
      socket.write(head, "latin1");
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
      socket.write(head, "latin1");
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
