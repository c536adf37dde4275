/**
 * What the timeline recorder costs: the conc shape (64 in flight, 16 connections, GET 13 B
 * from nginx) with no recorder, with one attached for the whole run, and with one that was
 * attached and stopped before it. Each run in a fresh process, the modes alternating round
 * by round (as bench/run.ts does). `npm run bench:timeline`.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = 5;
const seconds = 2;
const server = await startServer("nginx");
const modes = { none: "no recorder", recorder: "recorder attached", stopped: "recorder attached, then stopped", noop: "a listener that does nothing" } as const;
const rates: Record<keyof typeof modes, number[]> = { none: [], recorder: [], stopped: [], noop: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
      const out = execFileSync(process.execPath, [path.join(here, "timeline-contender.mjs"), `${server.origin}/small`, mode, String(seconds)], { encoding: "utf8" });
      const { rate, requests } = JSON.parse(out.trim().split("\n").pop()!) as { rate: number; requests: number };
      if (mode === "recorder" && requests === 0) throw new Error("the recorder saw nothing");
      rates[mode].push(rate);
      process.stderr.write(`round ${round + 1} ${modes[mode].padEnd(32)} ${rate.toFixed(0)} req/s\n`);
    }
  }
} finally {
  await server.stop();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ratio = (mode: keyof typeof modes): number => median(rates[mode].map((r, i) => r / rates.none[i]!));
console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}; conc shape against nginx, ${rounds} rounds x ${seconds} s, fresh processes\n`);
console.log("| | req/s (median) | vs no recorder (median of per-round ratios) |\n|---|---:|---:|");
for (const mode of Object.keys(modes) as (keyof typeof modes)[]) console.log(`| ${modes[mode]} | ${median(rates[mode]).toFixed(0)} | ${ratio(mode).toFixed(2)} |`);
