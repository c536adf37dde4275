/**
 * ReplyReader: reads a proxy's replies during a handshake (CONNECT, SOCKS5). Each
 * step says how many bytes its reply takes once enough have arrived; the bytes are
 * gathered across reads until it can tell. When the handshake is over the socket is
 * paused and handed back with whatever arrived after the last reply.
 */
import type net from "node:net";
import { ProxyError } from "../errors.js";

/**
 * Looks at the bytes gathered so far: returns the length of the complete reply at their
 * start, or 0 while it needs more. Throws (a ProxyError) on a reply it refuses.
 */
export type ReplyStep = (gathered: Buffer) => number;

export class ReplyReader {
  private gathered: Buffer = Buffer.alloc(0);
  private step: { readonly measure: ReplyStep; readonly then: (reply: Buffer) => void } | undefined;
  private readonly listener = (chunk: Buffer): void => this.onData(chunk);

  constructor(
    private readonly socket: net.Socket,
    /** A step refused the reply: the handshake has failed. */
    private readonly failed: (error: Error) => void,
    /** A reply may not grow past this many bytes. */
    private readonly maxReply: number,
  ) {
    socket.on("data", this.listener);
  }

  /** Waits for the next reply; `then` gets exactly its bytes. */
  expect(measure: ReplyStep, then: (reply: Buffer) => void): void {
    this.step = { measure, then };
    if (this.gathered.length > 0) this.tryStep();
  }

  /** Ends the handshake: stops reading (the socket stays paused) and returns the bytes past the last reply. */
  detach(): Buffer {
    this.socket.pause();
    this.socket.off("data", this.listener);
    this.step = undefined;
    return this.gathered;
  }

  private onData(chunk: Buffer): void {
    this.gathered = this.gathered.length === 0 ? chunk : Buffer.concat([this.gathered, chunk]);
    this.tryStep();
  }

  private tryStep(): void {
    const step = this.step;
    if (step === undefined) return;
    let n: number;
    try {
      n = step.measure(this.gathered);
    } catch (err) {
      this.detach();
      this.failed(err as Error);
      return;
    }
    if (n === 0) {
      if (this.gathered.length > this.maxReply) {
        this.detach();
        this.failed(new ProxyError(`the proxy's reply is longer than ${this.maxReply} bytes`));
      }
      return;
    }
    const reply = this.gathered.subarray(0, n);
    this.gathered = this.gathered.subarray(n);
    this.step = undefined;
    step.then(reply);
  }
}
