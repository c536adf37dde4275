/**
 * BodyEncoder: a request body's bytes as they go on the wire, for the framing
 * chosen by `chooseFraming` (RFC 9112 §6): as they are under Content-Length, as
 * chunks under chunked coding, with the checks each framing needs. Pure, like
 * h11's writers: it hands pieces to a sink and never touches a socket.
 *
 *   framing   data(chunk)                           end()
 *   length    the chunk; more than declared throws  fewer than declared throws
 *   chunked   size line, chunk, CRLF                the last chunk "0\r\n\r\n"
 *   none      nothing may be sent (throws)          nothing
 *
 * Strings handed to the sink are latin1; byte pieces are the caller's own.
 */
import { LocalProtocolError } from "../errors.js";
import { CHUNK_END, chunkSizeLine, type Framing, LAST_CHUNK } from "./framing.js";

/** Takes one piece of the encoded body; returns false when the receiver wants a pause (like `socket.write`). */
export type BodySink = (piece: string | Uint8Array) => boolean;

export class BodyEncoder {
  /** Body bytes taken so far. */
  private sent = 0;

  constructor(private readonly framing: Framing) {}

  /** Encodes one chunk of the body. Returns the sink's answer to the last piece. An empty chunk sends nothing. */
  data(chunk: Uint8Array, sink: BodySink): boolean {
    // An empty chunk framed as chunked would end the body early: it is skipped.
    if (chunk.length === 0) return true;
    this.sent += chunk.length;
    switch (this.framing.kind) {
      case "length":
        if (this.sent > this.framing.length) throw new LocalProtocolError(`the request body is longer than its Content-Length of ${this.framing.length}`);
        return sink(chunk);
      case "chunked":
        sink(chunkSizeLine(chunk.length));
        sink(chunk);
        return sink(CHUNK_END);
      case "none":
        throw new LocalProtocolError("this request has no body framing, so it cannot carry a body");
    }
  }

  /** The end of the body: the last chunk, or the check that exactly Content-Length bytes were sent. */
  end(sink: BodySink): void {
    if (this.framing.kind === "length" && this.sent !== this.framing.length) {
      throw new LocalProtocolError(`the request body has ${this.sent} bytes but its Content-Length is ${this.framing.length}`);
    }
    if (this.framing.kind === "chunked") sink(LAST_CHUNK);
  }
}
