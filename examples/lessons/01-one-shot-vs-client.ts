/**
 * Lesson 1: does my client really reuse connections?
 *
 * The httpx question: `httpx.get()` (and a Client made per call) pools nothing. The
 * same 200 requests, once with the one-shot `get()` (a new Client, so a new
 * connection, per call), once with one shared Client. The server counts the TCP
 * connections it accepts. Then 20 more each way, recorded: the timelines show one
 * lane per connection (drawn from a run of their own, so that recording does not
 * weigh on the timed one).
 *
 *   npx tsx examples/lessons/01-one-shot-vs-client.ts [--out DIR]     (also: npm run demo)
 */
import { Client, get } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline, µs } from "./lesson.js";

export const N = 200;
/** Requests drawn each way: enough to see the pattern, few enough to read every lane. */
export const DRAWN = 20;

export async function run(o: LessonOptions): Promise<{ oneShot: number; shared: number; drawn: { oneShot: string; shared: string; oneShotServer: number; sharedServer: number } }> {
  const server = await countingServer();
  o.print(`local server on ${server.base}; ${N} sequential GETs each way\n`);

  async function measure(label: string, send: (i: number) => Promise<string>): Promise<number> {
    const before = server.accepted();
    const t0 = performance.now();
    let last = "";
    for (let i = 0; i < N; i++) last = await send(i);
    const ms = performance.now() - t0;
    const opened = server.accepted() - before;
    o.print(`${label.padEnd(26)} connections opened: ${String(opened).padStart(4)}   ${µs(ms, N)}   (last body: "${last}")`);
    return opened;
  }

  const oneShot = await measure("one-shot get() per call", async (i) => (await get(`${server.base}/one-shot/${i}`)).text());
  const client = new Client({ baseURL: server.base });
  const shared = await measure("one shared Client", async (i) => (await client.get(`/shared/${i}`)).text());
  const { totals } = client.stats();
  o.print(`\nshared client's pool: ${totals.requests} requests, ${totals.opened} connection(s) opened, ${totals.reused} reuses`);

  // The pictures: one-shot calls make their own clients, so that recorder listens to every pool in the process.
  let before = server.accepted();
  const rec1 = recordTimeline();
  for (let i = 0; i < DRAWN; i++) await (await get(`${server.base}/one-shot/${i}`)).text();
  const oneShotSVG = writeTimeline(o, "01-one-shot", rec1.stop(), `one-shot get(): ${DRAWN} requests, a connection each, used once`);
  const oneShotServer = server.accepted() - before;
  before = server.accepted();
  const rec2 = recordTimeline(client);
  for (let i = 0; i < DRAWN; i++) await (await client.get(`/shared/${i}`)).text();
  await client.close();
  const sharedSVG = writeTimeline(o, "01-shared-client", rec2.stop(), `one shared Client: ${DRAWN} requests on the connection it already had`);
  const sharedServer = server.accepted() - before;
  o.print(`timelines of ${DRAWN} more each way: ${oneShotSVG}, ${sharedSVG} (and .html)`);
  await server.close();
  return { oneShot, shared, drawn: { oneShot: oneShotSVG, shared: sharedSVG, oneShotServer, sharedServer } };
}

await runIfMain(import.meta.url, run);
