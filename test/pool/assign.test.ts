/**
 * The pool's rules, one test each, with fake connections and a fake clock: no
 * sockets, no sleeps, no wall-clock thresholds. Every step is followed by
 * checkInvariants(), which recounts the pool's caches and limits.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortError, ConnectError, ConnectTimeout, PoolTimeout, ProxyError, ReadError, ReadTimeout, RemoteProtocolError } from "../../src/errors.js";
import type { PoolEvent } from "../../src/pool/events.js";
import { type FakeConnection, fakePool, type FakePool, type Sent } from "../support/fake-pool.js";

const A = "http://a.test/";
const B = "http://b.test/";
const C = "http://c.test/";

/** Lets promise callbacks run (no timers involved). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checked(p: FakePool): FakePool {
  p.pool.checkInvariants();
  return p;
}

function outcomes(events: PoolEvent[]): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const e of events) {
    if (e.type === "request:queued") out[e.request] = [];
    if (e.type === "request:finished") out[e.request]!.push(e.outcome);
  }
  return out;
}

describe("assignment order", () => {
  it("serves waiting requests of one origin first in, first out", async () => {
    const p = fakePool({ limits: { maxConnectionsPerHost: 1 } });
    const sent: Sent[] = Array.from({ length: 5 }, (_, i) => p.send(`${A}${i}`));
    expect(p.opened).toHaveLength(1);
    const conn = p.opened[0]!;
    conn.connected();
    for (let i = 0; i < 5; i++) {
      checked(p);
      expect(p.connectionOf(sent[i]!)).toBe(conn);
      expect(p.pool.stats().queued).toBe(4 - i);
      conn.serve();
    }
    await settled();
    expect(sent.map((s) => s.state())).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(p.pool.stats().totals).toMatchObject({ opened: 1, requests: 5, reused: 4 });
  });

  it("a connection that dies between being opened for a request and sending it is closed, and the request asks again", async () => {
    const p = fakePool();
    const sent = p.send(A);
    const dying = p.opened[0]!;
    dying.alive = false; // the server closed it as it came up
    dying.connected();
    expect(dying.closeReason).toBe("server closed");
    expect(p.opened).toHaveLength(2);
    const next = p.opened[1]!;
    next.connected();
    expect(p.connectionOf(sent)).toBe(next);
    next.serve();
    await settled();
    expect(sent.state()).toBe("ok");
    // Not an attempt that failed: nothing was sent on the dead one, so nothing was retried.
    expect(dying.sent).toHaveLength(0);
    expect(p.pool.stats()).toMatchObject({ connections: 1, idle: 1, queued: 0, totals: { opened: 2, closed: 1, retried: 0 } });
    checked(p);
  });

  it("an origin with nothing left in it is forgotten", async () => {
    const p = fakePool();
    const sent = p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve();
    await settled();
    expect(sent.state()).toBe("ok");
    expect(Object.keys(p.pool.stats().origins)).toHaveLength(1);
    p.opened[0]!.close("server closed");
    expect(p.pool.stats().origins).toEqual({});
  });

  it("reuses the most recently used idle connection", () => {
    const p = fakePool();
    const [, second] = p.usedIdle(A, A);
    const z = p.send(A);
    expect(p.connectionOf(z)).toBe(second);
    checked(p);
  });

  it("a saturated origin does not block a waiter of another origin behind it", () => {
    const p = fakePool({ limits: { maxConnections: 3, maxConnectionsPerHost: 2 } });
    for (let i = 0; i < 4; i++) p.send(A);
    expect(p.pool.stats()).toMatchObject({ connecting: 2, queued: 2 });
    const b = p.send(B);
    // B is behind two waiters of A, yet gets the third connection at once.
    expect(p.opened.map((c) => c.origin.key)).toEqual(["http://a.test:80", "http://a.test:80", "http://b.test:80"]);
    expect(p.pool.stats().origins["http://b.test:80"]).toMatchObject({ connecting: 1, queued: 0 });
    p.opened[2]!.connected();
    expect(p.connectionOf(b)).toBe(p.opened[2]);
    checked(p);
  });

  it("under the total limit, closes another origin's least recently used idle connection to make room", () => {
    const p = fakePool({ limits: { maxConnections: 2 } });
    const [a, b] = p.usedIdle(A, B);
    p.send(C);
    expect(a!.closeReason).toBe("making room");
    expect(b!.state).toBe("idle");
    expect(p.opened).toHaveLength(3);
    checked(p);
  });

  it("waits rather than close an idle connection of its own origin or a busy one", () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    p.send(A);
    p.opened[0]!.connected();
    const b = p.send(B);
    expect(p.opened).toHaveLength(1);
    expect(p.pool.stats().queued).toBe(1);
    p.opened[0]!.serve();
    // Now idle, so B's waiter may take its slot.
    expect(p.opened[0]!.closeReason).toBe("making room");
    expect(p.opened).toHaveLength(2);
    p.opened[1]!.connected();
    expect(p.connectionOf(b)).toBe(p.opened[1]);
    checked(p);
  });

  it("a retry waiting for a fresh connection does not hold back later waiters of its origin", () => {
    const p = fakePool({ limits: { maxConnectionsPerHost: 2 } });
    const [x, y] = p.usedIdle(A, A) as [FakeConnection, FakeConnection];
    const get = p.send(A); // on y, the top of the stack
    p.send(A); // on x
    p.send(A); // waits
    expect(p.connectionOf(get)).toBe(y);
    y.fail(); // get is retried; the waiter takes the freed slot and opens a new connection
    expect(p.opened).toHaveLength(3);
    x.serve(); // x is idle but older than get's failure: get may not have it
    expect(p.connectionOf(get)).toBeUndefined();
    const later = p.send(A);
    expect(p.connectionOf(later)).toBe(x);
    checked(p);
  });

  it("a connection found dead on the idle stack is closed and replaced, and that is no retry", async () => {
    const p = fakePool();
    p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve();
    p.opened[0]!.alive = false;
    const again = p.send(A);
    expect(p.opened[0]!.closeReason).toBe("server closed");
    expect(p.opened).toHaveLength(2);
    p.opened[1]!.connected();
    p.opened[1]!.serve();
    await settled();
    expect(again.state()).toBe("ok");
    expect(p.pool.stats().totals.retried).toBe(0);
    checked(p);
  });
});

describe("under the total limit: reuse first, and a bounded wait for origins without a slot", () => {
  it("a freed connection serves a waiter of its own origin rather than being closed for an older waiter of another", () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    p.send(A);
    const a = p.opened[0]!;
    a.connected();
    const b = p.send(B); // older than the next A request, but A's connection is busy
    const a2 = p.send(A);
    a.serve();
    // Strict FIFO would close `a` for B; reuse hands it to A's waiter and keeps the connection.
    expect(p.connectionOf(a2)).toBe(a);
    expect(a.state).toBe("active");
    expect(p.pool.stats().origins["http://b.test:80"]).toMatchObject({ connections: 0, queued: 1 });
    a.serve();
    // A has nobody waiting now: its idle connection makes room for B.
    expect(a.closeReason).toBe("making room");
    expect(p.opened).toHaveLength(2);
    p.opened[1]!.connected();
    expect(p.connectionOf(b)).toBe(p.opened[1]);
    checked(p);
  });

  it("an origin without a connection gets one after a bounded number of hand-overs, even while others always have waiters", () => {
    // maxConnections 2: the bound is 4 hand-overs per connection the pool may hold = 8.
    const p = fakePool({ limits: { maxConnections: 2, maxConnectionsPerHost: 1 } });
    for (let i = 0; i < 20; i++) p.send(A);
    for (let i = 0; i < 20; i++) p.send(C);
    const [a, c] = p.opened as [FakeConnection, FakeConnection];
    a.connected();
    c.connected();
    const b = p.send(B);
    let served = 0;
    while (p.connectionOf(b) === undefined && p.opened.length === 2) {
      (served % 2 === 0 ? a : c).serve();
      served++;
      checked(p);
    }
    // After 8 hand-overs to their own origins, the 9th freed connection closes to make B's.
    expect(served).toBe(9);
    expect(p.opened).toHaveLength(3);
    expect(p.opened[2]!.origin.key).toBe("http://b.test:80");
    p.opened[2]!.connected();
    expect(p.connectionOf(b)).toBe(p.opened[2]);
    expect(p.pool.stats().totals.opened).toBe(3);
  });

  it("the bound counts hand-overs made while an origin waits, not those before it came", () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    for (let i = 0; i < 30; i++) p.send(A);
    const a = p.opened[0]!;
    a.connected();
    for (let i = 0; i < 10; i++) a.serve(); // ten hand-overs to A's own waiters, nobody else waiting
    const b = p.send(B);
    let served = 0;
    while (p.connectionOf(b) === undefined && p.opened.length === 1) {
      a.serve();
      served++;
      checked(p);
    }
    // 4 hand-overs (4 x maxConnections) after B began to wait, and the 5th freed connection makes B's.
    expect(served).toBe(5);
    expect(a.closeReason).toBe("making room");
    p.opened[1]!.connected();
    expect(p.connectionOf(b)).toBe(p.opened[1]);
  });

  it("origins waiting for a slot are served in turn, the one waiting longest first", () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    p.send(A);
    const a = p.opened[0]!;
    a.connected();
    const [b1, c1, b2] = [p.send(B), p.send(C), p.send(B)];
    a.serve(); // A has no waiter: its connection makes room for B, the first to wait
    p.opened[1]!.connected();
    expect(p.connectionOf(b1)).toBe(p.opened[1]);
    p.opened[1]!.serve(); // B's own waiter b2 is served next: reuse before turns...
    expect(p.connectionOf(b2)).toBe(p.opened[1]);
    p.opened[1]!.serve(); // ...and then C's turn
    p.opened[2]!.connected();
    expect(p.connectionOf(c1)).toBe(p.opened[2]);
    expect(p.opened.map((c) => c.origin.key)).toEqual(["http://a.test:80", "http://b.test:80", "http://c.test:80"]);
    checked(p);
  });

  it("an origin that got a slot and wants another goes to the back of the line", () => {
    const p = fakePool({ limits: { maxConnections: 2 } });
    p.send(A);
    p.send(A);
    const [a1, a2] = p.opened as [FakeConnection, FakeConnection];
    a1.connected();
    a2.connected();
    p.send(B);
    p.send(B);
    const c = p.send(C);
    a1.serve(); // room for B, the first in line; B still wants a second connection
    expect(p.opened[2]!.origin.key).toBe("http://b.test:80");
    a2.serve(); // C's turn now, not B's second
    expect(p.opened[3]!.origin.key).toBe("http://c.test:80");
    p.opened[3]!.connected();
    expect(p.connectionOf(c)).toBe(p.opened[3]);
    checked(p);
  });

  it("a closed connection's slot goes to the origin that has waited longest for one", () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    p.send(A);
    const a = p.opened[0]!;
    a.connected();
    const c = p.send(C);
    p.send(A);
    a.fail({ dropped: false, error: new ReadError("gone") }); // closed, not idle
    // C waited for a slot; A's waiter waited for A's busy connection (the per-origin queue).
    expect(p.opened).toHaveLength(2);
    expect(p.opened[1]!.origin.key).toBe("http://c.test:80");
    p.opened[1]!.connected();
    expect(p.connectionOf(c)).toBe(p.opened[1]);
    checked(p);
  });
});

describe("scale", () => {
  it("100,000 waiters are queued, aborted in any order and served in order", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const controllers = Array.from({ length: 100_000 }, () => new AbortController());
    const sent = controllers.map((ac, i) => p.send(`${A}${i}`, { signal: ac.signal }));
    const conn = p.opened[0]!;
    conn.connected();
    // Abort every third waiter, from the back: with an array queue that is 33,333 splices.
    for (let i = sent.length - 1; i > 0; i -= 3) controllers[i]!.abort();
    const left = 99_999 - Math.ceil((sent.length - 1) / 3);
    expect(p.pool.stats().queued).toBe(left);
    checked(p);
    // The rest are served first in, first out, skipping the aborted ones.
    const order: number[] = [];
    for (let k = 0; k < 10; k++) {
      order.push(sent.findIndex((s) => s.spec === conn.current!.request));
      conn.serve();
    }
    // Aborted: every multiple of 3 but 0 (99,999 is one).
    expect(order).toEqual([0, 1, 2, 4, 5, 7, 8, 10, 11, 13]);
    expect(p.pool.stats().queued).toBe(left - 10);
    checked(p);
  });
});

describe("keep-alive", () => {
  it("maxKeepAliveConnections counts idle connections only", () => {
    const p = fakePool({ limits: { maxKeepAliveConnections: 2 } });
    for (let i = 0; i < 5; i++) p.send(A);
    for (const c of p.opened) c.connected();
    // Four held open, one finished: 5 connections, 1 idle, nothing closed for the cap.
    p.opened[4]!.serve();
    expect(p.pool.stats()).toMatchObject({ connections: 5, idle: 1, active: 4 });
    checked(p);
    for (let i = 0; i < 4; i++) p.opened[i]!.serve();
    expect(p.pool.stats()).toMatchObject({ connections: 2, idle: 2, active: 0 });
    expect(p.opened.filter((c) => c.closeReason === "keep-alive limit")).toHaveLength(3);
    checked(p);
  });

  it("closes an idle connection when keepAliveExpiry has passed, not before", () => {
    const p = fakePool({ limits: { keepAliveExpiry: 100 } });
    p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve();
    p.clock.advance(99);
    expect(p.opened[0]!.state).toBe("idle");
    p.clock.advance(1);
    expect(p.opened[0]!.closeReason).toBe("expired");
    expect(p.pool.stats().connections).toBe(0);
    checked(p);
  });

  it("the server's Keep-Alive timeout shortens the expiry by a second of margin", () => {
    const p = fakePool({ limits: { keepAliveExpiry: 5000 } });
    p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve(200, 3); // Keep-Alive: timeout=3 → kept 2 s
    p.clock.advance(1999);
    expect(p.opened[0]!.state).toBe("idle");
    p.clock.advance(1);
    expect(p.opened[0]!.closeReason).toBe("expired");
  });

  it("a Keep-Alive timeout of 1 s or less means the connection is not kept at all", () => {
    const p = fakePool();
    p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve(200, 1);
    expect(p.opened[0]!.closeReason).toBe("expired");
    p.send(A);
    expect(p.opened).toHaveLength(2);
  });

  it("an expired idle connection is not handed out even before the timer fires", () => {
    const p = fakePool({ limits: { keepAliveExpiry: 100 } });
    p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.serve();
    // Time passes without the expiry timer having run (a busy event loop).
    (p.clock as unknown as { time: number }).time += 150;
    p.send(A);
    expect(p.opened[0]!.closeReason).toBe("expired");
    expect(p.opened).toHaveLength(2);
  });
});

describe("waiting: the pool timeout and aborts", () => {
  it("a waiter fails with PoolTimeout when its pool timeout passes, not before", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    p.send(A);
    p.opened[0]!.connected();
    const waiting = p.send(A, { timeouts: { pool: 50 } });
    p.clock.advance(49);
    await settled();
    expect(waiting.state()).toBe("pending");
    p.clock.advance(1);
    await settled();
    expect(waiting.state()).toBeInstanceOf(PoolTimeout);
    expect((waiting.state() as Error).message).toMatch(/within 50 ms.*during pool wait/);
    expect(p.pool.stats().queued).toBe(0);
    checked(p);
  });

  it("a request aborted while queued leaves the queue, and ends with outcome aborted", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const first = p.send(A);
    p.opened[0]!.connected();
    const ac = new AbortController();
    const waiting = p.send(A, { signal: ac.signal });
    ac.abort(new Error("changed my mind"));
    await settled();
    expect(waiting.state()).toBeInstanceOf(AbortError);
    expect(p.pool.stats().queued).toBe(0);
    p.opened[0]!.serve();
    expect(p.pool.stats()).toMatchObject({ idle: 1, active: 0 });
    await settled();
    expect(first.state()).toBe("ok");
    expect(Object.values(outcomes(p.events))).toEqual([["response"], ["aborted"]]);
    checked(p);
  });

  it("aborting while its connection is connecting closes that connection and frees the slot", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const ac = new AbortController();
    const first = p.send(A, { signal: ac.signal });
    const second = p.send(A);
    ac.abort();
    await settled();
    expect(first.state()).toBeInstanceOf(AbortError);
    expect((first.state() as Error).message).toMatch(/during connect/);
    expect(p.opened[0]!.closeReason).toBe("aborted");
    // The slot went to the next waiter.
    expect(p.opened).toHaveLength(2);
    p.opened[1]!.connected();
    expect(p.connectionOf(second)).toBe(p.opened[1]);
    checked(p);
  });

  it("a connection that cannot open fails its request; with connectRetries it tries a new one", async () => {
    const plain = fakePool();
    const a = plain.send(A);
    plain.opened[0]!.refuse();
    await settled();
    expect(a.state()).toBeInstanceOf(ConnectError);

    const retrying = fakePool({ connectRetries: 1 });
    const b = retrying.send(A);
    retrying.opened[0]!.refuse(new ConnectTimeout("connect timed out"));
    expect(retrying.opened).toHaveLength(2);
    retrying.opened[1]!.refuse();
    await settled();
    expect(b.state()).toBeInstanceOf(ConnectError);
    expect(retrying.opened).toHaveLength(2);
    expect(Object.values(outcomes(retrying.events))).toEqual([["error"]]);
    checked(retrying);
  });
});

describe("connect retries: httpx's backoff", () => {
  it("waits 0 s, 0.5 s, 1 s between attempts, on the pool's clock", async () => {
    const p = fakePool({ connectRetries: 3 });
    const a = p.send(A);
    p.opened[0]!.refuse();
    expect(p.opened).toHaveLength(2); // the first retry goes at once
    p.opened[1]!.refuse();
    expect(p.opened).toHaveLength(2);
    p.clock.advance(499);
    expect(p.opened).toHaveLength(2);
    p.clock.advance(1);
    expect(p.opened).toHaveLength(3);
    p.opened[2]!.refuse();
    p.clock.advance(999);
    expect(p.opened).toHaveLength(3);
    p.clock.advance(1);
    expect(p.opened).toHaveLength(4);
    checked(p);
    p.opened[3]!.connected();
    p.opened[3]!.serve();
    await settled();
    expect(a.state()).toBe("ok");
    checked(p);
  });

  it("an abort during the backoff ends the request (during connect) and opens nothing more", async () => {
    const p = fakePool({ connectRetries: 5 });
    const ac = new AbortController();
    const a = p.send(A, { signal: ac.signal });
    p.opened[0]!.refuse();
    p.opened[1]!.refuse();
    ac.abort();
    await settled();
    expect(a.state()).toBeInstanceOf(AbortError);
    expect((a.state() as Error).message).toMatch(/during connect/);
    p.clock.advance(60_000);
    expect(p.opened).toHaveLength(2);
    expect(p.clock.pending).toBe(0);
    expect(Object.values(outcomes(p.events))).toEqual([["aborted"]]);
    checked(p);
  });

  it("a proxy's refusal is an answer, not a failed connect: not retried", async () => {
    const p = fakePool({ connectRetries: 3 });
    const a = p.send(A);
    p.opened[0]!.refuse(new ProxyError("the proxy answered CONNECT with 403"));
    await settled();
    expect(a.state()).toBeInstanceOf(ProxyError);
    expect(p.opened).toHaveLength(1);
  });

  it("close() waits for a request in its backoff, which then tries again", async () => {
    const p = fakePool({ connectRetries: 2 });
    const a = p.send(A);
    p.opened[0]!.refuse();
    p.opened[1]!.refuse();
    let closed = false;
    void p.pool.close().then(() => (closed = true));
    await settled();
    expect(closed).toBe(false);
    p.clock.advance(500);
    p.opened[2]!.refuse();
    await settled();
    expect(a.state()).toBeInstanceOf(ConnectError);
    expect(closed).toBe(true);
  });
});

describe("the one safe retry", () => {
  /** Two idle connections, both already used once; returns them oldest first. */
  const twoUsedIdle = (p: FakePool) => p.usedIdle(A, A) as [FakeConnection, FakeConnection];

  it("a GET dropped on a reused connection before any response byte is retried once, on a connection opened after the failure", async () => {
    const p = fakePool();
    const [older, newer] = twoUsedIdle(p);
    const get = p.send(A);
    expect(p.connectionOf(get)).toBe(newer);
    newer.fail();
    // `older` is idle and usable but just as stale: the retry opens a new connection instead.
    expect(older.state).toBe("idle");
    expect(p.opened).toHaveLength(3);
    p.opened[2]!.connected();
    expect(p.connectionOf(get)).toBe(p.opened[2]);
    p.opened[2]!.serve();
    await settled();
    expect(get.state()).toBe("ok");
    expect(p.pool.stats().totals.retried).toBe(1);
    expect(Object.values(outcomes(p.events)).at(-1)).toEqual(["response"]);
    checked(p);
  });

  it("fails when the retry, too, dies on a reused connection, and says so", async () => {
    const p = fakePool({ limits: { maxConnectionsPerHost: 1 } });
    p.send(A);
    const x = p.opened[0]!;
    x.connected();
    x.serve();
    const get = p.send(A);
    const other = p.send(A); // waits behind it
    x.fail();
    // The retry queues behind `other`, which opens the next connection and uses it first.
    const fresh = p.opened[1]!;
    fresh.connected();
    expect(p.connectionOf(other)).toBe(fresh);
    fresh.serve();
    expect(p.connectionOf(get)).toBe(fresh);
    fresh.fail();
    await settled();
    const err = get.state() as ReadError;
    expect(err).toBeInstanceOf(ReadError);
    expect(err.message).toMatch(/it failed again on a new connection/);
    expect(p.pool.stats().totals.retried).toBe(1);
    checked(p);
  });

  /** Sends a request on a reused connection, fails that exchange with `facts`, and says how the request ended. */
  async function failOnReused(send: { method?: string; replayable?: boolean }, facts: Parameters<FakeConnection["fail"]>[0] = {}) {
    const p = fakePool();
    twoUsedIdle(p);
    const sent = p.send(A, send);
    p.connectionOf(sent)!.fail(facts);
    await settled();
    return { outcome: sent.state(), retried: p.pool.stats().totals.retried };
  }

  it("a POST is never retried, and the error says the connection had been reused", async () => {
    const { outcome, retried } = await failOnReused({ method: "POST" });
    const err = outcome as ReadError;
    expect(err).toBeInstanceOf(ReadError);
    expect(err.message).toMatch(/the connection had been reused and POST is not retried automatically/);
    expect(err.connectionReused).toBe(true);
    expect(retried).toBe(0);
  });

  it("a body that cannot be sent again is never retried", async () => {
    const { outcome, retried } = await failOnReused({ method: "PUT", replayable: false });
    expect(outcome).toBeInstanceOf(ReadError);
    expect(retried).toBe(0);
  });

  it("no retry once part of the response had arrived", async () => {
    const { outcome, retried } = await failOnReused({}, { beforeResponse: false });
    expect(outcome).toBeInstanceOf(ReadError);
    expect(retried).toBe(0);
  });

  it("no retry for a timeout or a protocol error: only a dropped connection is retried", async () => {
    const timedOut = await failOnReused({}, { dropped: false, error: new ReadTimeout("no data") });
    const garbled = await failOnReused({}, { dropped: false, error: new RemoteProtocolError("HPE_INVALID_CONSTANT", "bad") });
    expect(timedOut.outcome).toBeInstanceOf(ReadTimeout);
    expect(garbled.outcome).toBeInstanceOf(RemoteProtocolError);
    expect(timedOut.retried + garbled.retried).toBe(0);
  });

  it("no retry on a connection's first request: the failure was not staleness", async () => {
    const p = fakePool();
    const get = p.send(A);
    p.opened[0]!.connected();
    p.opened[0]!.fail();
    await settled();
    expect(get.state()).toBeInstanceOf(ReadError);
    expect(p.pool.stats().totals.retried).toBe(0);
  });

  it("a retried request can still be aborted while it waits again", async () => {
    const p = fakePool({ limits: { maxConnections: 2 } });
    const [, newer] = twoUsedIdle(p);
    const ac = new AbortController();
    const get = p.send(A, { signal: ac.signal });
    expect(p.connectionOf(get)).toBe(newer);
    newer.fail();
    // The retry wants a fresh connection; it is connecting.
    expect(p.pool.stats().connecting).toBe(1);
    ac.abort();
    await settled();
    expect(get.state()).toBeInstanceOf(AbortError);
    expect(p.pool.stats()).toMatchObject({ connecting: 0, queued: 0 });
    checked(p);
  });
});

