/** The pool's small parts on their own: the deadline timer, the limits' checks, event observers. */
import { describe, expect, it } from "vitest";
import { DeadlineTimer } from "../../src/pool/deadline-timer.js";
import { EventSink, type PoolEvent } from "../../src/pool/events.js";
import { resolveLimits, wholeNumber } from "../../src/pool/limits.js";
import { LinkedQueue } from "../../src/pool/linked-queue.js";
import { WaitDeadlines } from "../../src/pool/wait-deadlines.js";
import { FakeClock } from "../support/fake-pool.js";

describe("DeadlineTimer", () => {
  it("fires at the earliest deadline required, once, and then at the next one onDue returns", () => {
    const clock = new FakeClock();
    const due: number[] = [];
    let next = Infinity;
    const timer = new DeadlineTimer(clock, (now) => {
      due.push(now);
      const n = next;
      next = Infinity; // handed over once
      return n;
    });
    const t0 = clock.now();
    timer.require(t0 + 100);
    timer.require(t0 + 200); // later: the earlier one stands
    clock.advance(99);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual([t0 + 100]);
    next = t0 + 150;
    timer.require(t0 + 120);
    clock.advance(20);
    expect(due).toEqual([t0 + 100, t0 + 120]);
    clock.advance(30); // the deadline onDue returned
    expect(due).toEqual([t0 + 100, t0 + 120, t0 + 150]);
    expect(clock.pending).toBe(0); // and then none: onDue said Infinity
  });

  it("an earlier deadline replaces a later one; clear() cancels", () => {
    const clock = new FakeClock();
    const due: number[] = [];
    const timer = new DeadlineTimer(clock, (now) => (due.push(now), Infinity));
    const t0 = clock.now();
    timer.require(t0 + 300);
    timer.require(t0 + 50);
    clock.advance(50);
    expect(due).toEqual([t0 + 50]);
    expect(clock.pending).toBe(0); // the 300 one was replaced, not left behind
    timer.require(t0 + 500);
    timer.clear();
    clock.advance(1000);
    expect(due).toEqual([t0 + 50]);
    expect(clock.pending).toBe(0);
  });
});

describe("limits", () => {
  it.each([
    [{ maxConnections: 0 }, "limits.maxConnections must be a whole number >= 1, got 0"],
    [{ maxConnectionsPerHost: 0 }, "limits.maxConnectionsPerHost must be a whole number >= 1, got 0"],
    [{ maxConnectionsPerHost: 1.5 }, "limits.maxConnectionsPerHost must be a whole number >= 1, got 1.5"],
    [{ maxKeepAliveConnections: -1 }, "limits.maxKeepAliveConnections must be a whole number >= 0, got -1"],
    [{ maxKeepAliveConnections: 2.5 }, "limits.maxKeepAliveConnections must be a whole number >= 0, got 2.5"],
    [{ keepAliveExpiry: -1 }, "limits.keepAliveExpiry must be a whole number >= 0, got -1"],
    [{ maxConnections: Number.NaN }, "limits.maxConnections must be a whole number >= 1, got NaN"],
  ])("%j is refused: %s", (init, message) => {
    expect(() => resolveLimits(init)).toThrow(new RangeError(message));
  });

  it("defaults, per host following the total, zero keep-alive, fractional expiry and Infinity are fine", () => {
    expect(resolveLimits()).toEqual({ maxConnections: 100, maxConnectionsPerHost: 100, maxKeepAliveConnections: 20, keepAliveExpiry: 5000 });
    expect(resolveLimits({ maxConnections: 7 })).toMatchObject({ maxConnectionsPerHost: 7 });
    expect(resolveLimits({ maxKeepAliveConnections: 0, keepAliveExpiry: 0.5 })).toMatchObject({ maxKeepAliveConnections: 0, keepAliveExpiry: 0.5 });
    expect(resolveLimits({ maxConnections: Infinity })).toMatchObject({ maxConnections: Infinity, maxConnectionsPerHost: Infinity });
    expect(wholeNumber("pipelining", 4, 1)).toBe(4);
    expect(() => wholeNumber("pipelining", 0, 1)).toThrow(new RangeError("pipelining must be a whole number >= 1, got 0"));
    expect(() => wholeNumber("connectRetries", 1.5, 0)).toThrow(/connectRetries must be a whole number >= 0, got 1.5/);
  });
});

