/**
 * ReadBuffer: where a plain TCP connection's reads go (`onread`), instead of a new
 * buffer per read pushed through a Readable stream (conc 1.24 -> 1.40 x undici,
 * docs/performance.md). Node asks for the next read's buffer right after each read
 * is handled, and the socket holds that buffer until data comes:
 *
 *   the connection is          the next read goes into
 *   connecting or idle         the landing buffer, one for all connections (64 KiB): an idle
 *                              socket holds nothing of its own, and the first read of a
 *                              response (all of a small one) lands there
 *   reading a response         a large buffer of its own (64 KiB), taken from spares shared
 *                              by all connections and given back when the connection goes idle
 *
 * Sharing is safe because a read is handled in full, synchronously, before any other
 * socket is read, and nothing keeps a view of the landing buffer: every piece read into
 * it is copied. In a connection's own buffer, body pieces of 16 KiB or more are handed on
 * without a copy; the buffer then goes with them (it is never given back) and the next
 * read gets another, as Node would have done for every read.
 *
 * Measured (docs/performance.md, "read buffers"): a 4 KiB buffer per idle connection
 * instead cost the big scenario a third of its throughput (every 1 MiB response began with
 * a 4 KiB read); the landing buffer costs nothing there and leaves idle connections at 0.
 */

const SIZE = 64 * 1024;
/** Body pieces smaller than this are copied out of a connection's own buffer; larger ones take the buffer with them. */
const COPY_BELOW = 16 * 1024;
/** Large buffers kept for reuse by any connection; more are left to the collector. */
const MAX_SPARES = 8;
const spares: Buffer[] = [];
let landing: Buffer | undefined;

export class ReadBuffer {
  private own: Buffer | undefined;
  /** The buffer the last read went into. */
  private current: Buffer | undefined;

  /** Where the next read goes: `reading` while a response is being read. */
  next(reading: boolean): Buffer {
    if (reading) this.current = this.own ??= spares.pop() ?? Buffer.allocUnsafeSlow(SIZE);
    else this.current = landing ??= Buffer.allocUnsafeSlow(SIZE);
    return this.current;
  }

  /** `piece` (a view of the buffer just read into) made safe to keep after the next read. */
  keep(piece: Uint8Array): Uint8Array {
    if (piece.length < COPY_BELOW || this.current !== this.own) return Buffer.from(piece);
    this.own = undefined; // it goes with the piece
    return piece;
  }

  /** The connection is idle (or closed): its own buffer goes back to the spares. */
  release(): void {
    const own = this.own;
    this.own = undefined;
    if (own !== undefined && spares.length < MAX_SPARES) spares.push(own);
  }
}
