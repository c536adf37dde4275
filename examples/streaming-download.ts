/**
 * Streams a 64 MiB download and prints progress, without holding the body in
 * memory: `client.stream()` resolves at the head and the body arrives chunk by
 * chunk (the socket is paused whenever this loop falls behind). The JS heap stays
 * flat; "buffers" and RSS climb with chunks already read and dropped that the
 * collector has not taken back yet (nothing holds them: a collection frees them).
 *
 *   npx tsx examples/streaming-download.ts
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "wirepool";

const SIZE = 64 * 1024 * 1024;
const block = Buffer.alloc(1024 * 1024, "w");
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-length": SIZE });
  let sent = 0;
  const pump = (): void => {
    while (sent < SIZE) {
      sent += block.length;
      if (!res.write(block)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

await using client = new Client({ baseURL: base });
await using res = await client.stream("GET", "/big.bin");
const total = Number(res.headers.get("content-length"));
let received = 0;
let nextReport = 0;
for await (const chunk of res) {
  received += chunk.length;
  if (received >= nextReport) {
    const m = process.memoryUsage();
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(0).padStart(3);
    console.log(`${((received / total) * 100).toFixed(0).padStart(3)}%  ${mib(received)} MiB received   JS heap ${mib(m.heapUsed)} MiB, buffers ${mib(m.arrayBuffers)} MiB, RSS ${mib(m.rss)} MiB`);
    nextReport += total / 8;
  }
}
console.log(`done: ${received} bytes in ${res.elapsed.toFixed(0)} ms`);
server.close();
