/**
 * ReadBuffer: where a plain TCP connection's reads go (`onread`), instead of a new
 * buffer per read pushed through a Readable stream (conc 1.24 -> 1.40 x undici,
 * docs/performance.md). Node asks for the next read's buffer right after each read
 * is handled, and the socket holds it until data comes, so what an idle connection
 * costs is the buffer it was last given:
 *
 *   the connection is          the next read goes into
 *   connecting or idle         its own small buffer (4 KiB): a whole small response fits,
 *                              and an idle socket holds no more than that
 *   reading a response         a large buffer (64 KiB), taken from the spares shared by
 *                              all connections and given back when the connection goes idle
 *
 * Body pieces of 16 KiB or more are handed on without a copy: the large buffer then
 * goes with them (it is never given back) and the next read gets another, as Node
 * would have done for every read. Smaller pieces are copied, so a buffer can be
 * read into again as soon as the read has been handled.
 */

const SMALL = 4 * 1024;
const LARGE = 64 * 1024;
/** Body pieces smaller than this are copied out of the buffer; larger ones take the buffer with them. */
const COPY_BELOW = 16 * 1024;
/** Large buffers kept for reuse by any connection; more are left to the collector. */
const MAX_SPARES = 8;
const spares: Buffer[] = [];

export class ReadBuffer {
  private small: Buffer | undefined;
  private large: Buffer | undefined;
  /** The buffer the last read went into. */
  private current: Buffer | undefined;

  /** Where the next read goes: `reading` while a response is being read. */
  next(reading: boolean): Buffer {
    if (reading) this.current = this.large ??= spares.pop() ?? Buffer.allocUnsafeSlow(LARGE);
    else this.current = this.small ??= Buffer.allocUnsafeSlow(SMALL);
    return this.current;
  }

  /** `piece` (a view of the buffer just read into) made safe to keep after the next read. */
  keep(piece: Uint8Array): Uint8Array {
    if (piece.length < COPY_BELOW) return Buffer.from(piece);
    // Only the large buffer holds a piece this big: it goes with the piece.
    if (this.current === this.large) this.large = undefined;
    return piece;
  }

  /** The connection is idle (or closed): its large buffer goes back to the spares. */
  release(): void {
    const large = this.large;
    this.large = undefined;
    if (large !== undefined && spares.length < MAX_SPARES) spares.push(large);
  }
}
