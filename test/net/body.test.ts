/**
 * ResponseBody's rules on their own (src/net/body.ts), with a source that records what the body
 * asks of it: when the socket is paused and resumed, when the reader's giving up reaches the
 * connection, and what each way of reading says when it cannot.
 */
import { describe, expect, it } from "vitest";
import { StreamClosed, StreamConsumed } from "../../src/errors.js";
import { type BodySource, ResponseBody } from "../../src/net/body.js";

const KiB = 1024;
/** The body's high-water mark: more than this buffered unread pauses the socket. */
const HIGH_WATER = 256 * KiB;

function recorded(): { source: BodySource; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    source: {
      pause: () => void calls.push("pause"),
      resume: () => void calls.push("resume"),
      cancel: () => void calls.push("cancel"),
      discard: () => void calls.push("discard"),
    },
  };
}

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);
const total = (chunks: Uint8Array[]): number => chunks.reduce((n, c) => n + c.length, 0);

describe("back-pressure", () => {
  it("pauses the source once more than the high-water mark waits unread, not at the mark, and only once", () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(HIGH_WATER - 1));
    body.push(bytes(1));
    expect(calls).toEqual([]); // exactly at the mark: still flowing
    body.push(bytes(1));
    expect(calls).toEqual(["pause"]);
    body.push(bytes(HIGH_WATER));
    expect(calls).toEqual(["pause"]);
  });

  it("resumes once the reader has taken it down to half the mark, not before, and once", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    const it = body[Symbol.asyncIterator]();
    // Five chunks: 320 KiB buffered; reading takes it to 256, 192, 128 (half: resume), 64.
    for (let i = 0; i < 5; i++) body.push(bytes(64 * KiB));
    expect(calls).toEqual(["pause"]);
    await it.next();
    await it.next();
    expect(calls).toEqual(["pause"]); // 192 KiB left: above half
    await it.next();
    expect(calls).toEqual(["pause", "resume"]); // 128 KiB: half
    await it.next();
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("a chunk handed straight to a waiting reader is not buffered, so it never pauses", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    const it = body[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) {
      const next = it.next();
      body.push(bytes(HIGH_WATER));
      expect((await next).value).toHaveLength(HIGH_WATER);
    }
    expect(calls).toEqual([]);
    expect(body.received).toBe(4 * HIGH_WATER);
  });

  it("readAll() takes a paused body and resumes it; while collecting, nothing pauses it again", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(HIGH_WATER + 1));
    expect(calls).toEqual(["pause"]);
    const all = body.readAll();
    expect(calls).toEqual(["pause", "resume"]);
    body.push(bytes(HIGH_WATER * 2));
    body.end();
    expect(total(await all)).toBe(HIGH_WATER * 3 + 1);
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("readAll() on a body that is not paused does not resume it", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(10));
    const all = body.readAll();
    body.end();
    expect(total(await all)).toBe(10);
    expect(calls).toEqual([]);
  });
});

describe("readAll() and its limit", () => {
  it("collects what was buffered and what comes after, in order", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(Uint8Array.of(1));
    const all = body.readAll();
    body.push(Uint8Array.of(2, 3));
    body.end();
    expect((await all).map((c) => [...c])).toEqual([[1], [2, 3]]);
  });

  it("an ended body resolves at once with everything, and the buffer is handed over", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(Uint8Array.of(7));
    body.end();
    expect((await body.readAll()).map((c) => [...c])).toEqual([[7]]);
  });

  it("more than the limit arriving while collecting: rejects with onLimit(size), tells the source once, drops the rest", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    const sizes: number[] = [];
    const all = body.readAll(10, (size) => {
      sizes.push(size);
      return new RangeError(`too big: ${size}`);
    });
    body.push(bytes(10)); // exactly the limit: fine
    expect(calls).toEqual([]);
    body.push(bytes(3));
    await expect(all).rejects.toThrow("too big: 13");
    expect(sizes).toEqual([13]);
    expect(calls).toEqual(["cancel"]);
    body.push(bytes(5)); // after the cancel: ignored
    expect(body.received).toBe(13);
    expect(body.done).toBe(true);
  });

  it("more than the limit already buffered: rejects at once with the buffered size, and the source is told", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(6));
    body.push(bytes(6));
    await expect(body.readAll(11)).rejects.toThrow(new RangeError("body exceeds 11 bytes (12)"));
    expect(calls).toEqual(["cancel"]);
  });

  it("an ended body over the limit: rejected, and the source is not told (the connection has moved on)", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(20));
    body.end();
    await expect(body.readAll(10)).rejects.toThrow(new RangeError("body exceeds 10 bytes (20)"));
    expect(calls).toEqual([]);
  });

  it("the buffered bytes exactly at the limit are accepted", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(bytes(12));
    body.end();
    expect(total(await body.readAll(12))).toBe(12);
  });

  it("a failed body rejects with its error; a failure while collecting rejects the collector", async () => {
    const failed = new ResponseBody(recorded().source);
    const cause = new Error("reset");
    failed.fail(cause);
    await expect(failed.readAll()).rejects.toBe(cause);

    const collecting = new ResponseBody(recorded().source);
    const all = collecting.readAll();
    collecting.fail(cause);
    await expect(all).rejects.toBe(cause);
  });
});

