/**
 * 50 concurrent requests through a Client limited to 4 connections per host:
 * the pool queues the rest and hands each freed connection to the oldest waiter.
 *
 *   npx tsx examples/concurrency.ts
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "wirepool";

let open = 0;
let peak = 0;
const server = http.createServer((req, res) => setTimeout(() => res.end(`done ${req.url}`), 20));
server.on("connection", (socket) => {
  peak = Math.max(peak, ++open);
  socket.on("close", () => open--);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

await using client = new Client({ baseURL: base, limits: { maxConnectionsPerHost: 4 } });
const t0 = performance.now();
const all = Array.from({ length: 50 }, (_, i) => client.get(`/job/${i}`));
await new Promise((r) => setTimeout(r, 5));
const s = client.stats();
console.log(`just after sending 50: ${s.active + s.connecting} connections working, ${s.queued} requests queued`);
const responses = await Promise.all(all);
console.log(`all ${responses.length} done in ${(performance.now() - t0).toFixed(0)} ms (each takes 20 ms on the server)`);
console.log(`the server never saw more than ${peak} connections at once; the pool opened ${client.stats().totals.opened}`);
server.close();
