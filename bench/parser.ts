/**
 * Parser micro-benchmark: responses parsed per second by one ResponseParser,
 * fed whole chunks as a socket would deliver them. Not a test: it prints figures
 * so that changes to src/http can be compared before and after.
 *
 *   npx tsx bench/parser.ts [seconds-per-case]
 */
import os from "node:os";
import { ResponseParser } from "../src/http/parser.js";

const nginx = Buffer.from(
  "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 20:00:00 GMT\r\nContent-Type: text/plain\r\n" +
    "Content-Length: 13\r\nLast-Modified: Thu, 26 Nov 2026 19:00:00 GMT\r\nConnection: keep-alive\r\nETag: \"6560a1b0-d\"\r\n" +
    "Accept-Ranges: bytes\r\n\r\nHello, world!",
);
const chunked = Buffer.from(
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n" +
    "1a\r\n{\"items\":[1,2,3,4,5,6,7]}\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
);

function run(name: string, bytes: Buffer, seconds: number): void {
  let bodyBytes = 0;
  const parser = new ResponseParser({ onHead() {}, onBody: (b) => (bodyBytes += b.length), onEnd() {} });
  const once = (): void => {
    parser.expect("GET");
    if (parser.feed(bytes) !== "done") throw new Error(`${name}: response did not complete`);
  };
  for (let i = 0; i < 20_000; i++) once(); // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) once();
    n += 1000;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const perSec = n / elapsed;
  console.log(`${name.padEnd(28)} ${Math.round(perSec).toLocaleString("en-US").padStart(12)} responses/s  ${(1e6 / perSec).toFixed(2).padStart(6)} µs each  (${bytes.length} bytes, body ${bodyBytes / (n + 20_000)} B)`);
  parser.destroy();
}

const seconds = Number(process.argv[2] ?? 2);
console.log(`node ${process.version} on ${os.cpus()[0]?.model.trim() ?? "an unknown CPU"} (${os.cpus().length} cores), ${seconds}s per case`);
run("nginx-like, Content-Length", nginx, seconds);
run("chunked, 2 chunks", chunked, seconds);
