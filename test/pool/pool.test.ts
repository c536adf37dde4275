import { describe, expect, it } from "vitest";
import { AbortError, PoolTimeout, ReadTimeout, RemoteProtocolError, TransportError } from "../../src/errors.js";
import type { RequestBody } from "../../src/net/exchange.js";
import type { PoolEvent } from "../../src/pool/events.js";
import { ConnectionPool, type PoolOptions } from "../../src/pool/pool.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, httpServer, onRequests, rawServer, sleep, type TestServer } from "../support/servers.js";
import { type timeouts, wire } from "../support/wire.js";

const { defer, serve } = useCleanup();

function pool(options: PoolOptions = {}): ConnectionPool {
  const p = new ConnectionPool(options);
  defer(() => p.close());
  return p;
}

async function send(p: ConnectionPool, method: string, url: string, opts: { body?: RequestBody; signal?: AbortSignal; t?: Parameters<typeof timeouts>[0] } = {}) {
  const res = await p.request(wire(method, url, { body: opts.body ?? null, timeouts: opts.t, signal: opts.signal }));
  const text = Buffer.concat(await res.body.readAll()).toString();
  return { status: res.head.status, text };
}

const hello = () => httpServer((req, res) => res.end(`hello ${req.method} ${req.url}`));

describe("reuse", () => {
  it("100 sequential GETs use one connection", async () => {
    const s = await serve(hello());
    const p = pool();
    for (let i = 0; i < 100; i++) expect((await send(p, "GET", s.url(`/${i}`))).text).toBe(`hello GET /${i}`);
    expect(s.accepted).toBe(1);
    expect(p.stats().totals).toMatchObject({ opened: 1, requests: 100, reused: 99 });
  });

  it("maxConnectionsPerHost bounds concurrency; every request succeeds", async () => {
    const s = await serve(httpServer((req, res) => setTimeout(() => res.end(req.url), 5)));
    const p = pool({ limits: { maxConnectionsPerHost: 2 } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(p, "GET", s.url(`/${i}`))));
    expect(results.map((r) => r.text)).toEqual(Array.from({ length: 20 }, (_, i) => `/${i}`));
    expect(s.accepted).toBe(2);
    expect(s.peak).toBe(2);
  });

  it("serves waiting requests in FIFO order", async () => {
    const order: string[] = [];
    const s = await serve(httpServer((req, res) => {
      order.push(req.url!);
      setTimeout(() => res.end(), 2);
    }));
    const p = pool({ limits: { maxConnectionsPerHost: 1 } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(p, "GET", s.url(`/${i}`))));
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => `/${i}`));
  });

  it("the total limit holds across origins, and a busy origin does not block another", async () => {
    // The slow origin answers only when released, so "not blocked" is shown by order, not by a clock.
    const held: (() => void)[] = [];
    let released = false;
    const slow = await serve(httpServer((_req, res) => (released ? res.end("slow") : void held.push(() => res.end("slow")))));
    const fast = await serve(hello());
    const third = await serve(hello());
    const p = pool({ limits: { maxConnections: 3, maxConnectionsPerHost: 2 } });
    const slowOnes = Array.from({ length: 4 }, () => send(p, "GET", slow.url()));
    await eventually(() => held.length === 2);
    // The slow origin holds 2 of 3 connections and has 2 more requests queued: these must not wait behind them.
    expect((await send(p, "GET", fast.url())).text).toBe("hello GET /");
    expect((await send(p, "GET", third.url())).text).toBe("hello GET /");
    expect(p.stats().origins[`http://127.0.0.1:${slow.port}`]).toMatchObject({ active: 2, queued: 2 });
    released = true;
    for (const answer of held) answer();
    await Promise.all(slowOnes);
    expect(slow.peak).toBe(2);
    expect(slow.peak + fast.peak + third.peak).toBeLessThanOrEqual(4);
    expect(p.stats().connections).toBeLessThanOrEqual(3);
  });

  it("closes an idle connection of another origin to make room", async () => {
    const a = await serve(hello());
    const b = await serve(hello());
    const events: PoolEvent[] = [];
    const p = pool({ limits: { maxConnections: 1 }, onEvent: (e) => events.push(e) });
    await send(p, "GET", a.url());
    expect(a.open).toBe(1);
    await send(p, "GET", b.url());
    await eventually(() => a.open === 0);
    expect(events).toContainEqual(expect.objectContaining({ type: "connection:closed", origin: a.origin.replace("http://", "http://"), reason: "making room" }));
    expect(p.stats().connections).toBe(1);
  });
});