describe("EventSink observers", () => {
  const event = (type: PoolEvent["type"]): PoolEvent => ({ type, origin: "http://x:80", connection: 1, request: 1, outcome: "response", reason: "expired" }) as unknown as PoolEvent;

  it("an observer of some types hears those only, and makes only those wanted; removing it stops it, others stay", () => {
    let now = 5;
    const sink = new EventSink(undefined, () => now);
    expect(sink.wants("request:finished")).toBe(false);
    const a: PoolEvent[] = [];
    const b: PoolEvent[] = [];
    const stopA = sink.observe((e) => a.push(e), ["request:finished"]);
    const stopB = sink.observe((e) => b.push(e));
    expect(sink.wants("request:finished")).toBe(true);
    stopB();
    expect(sink.wants("connection:idle")).toBe(false); // a listens to request:finished only
    sink.emit(event("connection:idle"));
    now = 9;
    sink.emit(event("request:finished"));
    expect(a.map((e) => [e.type, e.time])).toEqual([["request:finished", 9]]);
    expect(b).toEqual([]);
    const c: PoolEvent[] = [];
    sink.observe((e) => c.push(e), ["request:finished"]);
    stopA();
    sink.emit(event("request:finished"));
    expect(a).toHaveLength(1);
    expect(c).toHaveLength(1);
  });
});

describe("WaitDeadlines", () => {
  const item = (deadline: number) => ({ deadline });

  it("expires in deadline order across timeouts, skips removed items, and reports the next deadline", () => {
    const d = new WaitDeadlines<{ deadline: number }>();
    const a = item(100);
    const b = item(150);
    const c = item(300);
    const nodeA = d.add(a, 100);
    d.add(b, 100);
    const nodeC = d.add(c, 300);
    d.remove(nodeA);
    d.remove(nodeA); // twice is harmless
    const due: { deadline: number }[] = [];
    expect(d.expire(99, (x) => due.push(x))).toBe(150);
    expect(due).toEqual([]);
    expect(d.expire(149, (x) => due.push(x))).toBe(150);
    expect(d.expire(150, (x) => due.push(x))).toBe(300); // due at its deadline, not after it
    expect(due).toEqual([b]);
    d.remove(nodeC);
    // Nothing left under any timeout: nothing due, no next deadline.
    expect(d.expire(1000, (x) => due.push(x))).toBe(Infinity);
    expect(due).toEqual([b]);
    // A timeout whose FIFO emptied takes items again.
    const e = item(1400);
    d.add(e, 300);
    expect(d.expire(1500, (x) => due.push(x))).toBe(Infinity);
    expect(due).toEqual([b, e]);
  });

  it("keeps every item added under one timeout, in order", () => {
    const d = new WaitDeadlines<{ deadline: number }>();
    const items = [item(10), item(20), item(30)];
    for (const x of items) d.add(x, 10);
    const due: { deadline: number }[] = [];
    expect(d.expire(30, (x) => due.push(x))).toBe(Infinity);
    expect(due).toEqual(items);
  });
});

describe("LinkedQueue", () => {
  it("removes a node only from the queue that holds it", () => {
    const a = new LinkedQueue<string>();
    const b = new LinkedQueue<string>();
    const x = a.push("x");
    b.push("y");
    b.remove(x); // not b's: nothing happens to either queue
    expect([a.size, b.size, a.first(), b.first()]).toEqual([1, 1, "x", "y"]);
    a.remove(x);
    expect([a.size, a.first()]).toEqual([0, undefined]);
  });
});
