/**
 * The pool's promises as a Client user sees them: what an error says after it has
 * crossed the transport, and that every request the pool announces also ends.
 */
import { describe, expect, it } from "vitest";
import { AbortError, Client, HTTPTransport, PoolTimeout, ReadError, type PoolEvent } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, httpServer, rawServer, type TestServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

function client(events: PoolEvent[], limits = {}): Client {
  const c = new Client({ transport: new HTTPTransport({ limits, trace: (e) => events.push(e) }) });
  defer(() => c.close());
  return c;
}

/** Answers the first request on each connection, then resets it when the next one arrives. */
function resetOnSecondRequest(): Promise<TestServer> {
  return rawServer((socket) => {
    let n = 0;
    socket.on("data", () => {
      if (n++ === 0) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      else socket.resetAndDestroy();
    });
  });
}

/** A server that holds its first response until `release()`, which waits for that request to arrive. */
async function heldServer(): Promise<{ server: Promise<TestServer>; release: () => Promise<void> }> {
  let arrived: (answer: () => void) => void = () => {};
  const first = new Promise<() => void>((resolve) => (arrived = resolve));
  const server = httpServer((_req, res) => arrived(() => res.end("x")));
  return { server, release: async () => (await first)() };
}

/** Pairs each request:queued with the terminal events of the same request id. */
function terminals(events: PoolEvent[]): Map<number, PoolEvent[]> {
  const ends = new Map<number, PoolEvent[]>();
  for (const e of events) if (e.type === "request:queued") ends.set(e.request, []);
  for (const e of events) if (e.type === "request:finished") ends.get(e.request)?.push(e);
  return ends;
}

describe("errors keep the pool's explanation through the transport", () => {
  it("a POST that dies on a reused connection says it was reused and not retried", async () => {
    const s = await serve(resetOnSecondRequest());
    const c = client([]);
    await c.get(s.url());
    const err = await c.post(s.url("/submit"), { content: "once" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    const message = (err as Error).message;
    expect(message).toMatch(/the connection had been reused and POST is not retried automatically/);
    // ...and still names the request and the phase.
    expect(message).toContain(`POST ${s.url("/submit")}`);
    expect(message).toMatch(/during read head/);
    expect((err as ReadError).connectionReused).toBe(true);
  });
});

describe("every request the pool announces ends with one terminal event", () => {
  it("a request aborted while queued ends with outcome aborted", async () => {
    const events: PoolEvent[] = [];
    const { server, release } = await heldServer();
    const s = await serve(server);
    const c = client(events, { maxConnections: 1 });
    const first = c.get(s.url("/first"));
    const ac = new AbortController();
    const queued = c.get(s.url("/second"), { signal: ac.signal });
    await eventually(() => c.stats().queued === 1);
    ac.abort();
    await expect(queued).rejects.toBeInstanceOf(AbortError);
    await release();
    await first;
    const ends = terminals(events);
    expect(ends.size).toBe(2);
    expect([...ends.values()].map((list) => list.map((e) => (e as { outcome: string }).outcome))).toEqual([["response"], ["aborted"]]);
  });

  it("a pool timeout ends with outcome timeout, a connect failure with error", async () => {
    const events: PoolEvent[] = [];
    const { server, release } = await heldServer();
    const s = await serve(server);
    const c = client(events, { maxConnections: 1 });
    const first = c.get(s.url());
    await expect(c.get(s.url(), { timeout: { pool: 20 } })).rejects.toBeInstanceOf(PoolTimeout);
    await release();
    await first;
    await expect(c.get("http://127.0.0.1:1/")).rejects.toThrow(/connect/);
    const outcomes = [...terminals(events).values()].map((list) => list.map((e) => (e as { outcome: string }).outcome));
    expect(outcomes).toEqual([["response"], ["timeout"], ["error"]]);
  });

  it("a request served by an idle connection at once is announced and ended too", async () => {
    const events: PoolEvent[] = [];
    const s = await serve(httpServer((_req, res) => res.end("x")));
    const c = client(events);
    await c.get(s.url());
    await c.get(s.url());
    const ends = terminals(events);
    expect(ends.size).toBe(2);
    for (const list of ends.values()) expect(list.map((e) => (e as { outcome: string }).outcome)).toEqual(["response"]);
  });

  it("a streamed body abandoned past the drain limit ends the request with outcome aborted", async () => {
    const events: PoolEvent[] = [];
    const s = await serve(httpServer((_req, res) => res.end(Buffer.alloc(4 * 1024 * 1024))));
    const c = client(events);
    const res = await c.stream("GET", s.url());
    await res.close();
    await eventually(() => c.stats().connections === 0);
    const outcomes = [...terminals(events).values()].map((list) => list.map((e) => (e as { outcome: string }).outcome));
    expect(outcomes).toEqual([["aborted"]]);
  });
});
