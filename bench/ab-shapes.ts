/**
 * Before and after, side by side: the API-shape rows of bench:scale for two builds of wirepool
 * (this checkout's dist/ and another checkout's), alternated in fresh processes against one
 * nginx, with medians (of each round's ratio, for the relative figures). For a change that should move the shapes: measure it against the commit
 * before it.
 *
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   npm run build && npx tsx bench/ab-shapes.ts /tmp/before [--rounds 5]
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startNginx } from "../test/support/nginx.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: "string", default: "5" } } });
const before = positionals[0];
if (before === undefined) throw new Error("usage: npx tsx bench/ab-shapes.ts <other checkout> [--rounds N]");
const builds = { before: path.join(path.resolve(before), "bench/scale-contender.mjs"), after: path.join(here, "scale-contender.mjs") };
const location = `location = /small { default_type text/plain; return 200 "Hello, world!"; }
    location = /echo { client_body_buffer_size 64k; return 200 "ok"; }`;
const nginx = await startNginx({ http: "keepalive_requests 10000000; keepalive_timeout 600s;", servers: [location] });
const shapes = ["absolute", "baseURL", "headers", "params", "postBytes", "json", "post4k", "content4k"];
const yardstick: Record<string, string> = { absolute: "absolute", baseURL: "absolute", headers: "absolute", params: "absolute", postBytes: "postBytes", json: "postBytes", post4k: "post4k", content4k: "post4k" };
const rates: Record<string, Record<string, number[]>> = { before: {}, after: {} };
const cpus: Record<string, Record<string, number[]>> = { before: {}, after: {} };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const s of shapes) {
      for (const b of round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const)) {
        const out = execFileSync(process.execPath, ["--expose-gc", builds[b], "wirepool", "shape", s, nginx.origins[0]!]).toString();
        const r = JSON.parse(out.trim().split("\n").pop()!) as { rate: number; cpuPerRequest?: number };
        (rates[b]![s] ??= []).push(r.rate);
        (cpus[b]![s] ??= []).push(r.cpuPerRequest ?? NaN);
      }
    }
  }
  console.log("| shape | before req/s | after req/s | before, relative | after, relative | client CPU µs/request, before | after |\n|---|---:|---:|---:|---:|---:|---:|");
  for (const s of shapes) {
    // The median of each round's ratio: a shape and its yardstick run seconds apart, so a machine
    // that drifts over minutes (a shared VM does) moves both.
    const rel = (b: string): string => median(rates[b]![s]!.map((r, i) => r / rates[b]![yardstick[s]!]![i]!)).toFixed(2);
    const cpu = (b: string): string => median(cpus[b]![s]!).toFixed(2);
    console.log(`| ${s}${yardstick[s] === s ? " (yardstick)" : ` (vs ${yardstick[s]})`} | ${median(rates.before![s]!).toFixed(0)} | ${median(rates.after![s]!).toFixed(0)} | ${rel("before")} | ${rel("after")} | ${cpu("before")} | ${cpu("after")} |`);
  }
} finally {
  await nginx.stop();
}
