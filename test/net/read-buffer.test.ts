/**
 * ReadBuffer's rules (src/net/read-buffer.ts), by buffer identity: which buffer a read goes into,
 * when a piece read into it is copied and when it leaves with the buffer, and what goes back to the
 * spares. The spares are shared by every ReadBuffer in the process, so each test first takes them
 * all (more than the spares can hold) to start from none.
 */
import { describe, expect, it } from "vitest";
import { ReadBuffer } from "../../src/net/read-buffer.js";

const SIZE = 64 * 1024;
const COPY_BELOW = 16 * 1024;
const MAX_SPARES = 8;

/** Takes every spare (and a few new buffers), so the next buffer handed out is new unless a test gave one back. */
function drainSpares(): ReadBuffer[] {
  return Array.from({ length: MAX_SPARES + 2 }, () => {
    const rb = new ReadBuffer();
    rb.next(true);
    return rb;
  });
}

describe("where a read goes", () => {
  it("connecting or idle: into the one landing buffer every connection shares", () => {
    const a = new ReadBuffer().next(false);
    const b = new ReadBuffer().next(false);
    expect(a).toBe(b);
    expect(a.length).toBe(SIZE);
  });

  it("reading a response: into a buffer of the connection's own, the same one read after read", () => {
    drainSpares();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    expect(own.length).toBe(SIZE);
    expect(own).not.toBe(new ReadBuffer().next(false));
    expect(rb.next(true)).toBe(own);
    expect(new ReadBuffer().next(true)).not.toBe(own);
    // Going back to the landing buffer between reads does not lose it.
    rb.next(false);
    expect(rb.next(true)).toBe(own);
  });
});

describe("keeping a piece past the next read", () => {
  it("a piece of the landing buffer is always copied", () => {
    const rb = new ReadBuffer();
    const landing = rb.next(false);
    landing.fill(7, 0, COPY_BELOW * 2);
    const piece = landing.subarray(0, COPY_BELOW * 2);
    const kept = rb.keep(piece);
    expect(kept.buffer).not.toBe(landing.buffer);
    expect(Buffer.from(kept).equals(piece)).toBe(true);
  });

  it("a piece of the connection's own buffer under 16 KiB is copied, and the buffer stays the connection's", () => {
    drainSpares();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    own.fill(3, 0, COPY_BELOW - 1);
    const kept = rb.keep(own.subarray(0, COPY_BELOW - 1));
    expect(kept.buffer).not.toBe(own.buffer);
    expect([...kept.subarray(0, 2)]).toEqual([3, 3]);
    expect(rb.next(true)).toBe(own);
  });

  it("a piece of 16 KiB or more is handed on as it is and takes the buffer with it: the next read gets another", () => {
    drainSpares();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    const piece = own.subarray(0, COPY_BELOW);
    expect(rb.keep(piece)).toBe(piece);
    const next = rb.next(true);
    expect(next).not.toBe(own);
    // The buffer that left with the piece is never given back to the spares.
    rb.release();
    const others = [new ReadBuffer().next(true), new ReadBuffer().next(true)];
    expect(others).toContain(next);
    expect(others).not.toContain(own);
  });
});

describe("giving buffers back", () => {
  it("release() puts the connection's buffer with the spares, where the next connection reading finds it", () => {
    drainSpares();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    rb.release();
    expect(new ReadBuffer().next(true)).toBe(own);
  });

  it("release() twice gives the buffer back once; a connection that never read gives nothing", () => {
    drainSpares();
    new ReadBuffer().release();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    rb.release();
    rb.release();
    const first = new ReadBuffer().next(true);
    const second = new ReadBuffer().next(true);
    expect(first).toBe(own);
    expect(second).not.toBe(own);
  });

  it("after release() the connection reads into a buffer from the spares again (its old one, when it is the only spare)", () => {
    drainSpares();
    const rb = new ReadBuffer();
    const own = rb.next(true);
    rb.release();
    expect(rb.next(true)).toBe(own);
  });

  it("at most eight spares are kept: of ten given back, eight are handed out again", () => {
    drainSpares();
    const many = Array.from({ length: 10 }, () => new ReadBuffer());
    const mine = new Set(many.map((rb) => rb.next(true)));
    expect(mine.size).toBe(10);
    for (const rb of many) rb.release();
    const again = Array.from({ length: 10 }, () => new ReadBuffer().next(true));
    expect(again.filter((b) => mine.has(b))).toHaveLength(MAX_SPARES);
  });
});
