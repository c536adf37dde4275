import http from "node:http";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { listenOn, portOf } from "../support/servers.js";

const MiB = 1024 * 1024;

/** Sends `body` in writes of the `sizes` in turn, yielding to the event loop after every `every`-th. */
async function writeInPieces(res: http.ServerResponse, body: Buffer, sizes: number[], every: number): Promise<void> {
  res.writeHead(200, { "content-length": body.length });
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    res.write(body.subarray(at, at + size));
    at += size;
    if (i % every === 0) await new Promise((r) => setImmediate(r));
  }
  res.end();
}

/**
 * A server that sends `size` bytes of `block`s as fast as the client takes them (waiting for
 * 'drain' whenever the socket is full); `sent()` says how many it has handed to the socket so far.
 */
async function pumpingServer(size: number, block: Buffer): Promise<{ server: http.Server; url: string; sent: () => number }> {
  let sent = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": size });
    const pump = (): void => {
      while (sent < size) {
        sent += block.length;
        if (!res.write(block)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await listenOn(server);
  return { server, url: `http://127.0.0.1:${portOf(server)}/`, sent: () => sent };
}

/** The garbage collector, made callable for this test without --expose-gc on the command line. */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

describe("streaming a large body", () => {
  it("a reader that stops reading holds the server back: the socket is paused, nothing piles up", async () => {
    const SIZE = 64 * MiB;
    const { server, url, sent } = await pumpingServer(SIZE, Buffer.alloc(64 * 1024, "p"));
    const client = new Client({ trustEnv: false, timeout: 10_000 });
    try {
      const res = await client.stream("GET", url);
      const it = res[Symbol.asyncIterator]();
      let received = (await it.next()).value!.length;
      // Not reading now: only what the pool buffers (256 KiB) and the kernels' buffers may be sent.
      // Were the socket not paused, all 64 MiB would go into memory in a fraction of a second.
      const start = Date.now();
      while (sent() < SIZE && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 20));
      expect(sent()).toBeLessThan(SIZE / 2);
      for (let r = await it.next(); !r.done; r = await it.next()) received += r.value.length;
      expect(received).toBe(SIZE);
    } finally {
      await client.close();
      server.close();
    }
  });

  it("streams 256 MiB without buffering it: memory stays far below the body size", async () => {
    const SIZE = 256 * MiB;
    const { server, url } = await pumpingServer(SIZE, Buffer.alloc(256 * 1024, "w"));
    try {
      await using client = new Client();
      // What is still held after a collection, not RSS: RSS also counts garbage not yet collected,
      // which Node 24 collects later than Node 20 (100+ MiB of it here), and says nothing about buffering.
      const gc = collector();
      const retained = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const before = retained();
      let peak = before;
      let received = 0;
      let chunks = 0;
      const res = await client.stream("GET", `${url}big`);
      for await (const chunk of res) {
        received += chunk.length;
        if (++chunks % 256 === 0) peak = Math.max(peak, retained());
      }
      expect(received).toBe(SIZE);
      expect(chunks).toBeGreaterThan(256);
      // Buffering the body would hold 256 MiB; streaming holds a few read buffers and the unread backlog (<= 256 KiB).
      expect((peak - before) / MiB).toBeLessThan(32);
    } finally {
      server.close();
    }
  });
});

describe("read buffers", () => {
  it("chunks kept by the reader stay intact while later reads arrive (pieces small and large, some together)", async () => {
    const crypto = await import("node:crypto");
    const body = crypto.randomBytes(3 * MiB);
    // Pieces of every size around the copy threshold, sometimes several per packet.
    const server = http.createServer((_req, res) => void writeInPieces(res, body, [1, 700, 16 * 1024 - 1, 16 * 1024, 40_000, 65_536, 100_000], 3));
    await listenOn(server);
    try {
      await using client = new Client();
      const url = `http://127.0.0.1:${portOf(server)}/`;
      const kept: Uint8Array[] = [];
      for await (const chunk of await client.stream("GET", url)) kept.push(chunk);
      expect(Buffer.concat(kept).equals(body)).toBe(true);
      // And the same through bytes(), twice on the same connection.
      for (let i = 0; i < 2; i++) expect(Buffer.from((await client.get(url)).content).equals(body)).toBe(true);
      expect(client.stats().totals.opened).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe("read buffers shared between connections", () => {
  it("bodies read at once on several connections, some pieces kept, some copied, all stay intact", async () => {
    const crypto = await import("node:crypto");
    const bodies = [crypto.randomBytes(2 * MiB), crypto.randomBytes(2 * MiB), crypto.randomBytes(2 * MiB)];
    const server = http.createServer((req, res) => void writeInPieces(res, bodies[Number(req.url!.slice(1))]!, [3000, 70_000, 16 * 1024, 500, 40_000], 2));
    await listenOn(server);
    try {
      await using client = new Client({ baseURL: `http://127.0.0.1:${portOf(server)}` });
      // Three connections reading at once, twice over: large buffers go back to the shared spares
      // when a connection goes idle and are handed to another; nothing kept may be overwritten.
      for (let round = 0; round < 2; round++) {
        const kept = await Promise.all(bodies.map(async (_, i) => {
          const chunks: Uint8Array[] = [];
          for await (const chunk of await client.stream("GET", `/${i}`)) chunks.push(chunk);
          return Buffer.concat(chunks);
        }));
        kept.forEach((k, i) => expect(k.equals(bodies[i]!), `body ${i}, round ${round}`).toBe(true));
      }
      expect(client.stats().totals.opened).toBe(3);
    } finally {
      server.close();
    }
  });
});