describe("closing", () => {
  it("close() waits for the request in flight, then closes everything and stops the timers", async () => {
    const p = fakePool({ limits: { keepAliveExpiry: 1000 } });
    const a = p.send(A);
    p.opened[0]!.connected();
    let closed = false;
    const closing = p.pool.close().then(() => (closed = true));
    await settled();
    expect(closed).toBe(false);
    p.opened[0]!.serve();
    await closing;
    expect(a.state()).toBe("ok");
    expect(p.opened[0]!.closeReason).toBe("pool closed");
    expect(p.clock.pending).toBe(0);
  });
});

describe("closing, rule by rule", () => {
  it("close() lets a queued request finish on the connection that frees up, then closes it", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const first = p.send(A);
    const queued = p.send(A);
    p.opened[0]!.connected();
    const closing = p.pool.close();
    p.opened[0]!.serve(); // frees the connection: the queued request takes it, close() or not
    expect(p.connectionOf(queued)).toBe(p.opened[0]);
    p.opened[0]!.serve();
    await closing;
    await settled();
    expect([first.state(), queued.state()]).toEqual(["ok", "ok"]);
    expect(p.opened).toHaveLength(1);
    expect(p.opened[0]!.closeReason).toBe("pool closed");
  });

  it("close() called twice gives the same promise, which resolves", async () => {
    const p = fakePool();
    p.send(A);
    p.opened[0]!.connected();
    const a = p.pool.close();
    const b = p.pool.close();
    expect(b).toBe(a);
    p.opened[0]!.serve();
    await a;
  });

  it("a request after close() fails at once, naming the origin", async () => {
    const p = fakePool();
    await p.pool.close();
    const late = p.send(A);
    await settled();
    const error = late.state() as Error & { origin?: string };
    expect(error.message).toMatch(/^the connection pool is closed/);
    expect(error.origin).toBe("http://a.test:80");
  });
});

