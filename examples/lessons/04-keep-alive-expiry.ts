/**
 * Lesson 4: keep-alive expiry, and the server's `Keep-Alive: timeout=` hint.
 *
 * An idle connection is kept for `keepAliveExpiry` (5 s by default; 150 ms here), then
 * closed ("expired"): a request after a longer pause opens a new one. A server that says
 * `Keep-Alive: timeout=N` will close idle connections itself after N seconds; the pool
 * closes them a second earlier, so it never sends a request into a connection the server
 * is closing.
 *
 *   npx tsx examples/lessons/04-keep-alive-expiry.ts [--out DIR]
 */
import { Client } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline } from "./lesson.js";

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(o: LessonOptions): Promise<{ withinExpiry: number; pastExpiry: number; closedExpired: number; hinted: number; svg: string }> {
  const server = await countingServer((_req, res) => {
    res.setHeader("Keep-Alive", "timeout=5");
    res.end("ok");
  });
  const client = new Client({ baseURL: server.base, limits: { keepAliveExpiry: 150 } });
  const rec = recordTimeline(client);
  await client.get("/a");
  await pause(50);
  await client.get("/b"); // within the expiry: the same connection
  const withinExpiry = server.accepted();
  await pause(300);
  await client.get("/c"); // past it: the idle connection was closed, a new one opens
  const pastExpiry = server.accepted();
  await client.close();
  const timeline = rec.stop();
  const closedExpired = timeline.connections.filter((c) => c.reason === "expired").length;
  const svg = writeTimeline(o, "04-keep-alive-expiry", timeline, "keepAliveExpiry 150 ms: a pause of 50 ms keeps the connection, one of 300 ms does not");
  o.print(`keepAliveExpiry 150 ms: requests at 0 ms, +50 ms, +300 ms`);
  o.print(`  connections after the second request: ${withinExpiry}; after the third: ${pastExpiry}; closed as expired: ${closedExpired}`);

  // The server's hint: Keep-Alive: timeout=1 means it closes idle connections after 1 s; the pool keeps
  // them 1 s less, so not at all: each request after any pause gets a fresh connection.
  const hinting = await countingServer((_req, res) => {
    res.setHeader("Keep-Alive", "timeout=1");
    res.end("ok");
  });
  const c2 = new Client({ baseURL: hinting.base });
  await c2.get("/x");
  await pause(20);
  await c2.get("/y");
  const hinted = hinting.accepted();
  o.print(`\na server saying Keep-Alive: timeout=1 (it closes idle connections after 1 s):`);
  o.print(`  the pool keeps them a second less than the server would: two requests 20 ms apart used ${hinted} connections`);
  await c2.close();
  await hinting.close();
  await server.close();
  return { withinExpiry, pastExpiry, closedExpired, hinted, svg };
}

await runIfMain(import.meta.url, run);