describe("keep-alive", () => {
  it("maxKeepAliveConnections counts idle connections only", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("x"), 20)));
    const p = pool({ limits: { maxKeepAliveConnections: 2 } });
    // Five busy connections at once are fine: the cap is on idle ones (httpcore counted all).
    await Promise.all(Array.from({ length: 5 }, () => send(p, "GET", s.url())));
    expect(s.peak).toBe(5);
    await eventually(() => s.open === 2);
    expect(p.stats()).toMatchObject({ connections: 2, idle: 2 });
  });

  it("closes idle connections after keepAliveExpiry", async () => {
    const s = await serve(hello());
    const p = pool({ limits: { keepAliveExpiry: 100 } });
    await send(p, "GET", s.url());
    expect(p.stats().idle).toBe(1);
    await eventually(() => s.open === 0, 1000);
    expect(p.stats().connections).toBe(0);
    await send(p, "GET", s.url());
    expect(s.accepted).toBe(2);
  });

  it("does not reuse a connection whose server's Keep-Alive timeout leaves no margin", async () => {
    // The hint's arithmetic (N s - 1 s) is tested with a fake clock in assign.test.ts; here, that a real header is read.
    const s = await serve(rawServer((socket) => onRequests(socket, () => {
      socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok");
    })));
    const p = pool();
    await send(p, "GET", s.url());
    await send(p, "GET", s.url());
    expect(s.accepted).toBe(2);
  });
});

describe("dead and poisoned connections", () => {
  it("a connection the server closed while idle is replaced without error", async () => {
    const s = await serve(httpServer((_req, res) => res.end("x"), (srv) => (srv.keepAliveTimeout = 50)));
    const p = pool();
    await send(p, "GET", s.url());
    await eventually(() => s.open === 0);
    expect((await send(p, "GET", s.url())).text).toBe("x");
    expect(s.accepted).toBe(2);
  });

  async function resetOnSecondRequest(): Promise<{ server: TestServer; seen: string[] }> {
    const seen: string[] = [];
    const server = await serve(rawServer((socket) => {
      let n = 0;
      socket.on("data", (d) => {
        const text = d.toString("latin1");
        seen.push(text.split(" ")[0]!);
        if (n++ === 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
        else socket.resetAndDestroy();
      });
    }));
    return { server, seen };
  }

  it("a GET that dies on a reused connection before any response byte is retried once", async () => {
    const { server, seen } = await resetOnSecondRequest();
    const p = pool();
    await send(p, "GET", server.url());
    expect((await send(p, "GET", server.url())).text).toBe("first");
    expect(seen).toEqual(["GET", "GET", "GET"]);
    expect(p.stats().totals.retried).toBe(1);
  });

  it("a POST on a reused connection is never retried and says so", async () => {
    const { server, seen } = await resetOnSecondRequest();
    const p = pool();
    await send(p, "GET", server.url());
    const err = await send(p, "POST", server.url(), { body: Buffer.from("once") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/reused.*POST is not retried/);
    expect(seen).toEqual(["GET", "POST"]);
    expect(p.stats().totals.retried).toBe(0);
  });

  it("junk sent on an idle connection poisons it: never reused, never seen by a later request", async () => {
    const s = await serve(rawServer((socket, index) => onRequests(socket, () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${index}`);
      setTimeout(() => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nJUNK"), 20);
    })));
    const events: PoolEvent[] = [];
    const p = pool({ onEvent: (e) => events.push(e) });
    expect((await send(p, "GET", s.url())).text).toBe("0");
    await eventually(() => events.some((e) => e.type === "connection:closed" && e.reason === "unexpected data"));
    expect((await send(p, "GET", s.url())).text).toBe("1");
    expect(s.accepted).toBe(2);
  });

  it("bytes after a complete response mean the connection is not reused", async () => {
    const s = await serve(rawServer((socket, index) => onRequests(socket, () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${index}EXTRA`))));
    const p = pool();
    expect((await send(p, "GET", s.url())).text).toBe("0");
    expect((await send(p, "GET", s.url())).text).toBe("1");
    expect(s.accepted).toBe(2);
  });

  it("Connection: close and HTTP/1.0 responses are not reused", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, (head) => {
      socket.write(head.includes("/close") ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nc" : "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz");
    })));
    const p = pool();
    await send(p, "GET", s.url("/close"));
    await send(p, "GET", s.url("/close"));
    await send(p, "GET", s.url("/old"));
    await send(p, "GET", s.url("/old"));
    expect(s.accepted).toBe(4);
    await eventually(() => s.open === 0);
  });

  it("a body cut short is an error, not a short success", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"))));
    const p = pool();
    const err = await send(p, "GET", s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as RemoteProtocolError).code).toBe("INCOMPLETE_RESPONSE");
    expect((err as Error).message).toMatch(/read body/);
  });

  it("an unread small body is drained and the connection kept; a large one is dropped", async () => {
    const s = await serve(httpServer((req, res) => res.end(Buffer.alloc(req.url === "/big" ? 4 * 1024 * 1024 : 1000))));
    const p = pool();
    const small = await p.request(wire("GET", s.url("/small")));
    small.body.cancel();
    await eventually(() => p.stats().idle === 1);
    const res = await p.request(wire("GET", s.url("/big")));
    res.body.cancel();
    await eventually(() => p.stats().connections === 0);
    expect(s.accepted).toBe(1);
  });
});