describe("idle expiry, connection by connection", () => {
  it("each idle connection closes at its own deadline, not at the first one's or the last one's", () => {
    const p = fakePool({ limits: { keepAliveExpiry: 100 } });
    const [a, b, c] = p.usedIdle(A, B, C); // idle at t, t+5, t+10
    p.clock.advance(100 - 15); // the first one's deadline
    expect([a!.state, b!.state, c!.state]).toEqual(["closed", "idle", "idle"]);
    p.clock.advance(5);
    expect([b!.state, c!.state]).toEqual(["closed", "idle"]);
    p.clock.advance(5);
    expect(c!.state).toBe("closed");
    expect(p.clock.pending).toBe(0);
    checked(p);
  });
});

describe("abort signals: listened to while needed, and no longer", () => {
  it("leaves no listener on the signal once a request has ended, however it ended", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const signals = [new AbortController(), new AbortController(), new AbortController()];
    const served = p.send(A, { signal: signals[0]!.signal });
    const queued = p.send(A, { signal: signals[1]!.signal }); // waits in the queue, then is served
    p.opened[0]!.connected();
    expect(getEventListeners(signals[0]!.signal, "abort")).toHaveLength(1);
    expect(getEventListeners(signals[1]!.signal, "abort")).toHaveLength(1);
    p.opened[0]!.serve();
    p.opened[0]!.serve();
    const aborted = p.send(A, { signal: signals[2]!.signal });
    p.opened[0]!.respond();
    signals[2]!.abort();
    await settled();
    expect([served.state(), queued.state()]).toEqual(["ok", "ok"]);
    expect(aborted.state()).not.toBe("pending");
    for (const c of signals) expect(getEventListeners(c.signal, "abort")).toHaveLength(0);
  });

  it("an abort names the phase the request was in: waiting in the pool, or connecting", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const connecting = new AbortController();
    const waiting = new AbortController();
    const a = p.send(A, { signal: connecting.signal });
    const b = p.send(A, { signal: waiting.signal });
    waiting.abort();
    connecting.abort();
    await settled();
    expect((b.state() as AbortError).phase).toBe("pool wait");
    expect((a.state() as AbortError).phase).toBe("connect");
  });
});

