/**
 * Lesson 2: a Client made inside a function that is called again and again.
 *
 * The `check_status_with_session` function of the httpx question: it makes a Client,
 * uses it once and closes it, so every call opens a connection. The same function
 * taking the Client as an argument, made once by its caller, reuses one.
 *
 *   npx tsx examples/lessons/02-client-per-call.ts [--out DIR]
 */
import { Client } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline, µs } from "./lesson.js";

const CALLS = 50;

/** The pattern to avoid: a Client per call. */
async function checkStatusWithOwnClient(url: string): Promise<number> {
  await using client = new Client();
  return (await client.get(url)).status;
}

/** The fix: the caller's Client, made once and passed in. */
async function checkStatus(client: Client, url: string): Promise<number> {
  return (await client.get(url)).status;
}

export async function run(o: LessonOptions): Promise<{ perCall: number; passedIn: number; svg: string }> {
  const server = await countingServer();
  o.print(`${CALLS} calls of a status check, two ways\n`);
  let before = server.accepted();
  const rec1 = recordTimeline();
  let t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await checkStatusWithOwnClient(`${server.base}/status`);
  let ms = performance.now() - t0;
  const perCall = server.accepted() - before;
  writeTimeline(o, "02-client-per-call", rec1.stop(), `a Client made per call: ${CALLS} calls, ${perCall} connections`);
  o.print(`${"a Client made per call".padEnd(28)} connections the server saw: ${String(perCall).padStart(3)}   ${µs(ms, CALLS)}`);

  before = server.accepted();
  const client = new Client();
  const rec2 = recordTimeline(client);
  t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await checkStatus(client, `${server.base}/status`);
  ms = performance.now() - t0;
  await client.close();
  const passedIn = server.accepted() - before;
  const svg = writeTimeline(o, "02-client-passed-in", rec2.stop(), `one Client passed in: ${CALLS} calls, ${passedIn} connection`);
  o.print(`${"one Client, passed in".padEnd(28)} connections the server saw: ${String(passedIn).padStart(3)}   ${µs(ms, CALLS)}`);
  o.print(`\nThe Client is the pool: a Client that lives for one call takes its connections with it.`);
  await server.close();
  return { perCall, passedIn, svg };
}

await runIfMain(import.meta.url, run);