describe("waiting, timeouts and cancellation", () => {
  it("PoolTimeout when no connection frees up in time; the pool stays healthy", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("late"), 300)));
    const p = pool({ limits: { maxConnections: 1 } });
    const first = send(p, "GET", s.url());
    const err = await send(p, "GET", s.url(), { t: { pool: 50 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolTimeout);
    expect((err as Error).message).toMatch(/pool wait/);
    expect((await first).text).toBe("late");
    expect(p.stats()).toMatchObject({ active: 0, queued: 0 });
    expect((await send(p, "GET", s.url())).text).toBe("late");
  });

  it("ReadTimeout when the server stalls; the connection is not reused", async () => {
    const s = await serve(rawServer(() => {}));
    const p = pool();
    const err = await send(p, "GET", s.url(), { t: { read: 100 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadTimeout);
    expect((err as Error).message).toMatch(/read head/);
    expect(p.stats().connections).toBe(0);
  });

  it("an aborted request leaves the queue and the pool untouched", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("x"), 100)));
    const p = pool({ limits: { maxConnections: 1 } });
    const first = send(p, "GET", s.url());
    const ac = new AbortController();
    const waiting = send(p, "GET", s.url(), { signal: ac.signal });
    expect(p.stats().queued).toBe(1);
    ac.abort(new Error("changed my mind"));
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).name).toBe("AbortError");
    expect((err as Error).cause).toEqual(new Error("changed my mind"));
    expect(p.stats().queued).toBe(0);
    await first;
    expect(s.accepted).toBe(1);
  });

  it("a storm of 1,000 cancellations at random moments leaves the pool healthy", async () => {
    const s = await serve(httpServer((req, res) => {
      const delay = Math.random() * 8;
      setTimeout(() => res.end("x".repeat(Number(req.url!.slice(1)))), delay);
    }));
    const p = pool({ limits: { maxConnections: 10 } });
    const outcomes = { ok: 0, aborted: 0 };
    const storm = Array.from({ length: 1000 }, (_, i) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), Math.random() * 30);
      return send(p, "GET", s.url(`/${(i * 7919) % 70000}`), { signal: ac.signal }).then(
        () => outcomes.ok++,
        (e: unknown) => {
          if (!(e instanceof AbortError)) throw e;
          outcomes.aborted++;
        },
      );
    });
    await Promise.all(storm);
    expect(outcomes.ok + outcomes.aborted).toBe(1000);
    expect(outcomes.aborted).toBeGreaterThan(100);
    const after = await Promise.all(Array.from({ length: 100 }, (_, i) => send(p, "GET", s.url(`/${i}`))));
    expect(after.every((r, i) => r.text.length === i)).toBe(true);
    const stats = p.stats();
    p.checkInvariants();
    expect(stats).toMatchObject({ active: 0, queued: 0, connecting: 0 });
    expect(stats.connections).toBe(stats.idle);
    expect(stats.connections).toBeLessThanOrEqual(10);
    // The server agrees: every socket it still holds is one of our idle connections.
    await eventually(() => s.open === stats.idle);
  });
});

