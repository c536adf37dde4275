import { describe, expect, it } from "vitest";
import { AbortError } from "../../src/errors.js";
import { Client, HTTPTransport } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, httpServer, onRequests, rawServer, sleep } from "../support/servers.js";

const { defer, serve } = useCleanup();

function client(pipelining: number, maxConnectionsPerHost = 1): Client {
  const c = new Client({ transport: new HTTPTransport({ pipelining, limits: { maxConnectionsPerHost } }) });
  defer(() => c.close());
  return c;
}

/** On its first connection, waits until it holds `batch` request heads, then answers them all in one write. */
function batchingServer(batch: number, extra: (i: number) => string = () => "") {
  const perConnection: number[] = [];
  const server = rawServer((socket, index) => {
    perConnection[index] = 0;
    let pending: string[] = [];
    onRequests(socket, (head) => {
      pending.push(head.split(" ")[1]!);
      perConnection[index]!++;
      // Only the first connection holds its answers back; later ones (retries) answer at once.
      if (pending.length >= (index === 0 ? batch : 1)) {
        socket.write(pending.map((path, i) => `HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n${index === 0 ? extra(i) : ""}\r\n${path}`).join(""));
        pending = [];
      }
    });
  });
  return { server, perConnection };
}

describe("HTTP/1.1 pipelining (opt-in)", () => {
  it("sends several requests before the first answer and reads all answers from one packet", async () => {
    const { server, perConnection } = batchingServer(4);
    const s = await serve(server);
    const c = client(4);
    const paths = Array.from({ length: 8 }, (_, i) => `/p${i}`);
    const bodies = await Promise.all(paths.map(async (p) => (await c.get(s.url(p))).text()));
    expect(bodies).toEqual(paths);
    expect(s.accepted).toBe(1);
    expect(perConnection).toEqual([8]);
  });

  it("is off by default: the same server would never answer", async () => {
    const { server } = batchingServer(2);
    const s = await serve(server);
    const c = new Client({ limits: { maxConnectionsPerHost: 1 }, timeout: { read: 200 } });
    defer(() => c.close());
    const results = await Promise.allSettled([c.get(s.url("/a")), c.get(s.url("/b"))]);
    expect(results[0].status).toBe("rejected");
  });

  it("never pipelines a POST or anything behind a streamed body", async () => {
    const order: string[] = [];
    const s = await serve(httpServer((req, res) => {
      order.push(`start ${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => setTimeout(() => {
        order.push(`end ${req.url}`);
        res.end(req.url);
      }, 20));
    }));
    const c = client(4);
    async function* stream() {
      yield Buffer.from("streamed");
    }
    await Promise.all([c.post(s.url("/post")), c.get(s.url("/get1")), c.put(s.url("/put"), { content: stream() }), c.get(s.url("/get2"))]);
    // Each non-pipelinable request had the connection to itself.
    expect(order.indexOf("end /post")).toBeLessThan(order.indexOf("start GET /get1"));
    expect(order.indexOf("end /get1")).toBeLessThan(order.indexOf("start PUT /put"));
    expect(order.indexOf("end /put")).toBeLessThan(order.indexOf("start GET /get2"));
  });

  it("requests behind a response with Connection: close are retried on a new connection", async () => {
    const { server } = batchingServer(3, (i) => (i === 0 ? "Connection: close\r\n" : ""));
    const s = await serve(server);
    const c = client(3, 1);
    const bodies = await Promise.all(["/1", "/2", "/3"].map(async (p) => (await c.get(s.url(p))).text()));
    expect(bodies).toEqual(["/1", "/2", "/3"]);
    expect(c.stats().totals.retried).toBe(2);
  });

  it("aborting one pipelined request fails it alone; the others are retried and succeed", async () => {
    const s = await serve(httpServer((req, res) => setTimeout(() => res.end(req.url), 50)));
    const c = client(4, 1);
    const ac = new AbortController();
    const a = c.get(s.url("/a"));
    const b = c.get(s.url("/b"), { signal: ac.signal });
    const d = c.get(s.url("/d"));
    await sleep(10);
    ac.abort();
    await expect(b).rejects.toBeInstanceOf(AbortError);
    expect(await (await a).text()).toBe("/a");
    expect(await (await d).text()).toBe("/d");
    expect(c.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it("keeps order over many requests against Node's own server", async () => {
    const s = await serve(httpServer((req, res) => res.end(`body of ${req.url}`)));
    const c = client(8, 2);
    const paths = Array.from({ length: 300 }, (_, i) => `/r${i}`);
    const bodies = await Promise.all(paths.map(async (p) => (await c.get(s.url(p))).text()));
    expect(bodies).toEqual(paths.map((p) => `body of ${p}`));
    expect(s.accepted).toBe(2);
  });
});

describe("pipelining onto busy connections", () => {
  it("a request goes behind the connection with the fewest requests in flight", async () => {
    // Holds every answer until release(); writes down which connection each path came in on.
    const seen: { connection: number; path: string }[] = [];
    const sockets: { socket: import("node:net").Socket; paths: string[] }[] = [];
    const s = await serve(rawServer((socket, index) => {
      sockets[index] = { socket, paths: [] };
      onRequests(socket, (head) => {
        const path = head.split(" ")[1]!;
        seen.push({ connection: index, path });
        sockets[index]!.paths.push(path);
      });
    }));
    const c = client(3, 2);
    const get = (path: string) => c.get(s.url(path)).then((r) => r.text());
    const a = get("/a");
    const b = get("/b");
    await eventually(() => seen.length === 2); // one connection each: 1 and 1 in flight
    const first = seen.find((x) => x.path === "/a")!.connection;
    const second = 1 - first;
    const cc = get("/c"); // a tie: either
    await eventually(() => seen.length === 3);
    const tookC = seen[2]!.connection;
    const d = get("/d"); // 2 and 1 in flight: the one with 1
    await eventually(() => seen.length === 4);
    expect(seen[3]!.connection).toBe(tookC === first ? second : first);
    const more = ["/e", "/f"].map(get); // three in flight on each: both full
    await eventually(() => seen.length === 6);
    const last = get("/g"); // waits for room: no connection can take it now
    for (const { socket, paths } of sockets) socket.write(paths.map((p) => `HTTP/1.1 200 OK\r\nContent-Length: ${p.length}\r\n\r\n${p}`).join(""));
    expect(await Promise.all([a, b, cc, d, ...more])).toEqual(["/a", "/b", "/c", "/d", "/e", "/f"]);
    await eventually(() => seen.length === 7);
    const g = sockets[seen[6]!.connection]!;
    g.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n/g");
    expect(await last).toBe("/g");
    expect(s.accepted).toBe(2);
  });
});

