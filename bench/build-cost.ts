/**
 * What one request costs the client before any I/O, per API shape: building the Request
 * (`client.buildRequest`, as `client.get` does) and turning it into what the pool takes (the
 * head serialized: `toPoolRequest`). In-process, no network, so the figures say where the
 * client's own time goes when a shape is slower at conc (bench:scale's shape rows).
 *
 *   npx tsx bench/build-cost.ts [--ms 1500]
 */
import { parseArgs } from "node:util";
import { Client } from "../src/index.js";
import { toPoolRequest } from "../src/transport/http-transport.js";

const { values } = parseArgs({ options: { ms: { type: "string", default: "1500" } } });
const ms = Number(values.ms);
const origin = "http://127.0.0.1:8080";
const JSON_VALUE = { id: 1, name: "wirepool", tags: ["a", "b"] };
const JSON_BYTES = Buffer.from(JSON.stringify(JSON_VALUE));
const plain = new Client();
const based = new Client({ baseURL: origin });
const shapes: Record<string, () => unknown> = {
  absolute: () => toPoolRequest(plain.buildRequest("GET", `${origin}/small`)),
  baseURL: () => toPoolRequest(based.buildRequest("GET", "/small")),
  headers: () => toPoolRequest(based.buildRequest("GET", "/small", { headers: { "x-request-id": "abc123", accept: "text/plain" } })),
  params: () => toPoolRequest(based.buildRequest("GET", "/small", { params: { page: 2, q: "search" } })),
  postBytes: () => toPoolRequest(plain.buildRequest("POST", `${origin}/echo`, { content: JSON_BYTES })),
  json: () => toPoolRequest(based.buildRequest("POST", "/echo", { json: JSON_VALUE })),
};

function measure(fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn();
  let n = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  return ((performance.now() - t0) * 1000) / n;
}

const best: Record<string, number> = {};
// Three rounds, alternated, best of each: a loaded machine moves every figure by as much as the shapes differ.
for (let round = 0; round < 3; round++) for (const [name, fn] of Object.entries(shapes)) best[name] = Math.min(best[name] ?? Infinity, measure(fn));
console.log("| shape | µs to build and serialize |\n|---|---:|");
for (const name of Object.keys(shapes)) console.log(`| ${name} | ${best[name]!.toFixed(2)} |`);
