/**
 * ReadBuffer: the buffer a plain TCP connection reads into (`onread`), reused
 * from read to read instead of a new one per read pushed through a Readable
 * stream (conc 1.24 -> 1.40 x undici, docs/performance.md). Body pieces are
 * handed on without a copy when they are large; then the buffer goes with them
 * and the next read gets a new one, as Node would have done for every read.
 */

/** Size of the buffer. */
const READ_SIZE = 64 * 1024;
/** Body pieces smaller than this are copied out of the buffer; larger ones take the buffer with them. */
const COPY_BELOW = 16 * 1024;

export class ReadBuffer {
  private buffer: Buffer | undefined;
  /** A body piece handed on still points into `buffer`: the next read needs a fresh one. */
  private taken = false;

  /** Where the next read goes. */
  next(): Buffer {
    if (this.buffer === undefined || this.taken) {
      this.buffer = Buffer.allocUnsafe(READ_SIZE);
      this.taken = false;
    }
    return this.buffer;
  }

  /** `piece` (a view of the buffer) made safe to keep after the next read. */
  keep(piece: Uint8Array): Uint8Array {
    if (piece.length < COPY_BELOW) return Buffer.from(piece);
    this.taken = true;
    return piece;
  }
}
