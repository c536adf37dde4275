/**
 * The pool at scale, wirepool beside undici in the same run, each measurement in a
 * fresh process against one nginx (one worker): deep queues, many origins under a
 * total limit, an abort storm, memory per idle connection, and the API shapes users
 * write. Prints tables; not a timed test.
 *
 *   npm run bench:scale              # everything (about two minutes)
 *   npm run bench:scale -- --quick   # smaller sizes, for a look
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { nginxBinary, startNginx } from "../test/support/nginx.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
if (nginxBinary() === undefined) throw new Error("bench:scale needs nginx (apt-get install nginx libnginx-mod-http-echo)");

const DEPTHS = quick ? [1000, 10_000] : [1000, 10_000, 100_000];
const ORIGINS = quick ? [10, 100] : [10, 100, 1000];
const location = `location = /small { default_type text/plain; return 200 "Hello, world!"; }
    location = /echo { client_body_buffer_size 64k; return 200 "ok"; }`;
const nginx = await startNginx({ http: "keepalive_requests 10000000; keepalive_timeout 600s;", servers: Array.from({ length: Math.max(...ORIGINS) }, () => location) });

type Result = Record<string, number>;
function run(contender: string, measure: string, n: number | string, origins = nginx.origins.slice(0, 1)): Result {
  const out = execFileSync(process.execPath, ["--expose-gc", path.join(here, "scale-contender.mjs"), contender, measure, String(n), ...origins], { maxBuffer: 1 << 20 }).toString();
  return JSON.parse(out.trim().split("\n").pop()!) as Result;
}
const f = (x: number, digits = 0): string => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(`bench:scale: node ${process.version} on ${os.cpus()[0]?.model.trim()} (${os.cpus().length} cores), nginx 1 worker${quick ? ", --quick" : ""}\n`);
try {
  console.log("| queue depth: N GETs at once, 16 connections | wirepool µs/request | undici µs/request |");
  console.log("|---|---:|---:|");
  const depth: Record<string, number[]> = { wirepool: [], undici: [] };
  for (const n of DEPTHS) {
    for (const c of ["wirepool", "undici"]) depth[c]!.push(run(c, "queue", n).usPerRequest!);
    console.log(`| N = ${f(n)} | ${f(depth.wirepool!.at(-1)!, 1)} | ${f(depth.undici!.at(-1)!, 1)} |`);
  }
  console.log(`| growth, N = ${f(DEPTHS[0]!)} → ${f(DEPTHS.at(-1)!)} | **${f(depth.wirepool!.at(-1)! / depth.wirepool![0]!, 2)}×** | ${f(depth.undici!.at(-1)! / depth.undici![0]!, 2)}× |\n`);

  console.log("| many origins: 20 GETs per origin, round-robin, at once | wirepool µs/request | wirepool new connections/request | undici µs/request | undici new connections/request |");
  console.log("|---|---:|---:|---:|---:|");
  const many: Record<string, number[]> = { wirepool: [], undici: [] };
  for (const o of ORIGINS) {
    const w = run("wirepool", "origins", o, nginx.origins.slice(0, o));
    const u = run("undici", "origins", o, nginx.origins.slice(0, o));
    many.wirepool!.push(w.usPerRequest!);
    many.undici!.push(u.usPerRequest!);
    console.log(`| O = ${f(o)} (wirepool maxConnections 64; undici Agent, 1 per origin, no total limit) | ${f(w.usPerRequest!, 1)} | ${f(w.newPerRequest!, 3)} | ${f(u.usPerRequest!, 1)} | ${f(u.newPerRequest!, 3)} |`);
  }
  console.log(`| growth, O = ${ORIGINS[0]} → ${f(ORIGINS.at(-1)!)} | **${f(many.wirepool!.at(-1)! / many.wirepool![0]!, 2)}×** | | ${f(many.undici!.at(-1)! / many.undici![0]!, 2)}× | |\n`);

  const stormN = quick ? 10_000 : 50_000;
  console.log(`| abort storm: ${f(stormN)} queued on 16 connections, half aborted at random within 1 s | time ms | aborted | new connections |`);
  console.log("|---|---:|---:|---:|");
  for (const c of ["wirepool", "undici"]) {
    const r = run(c, "storm", stormN);
    console.log(`| ${c} | ${f(r.ms!)} | ${f(r.aborted!)} | ${f(r.newConnections!)} |`);
  }

  const idleC = quick ? 200 : 1000;
  console.log(`\n| memory per idle keep-alive connection (C = ${idleC}, after GC) | heap | outside the heap (external, buffers included) |`);
  console.log("|---|---:|---:|");
  for (const c of ["wirepool", "undici"]) {
    const r = run(c, "idle", idleC);
    console.log(`| ${c} (${r.connections} connections) | ${f(r.heapPerConnection! / 1024, 1)} KiB | ${f(r.externalPerConnection! / 1024, 1)} KiB |`);
  }

  console.log("\n| heap per waiting request (10,000 queued behind a connection that never answers, after GC) | bytes |");
  console.log("|---|---:|");
  for (const c of ["wirepool", "undici"]) console.log(`| ${c} (${c === "wirepool" ? "client.get()" : "undici.request() on a Pool"}) | ${f(run(c, "queued", 10_000).heapPerQueued!)} |`);

  console.log("\n| API shape, at conc (64 in flight, 16 connections) | wirepool req/s | relative to its yardstick |");
  console.log("|---|---:|---:|");
  // Each shape against the same request made the plainest way: GETs against an absolute URL with
  // no options; bodies against an absolute-URL POST of the same bytes.
  const yardstick: Record<string, string> = { absolute: "absolute", baseURL: "absolute", headers: "absolute", params: "absolute", postBytes: "postBytes", json: "postBytes", post4k: "post4k", content4k: "post4k" };
  const shapes = Object.keys(yardstick);
  const rates = Object.fromEntries(shapes.map((s) => [s, 0])) as Record<string, number>;
  // Two rounds, alternating, best of each: the shapes differ by a few percent, the machine by as much.
  for (let round = 0; round < 2; round++) for (const s of shapes) rates[s] = Math.max(rates[s]!, run("wirepool", "shape", s).rate!);
  for (const s of shapes) console.log(`| ${s}${yardstick[s] === s ? " (yardstick)" : ` (vs ${yardstick[s]})`} | ${f(rates[s]!)} | ${f(rates[s]! / rates[yardstick[s]!]!, 2)} |`);
} finally {
  await nginx.stop();
}
