/**
 * Lesson 3: concurrency, maxConnectionsPerHost, the queue, and PoolTimeout.
 *
 * 24 requests at once to a server that takes 40 ms each, with at most 4 connections
 * per host: 4 lanes fill, 20 requests wait their turn, and the timeline's bottom strip
 * shows the queue draining. Then the pool is too small for the work: with a pool
 * timeout of 60 ms, requests that cannot get a connection in time fail with PoolTimeout.
 *
 *   npx tsx examples/lessons/03-limits-and-queue.ts [--out DIR]
 */
import { Client, PoolTimeout } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline } from "./lesson.js";

const N = 24;
const PER_HOST = 4;

export async function run(o: LessonOptions): Promise<{ server: number; peakQueued: number; timedOut: number; svg: string }> {
  const server = await countingServer((req, res) => void setTimeout(() => res.end(`done ${req.url}`), 40));
  const client = new Client({ baseURL: server.base, limits: { maxConnectionsPerHost: PER_HOST } });
  const rec = recordTimeline(client);
  let peakQueued = 0;
  const sampler = setInterval(() => (peakQueued = Math.max(peakQueued, client.stats().queued)), 2);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => client.get(`/work/${i}`)));
  clearInterval(sampler);
  const ms = performance.now() - t0;
  await client.close();
  const svg = writeTimeline(o, "03-limits-and-queue", rec.stop(), `${N} requests at once, maxConnectionsPerHost ${PER_HOST}: ${PER_HOST} lanes, the rest wait`);
  o.print(`${N} requests at once, maxConnectionsPerHost ${PER_HOST}, each taking 40 ms on the server:`);
  o.print(`  connections the server saw: ${server.accepted()}, most requests waiting at once: ${peakQueued}, all done in ${ms.toFixed(0)} ms (${N / PER_HOST} rounds of 40 ms)`);

  const small = new Client({ baseURL: server.base, limits: { maxConnectionsPerHost: 2 }, timeout: { pool: 60 } });
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => small.get(`/more/${i}`)));
  const timedOut = results.filter((r) => r.status === "rejected" && r.reason instanceof PoolTimeout).length;
  const first = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  o.print(`\n8 requests, 2 connections, a pool timeout of 60 ms: ${8 - timedOut} served, ${timedOut} failed with PoolTimeout`);
  if (first) o.print(`  ${first.reason.name}: ${first.reason.message}`);
  await small.close();
  await server.close();
  return { server: server.accepted(), peakQueued, timedOut, svg };
}

await runIfMain(import.meta.url, run);