describe("takeEnded()", () => {
  it("hands over an ended, unread body within the limit, and it counts as read", () => {
    const body = new ResponseBody(recorded().source);
    body.push(bytes(4));
    body.end();
    expect(total(body.takeEnded(4)!)).toBe(4);
    expect(() => body.readAll()).toThrow(new StreamConsumed("the response body has already been read"));
  });

  it("leaves the body as it was when it is still open, over the limit, or already read", async () => {
    const open = new ResponseBody(recorded().source);
    open.push(bytes(4));
    expect(open.takeEnded(100)).toBeUndefined();

    const big = new ResponseBody(recorded().source);
    big.push(bytes(5));
    big.end();
    expect(big.takeEnded(4)).toBeUndefined();
    expect(total(await big.readAll())).toBe(5); // untouched: still readable

    const read = new ResponseBody(recorded().source);
    read.end();
    await read.readAll();
    expect(read.takeEnded(100)).toBeUndefined();
  });
});

describe("reading once", () => {
  it("a second reader of any kind is refused with StreamConsumed", () => {
    const body = new ResponseBody(recorded().source);
    body[Symbol.asyncIterator]();
    expect(() => body[Symbol.asyncIterator]()).toThrow(StreamConsumed);
    expect(() => body.readAll()).toThrow(new StreamConsumed("the response body has already been read"));
  });

  it("a body closed by its reader cannot be read again: StreamClosed", () => {
    const body = new ResponseBody(recorded().source);
    body.cancel();
    expect(() => body.readAll()).toThrow(new StreamClosed("the response body was closed"));
    expect(() => body[Symbol.asyncIterator]()).toThrow(StreamClosed);
  });
});

describe("the reader giving up", () => {
  it("cancel() on an open body tells the source once and fails a waiting read with StreamClosed", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    const it = body[Symbol.asyncIterator]();
    const next = it.next();
    body.cancel();
    body.cancel();
    await expect(next).rejects.toThrow(new StreamClosed("the response body was closed before it was fully read"));
    await expect(it.next()).rejects.toThrow(StreamClosed);
    expect(calls).toEqual(["cancel"]);
  });

  it("cancel() after the end tells nobody and drops what was buffered", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(3));
    body.end();
    body.cancel();
    expect(calls).toEqual([]);
    expect(body.takeEnded(100)).toEqual([]); // the buffer is gone
  });

  it("the iterator's return() (a `break` out of for-await) is a cancel", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.push(bytes(1));
    body.push(bytes(1));
    for await (const chunk of body) {
      expect(chunk).toHaveLength(1);
      break;
    }
    expect(calls).toEqual(["cancel"]);
    expect(body.done).toBe(true);
  });

  it("discard() fails the body with the reader's reason and tells the source to discard, not cancel", async () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    const it = body[Symbol.asyncIterator]();
    const next = it.next();
    const bad = new Error("would not decode");
    body.discard(bad);
    await expect(next).rejects.toBe(bad);
    expect(calls).toEqual(["discard"]);
    body.discard(bad);
    expect(calls).toEqual(["discard"]);
  });

  it("discard() after the end does nothing: the connection already had its verdict", () => {
    const { source, calls } = recorded();
    const body = new ResponseBody(source);
    body.end();
    body.discard(new Error("late"));
    expect(calls).toEqual([]);
  });
});

describe("the producer's side", () => {
  it("end() resolves a waiting read with done, and later reads say done too", async () => {
    const body = new ResponseBody(recorded().source);
    const it = body[Symbol.asyncIterator]();
    const next = it.next();
    body.end();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it("buffered chunks are read before the end is", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(Uint8Array.of(1));
    body.push(Uint8Array.of(2));
    body.end();
    const seen: number[][] = [];
    for await (const chunk of body) seen.push([...chunk]);
    expect(seen).toEqual([[1], [2]]);
  });

  it("fail() drops what was buffered: the next read is the error, not stale bytes", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(Uint8Array.of(1));
    const cause = new Error("cut short");
    body.fail(cause);
    body.end(); // ignored: it already failed
    await expect(body[Symbol.asyncIterator]().next()).rejects.toBe(cause);
  });

  it("nothing pushed after the end counts or is kept; end() and fail() after the end change nothing", async () => {
    const body = new ResponseBody(recorded().source);
    body.push(bytes(2));
    body.end();
    body.push(bytes(5));
    body.fail(new Error("late"));
    expect(body.received).toBe(2);
    expect(total(await body.readAll())).toBe(2);
  });

  it("ResponseBody.of(): a finished body of those bytes; of nothing, no chunk at all", async () => {
    expect((await ResponseBody.of(Uint8Array.of(1, 2)).readAll()).map((c) => [...c])).toEqual([[1, 2]]);
    expect(await ResponseBody.of(new Uint8Array(0)).readAll()).toEqual([]);
    const it = ResponseBody.of(new Uint8Array(0))[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
