/**
 * Lesson 7: sequential vs concurrent ("even better with async").
 *
 * 40 requests to a server that takes 10 ms each: one after the other on a shared Client
 * they use one connection and take 40 x 10 ms; with Promise.all over the same Client they
 * fill up to maxConnectionsPerHost (8 here) lanes at once and take about a fifth as long.
 *
 *   npx tsx examples/lessons/07-sequential-vs-concurrent.ts [--out DIR]
 */
import { Client } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline } from "./lesson.js";

const N = 40;

export async function run(o: LessonOptions): Promise<{ sequential: { ms: number; connections: number }; concurrent: { ms: number; connections: number }; svg: string }> {
  const server = await countingServer((req, res) => void setTimeout(() => res.end(`done ${req.url}`), 10));
  const client = new Client({ baseURL: server.base, limits: { maxConnectionsPerHost: 8 } });
  let before = server.accepted();
  const rec1 = recordTimeline(client);
  let t0 = performance.now();
  for (let i = 0; i < N; i++) await client.get(`/seq/${i}`);
  const sequential = { ms: performance.now() - t0, connections: server.accepted() - before };
  writeTimeline(o, "07-sequential", rec1.stop(), `${N} requests one after the other: one lane`);

  before = server.accepted();
  const rec2 = recordTimeline(client);
  t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => client.get(`/conc/${i}`)));
  const concurrent = { ms: performance.now() - t0, connections: server.accepted() - before };
  const svg = writeTimeline(o, "07-concurrent", rec2.stop(), `${N} requests with Promise.all: the lanes fill, up to 8`);
  o.print(`${N} requests, 10 ms each on the server:`);
  o.print(`  one after the other:  ${sequential.ms.toFixed(0).padStart(4)} ms, new connections: ${sequential.connections}`);
  o.print(`  with Promise.all:     ${concurrent.ms.toFixed(0).padStart(4)} ms, new connections: ${concurrent.connections} (the first one was reused; maxConnectionsPerHost 8)`);
  await client.close();
  await server.close();
  return { sequential, concurrent, svg };
}

await runIfMain(import.meta.url, run);
