/**
 * Lesson 1: does my client really reuse connections?
 *
 * The httpx question: `httpx.get()` (and a Client made per call) pools nothing. The
 * same 200 requests, once with the one-shot `get()` (a new Client, so a new
 * connection, per call), once with one shared Client. The server counts the TCP
 * connections it accepts; the timelines show one lane per connection.
 *
 *   npx tsx examples/lessons/01-one-shot-vs-client.ts [--out DIR]     (also: npm run demo)
 */
import { Client, get } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline, µs } from "./lesson.js";

export const N = 200;

export async function run(o: LessonOptions): Promise<{ oneShot: { server: number; opened: number }; shared: { server: number; opened: number; reused: number }; svg: string }> {
  const server = await countingServer();
  o.print(`local server on ${server.base}; ${N} sequential GETs each way\n`);

  // One-shot calls make their own clients: the recorder listens to every pool in the process.
  let before = server.accepted();
  const oneShotRec = recordTimeline();
  let t0 = performance.now();
  let last = "";
  for (let i = 0; i < N; i++) last = await (await get(`${server.base}/one-shot/${i}`)).text();
  let ms = performance.now() - t0;
  const oneShotTimeline = oneShotRec.stop();
  const oneShot = { server: server.accepted() - before, opened: oneShotTimeline.totals.opened };
  o.print(`${"one-shot get() per call".padEnd(26)} connections opened: ${String(oneShot.server).padStart(4)}   ${µs(ms, N)}   (last body: "${last}")`);

  before = server.accepted();
  const client = new Client({ baseURL: server.base });
  const sharedRec = recordTimeline(client);
  t0 = performance.now();
  for (let i = 0; i < N; i++) last = await (await client.get(`/shared/${i}`)).text();
  ms = performance.now() - t0;
  const { totals } = client.stats();
  await client.close();
  const sharedTimeline = sharedRec.stop();
  const shared = { server: server.accepted() - before, opened: totals.opened, reused: totals.reused };
  o.print(`${"one shared Client".padEnd(26)} connections opened: ${String(shared.server).padStart(4)}   ${µs(ms, N)}   (last body: "${last}")`);
  o.print(`\nshared client's pool: ${totals.requests} requests, ${totals.opened} connection(s) opened, ${totals.reused} reuses`);

  writeTimeline(o, "01-one-shot", oneShotTimeline, `one-shot get(): ${N} requests, ${oneShot.opened} connections, each used once`);
  const svg = writeTimeline(o, "01-shared-client", sharedTimeline, `one shared Client: ${N} requests, ${shared.opened} connection, reused ${shared.reused} times`);
  o.print(`timelines: ${o.out}/01-one-shot.svg, ${svg} (and .html)`);
  await server.close();
  return { oneShot, shared, svg };
}

await runIfMain(import.meta.url, run);