describe("options", () => {
  it("names the option it refuses", () => {
    expect(() => fakePool({ pipelining: 0 })).toThrow(/pipelining/);
    expect(() => fakePool({ connectRetries: -1 })).toThrow(/connectRetries/);
  });
});

describe("aborts that change nothing else", () => {
  it("an origin whose only waiter gives up stops waiting for a slot: the next free slot goes to nobody", async () => {
    const p = fakePool({ limits: { maxConnections: 1 } });
    const a = p.send(A);
    p.opened[0]!.connected();
    const ac = new AbortController();
    const b = p.send(B, { signal: ac.signal }); // B waits for a slot
    ac.abort();
    await settled();
    expect(b.state()).toBeInstanceOf(AbortError);
    expect((b.state() as Error).message).toMatch(/^the request was aborted/);
    checked(p);
    p.opened[0]!.serve(); // A's connection is not closed to make room for B, who is gone
    expect(p.opened).toHaveLength(1);
    expect(p.pool.stats()).toMatchObject({ connections: 1, idle: 1 });
    await settled();
    expect(a.state()).toBe("ok");
  });

  it("an aborted waiter does not close another origin's idle connection", async () => {
    const p = fakePool({ limits: { maxConnectionsPerHost: 1 } });
    const [idleB] = p.usedIdle(B);
    p.send(A);
    p.opened[1]!.connected();
    const ac = new AbortController();
    p.send(A, { signal: ac.signal }); // queued behind the first A
    ac.abort();
    await settled();
    expect(idleB!.state).toBe("idle");
    checked(p);
  });
});