describe("close()", () => {
  it("lets requests in flight finish, then closes everything; later requests fail clearly", async () => {
    let arrived = 0;
    const s = await serve(httpServer((_req, res) => (arrived++, setTimeout(() => res.end("done"), 50))));
    const p = new ConnectionPool();
    const inFlight = Promise.all([send(p, "GET", s.url()), send(p, "GET", s.url())]);
    await eventually(() => arrived === 2); // both at the server: in flight
    const closed = p.close();
    expect((await inFlight).map((r) => r.text)).toEqual(["done", "done"]);
    await closed;
    expect(p.stats().connections).toBe(0);
    await eventually(() => s.open === 0);
    await expect(send(p, "GET", s.url())).rejects.toThrow(/pool is closed/);
  });
});

describe("aborting in each phase leaves nothing behind", () => {
  async function expectClean(p: ConnectionPool, s: TestServer): Promise<void> {
    await eventually(() => p.stats().connections === 0 && s.open === 0);
    p.checkInvariants();
    expect(p.stats()).toMatchObject({ active: 0, queued: 0, connecting: 0 });
    // And the pool still works.
    expect((await send(p, "GET", s.url("/after"))).status).toBe(200);
  }

  it("while connecting", async () => {
    const s = await serve(hello());
    const p = pool();
    const ac = new AbortController();
    const pending = send(p, "GET", s.url(), { signal: ac.signal });
    expect(p.stats().connecting).toBe(1);
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expectClean(p, s);
  });

  it("while writing a streamed body", async () => {
    const s = await serve(httpServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("read it"));
    }));
    const p = pool();
    const ac = new AbortController();
    async function* endless() {
      for (;;) {
        yield Buffer.alloc(1024);
        await sleep(1);
      }
    }
    setTimeout(() => ac.abort(), 50);
    await expect(send(p, "POST", s.url("/upload"), { body: endless(), signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
    await expectClean(p, s);
  });

  it("while reading the body", async () => {
    const s = await serve(httpServer((req, res) => {
      if (req.url === "/after") return res.end("ok");
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
    }));
    const p = pool();
    const ac = new AbortController();
    const res = await p.request(wire("GET", s.url(), { signal: ac.signal }));
    const reading = res.body.readAll();
    await sleep(20);
    ac.abort();
    await expect(reading).rejects.toBeInstanceOf(AbortError);
    await expectClean(p, s);
  });
});

describe("observability", () => {
  it("reports each step to onEvent and on diagnostics_channel wirepool:* channels", async () => {
    const diagnostics = await import("node:diagnostics_channel");
    const s = await serve(hello());
    const events: string[] = [];
    const published: string[] = [];
    const onOpened = (message: unknown): void => void published.push((message as PoolEvent).type);
    diagnostics.subscribe("wirepool:connection:opened", onOpened);
    try {
      const times: number[] = [];
      const p = pool({ limits: { maxConnections: 1 }, onEvent: (e) => (events.push(e.type), times.push(e.time)) });
      await Promise.all([send(p, "GET", s.url("/1")), send(p, "GET", s.url("/2"))]);
      await p.close();
      expect(events).toEqual([
        "request:queued",
        "connection:opened",
        "request:assigned",
        "request:queued",
        "connection:ready",
        "request:finished",
        "connection:idle",
        "request:assigned",
        "connection:reused",
        "request:finished",
        "connection:idle",
        "connection:closed",
      ]);
      expect(published).toEqual(["connection:opened"]);
      // Every event has its time on the pool's clock, in order.
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    } finally {
      diagnostics.unsubscribe("wirepool:connection:opened", onOpened);
    }
  });
});
