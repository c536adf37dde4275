/**
 * Does my client really reuse connections? Runs the same 200 requests twice
 * against a local server: once with the one-shot `get()` (a new Client, and so a
 * new connection, per call, like `httpx.get()`), once with one shared Client.
 * The server counts the TCP connections it accepts.
 *
 *   npx tsx examples/one-shot-vs-client.ts
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client, get } from "wirepool";

const N = 200;
let accepted = 0;
const server = http.createServer((req, res) => res.end(`hello from ${req.url}`));
server.on("connection", () => accepted++);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`local server on ${base}; ${N} sequential GETs each way\n`);

async function measure(label: string, run: (i: number) => Promise<string>): Promise<void> {
  const before = accepted;
  const t0 = performance.now();
  let last = "";
  for (let i = 0; i < N; i++) last = await run(i);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(26)} connections opened: ${String(accepted - before).padStart(4)}   ${((ms * 1000) / N).toFixed(0).padStart(5)} µs/request   (last body: "${last}")`);
}

await measure("one-shot get() per call", async (i) => (await get(`${base}/one-shot/${i}`)).text());

await using client = new Client({ baseURL: base });
await measure("one shared Client", async (i) => (await client.get(`/shared/${i}`)).text());

const { totals } = client.stats();
console.log(`\nshared client's pool: ${totals.requests} requests, ${totals.opened} connection(s) opened, ${totals.reused} reuses`);
server.close();
