/**
 * The side-by-side benchmark: wirepool vs undici vs node:http, each contender in
 * a fresh process, in alternating rounds (A B C, A B C, ...) so that machine drift
 * falls on all of them alike. Prints the median throughput of each, and the median
 * of its per-round ratios to undici, and writes the raw figures as JSON.
 *
 *   npm run bench                 # 3 rounds x 3 s per cell, nginx if installed
 *   npm run bench -- --quick      # 1 round x 1 s, under a minute
 *   npm run bench -- --server node --rounds 5 --seconds 2
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONTENDERS, type ContenderName, type ContenderResult, runs, SCENARIOS, type Scenario } from "./scenarios.js";
import { startServer } from "./server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const quick = args.includes("--quick");
const rounds = Number(flag("rounds") ?? (quick ? 1 : 3));
const seconds = Number(flag("seconds") ?? (quick ? 1 : 3));
const warmup = quick ? 0.3 : 1;
const only = flag("scenarios")?.split(",");
const canPin = os.cpus().length > 1 && spawnSync("taskset", ["-V"]).status === 0;
const scenarios0 = SCENARIOS.filter((s) => (!only || only.includes(s.name)) && (s.cpu === undefined || canPin));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function runContender(name: ContenderName, scenario: Scenario, origin: string, caFile?: string): Promise<ContenderResult> {
  return new Promise((resolve, reject) => {
    const { method, path: target, inflight, connections, bodySize, pipelining } = scenario;
    const argv = [name, origin, method, target, inflight, connections, bodySize, seconds, warmup, pipelining, scenario.gzip === true ? "gzip" : ""].map(String);
    const command = [process.execPath, path.join(here, "contender.mjs"), ...argv];
    if (scenario.cpu !== undefined) command.unshift("taskset", "-c", String(scenario.cpu));
    const child = spawn(command[0]!, command.slice(1), {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      env: caFile === undefined ? process.env : { ...process.env, BENCH_CA: caFile },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!) as ContenderResult) : reject(new Error(`${name} ${scenario.name} exited with ${code}`))));
  });
}

function importTime(specifier: string): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`], { cwd: root });
    times.push(Number(String(out).trim()));
  }
  return median(times);
}

/** Sets the CPUs the server's processes may run on ("0", or "0-1" for all of them back). */
function pinServer(cpus: string): void {
  for (const pid of server.pids()) execFileSync("taskset", ["-a", "-pc", cpus, String(pid)], { stdio: "ignore" });
}

const throughput = (s: Scenario, r: ContenderResult): number => (s.unit === "MiB/s" ? r.bytes / 1024 / 1024 / r.seconds : r.requests / r.seconds);

const server = await startServer(flag("server") === "node" ? "node" : "nginx");
// The tls row needs the HTTPS server, which only the nginx server has.
const scenarios = scenarios0.filter((s) => (s.tls !== true || server.tls !== undefined) && (s.gzip !== true || server.kind.startsWith("nginx")));
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`server: ${server.kind} at ${server.origin}`);
console.log(`machine: ${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`${rounds} round(s) x ${seconds} s per cell (+${warmup} s warm-up), contenders in fresh processes, alternating`);
console.log(`floor: not a client, the least work any client must do (bench/contender.mjs): the most this machine allows${canPin ? "" : "\n(no taskset or one CPU: the one-core seq row is left out)"}\n`);

const raw: Record<string, Record<ContenderName, ContenderResult[]>> = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      for (const name of CONTENDERS) {
        if (!runs(name, scenario)) continue;
        if (scenario.cpu !== undefined) pinServer(String(scenario.cpu));
        const origin = scenario.tls === true ? server.tls!.origin : server.origin;
        const r = await runContender(name, scenario, origin, scenario.tls === true ? server.tls!.caFile : undefined).finally(() => {
          if (scenario.cpu !== undefined) pinServer(`0-${os.cpus().length - 1}`);
        });
        ((raw[scenario.name] ??= { wirepool: [], undici: [], "node:http": [], floor: [] })[name]).push(r);
        process.stderr.write(`round ${round + 1} ${scenario.name.padEnd(5)} ${name.padEnd(10)} ${throughput(scenario, r).toFixed(0).padStart(8)} ${scenario.unit}${r.errors ? `  ${r.errors} errors` : ""}\n`);
      }
    }
  }
} finally {
  await server.stop();
}

const require = createRequire(import.meta.url);
const imports = {
  wirepool: importTime(path.join(root, "dist/index.js")),
  undici: importTime(require.resolve("undici")),
};

const rows: string[] = [];
const json: Record<string, unknown> = { date: new Date().toISOString(), server: server.kind, machine: { cpus: os.cpus().length, cpu, node: process.version }, rounds, seconds, scenarios: {}, importMs: imports };
rows.push(`| scenario | unit | wirepool | undici | node:http | floor | wirepool / undici | node:http / undici | floor / undici |`);
rows.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|`);
for (const scenario of scenarios) {
  const m = Object.fromEntries(CONTENDERS.map((c) => [c, runs(c, scenario) ? median(raw[scenario.name]![c].map((r) => throughput(scenario, r))) : NaN])) as Record<ContenderName, number>;
  const errors = CONTENDERS.reduce((n, c) => n + raw[scenario.name]![c].reduce((e, r) => e + r.errors, 0), 0);
  const cell = (x: number, digits = 0): string => (Number.isNaN(x) ? "n/a" : x.toFixed(digits));
  // Ratios pair each contender with undici round by round (the rounds alternate so that drift
  // hits both alike), then take the median of those ratios.
  const ratio = (c: ContenderName): number =>
    runs(c, scenario) ? median(raw[scenario.name]![c].map((r, i) => throughput(scenario, r) / throughput(scenario, raw[scenario.name]!.undici[i]!))) : NaN;
  const label =
    scenario.pipelining > 1
      ? `${scenario.name} (x${scenario.pipelining}, not a target)`
      : scenario.cpu !== undefined
        ? `seq on one CPU (not a target)`
        : scenario.tls === true
          ? "tls (conc over HTTPS)"
          : scenario.gzip === true
            ? "gzip (1 MiB of text, decoded)"
            : scenario.name;
  rows.push(
    `| ${label} | ${scenario.unit} | ${cell(m.wirepool)} | ${cell(m.undici)} | ${cell(m["node:http"])} | ${cell(m.floor)} | **${cell(ratio("wirepool"), 2)}** | ${cell(ratio("node:http"), 2)} | ${cell(ratio("floor"), 2)} |${errors ? ` (${errors} errors)` : ""}`,
  );
  (json.scenarios as Record<string, unknown>)[scenario.name] = {
    medians: m,
    ratios: { wirepool: ratio("wirepool"), "node:http": ratio("node:http"), floor: ratio("floor") },
    raw: raw[scenario.name],
  };
}
const rss = raw.conc ? (Object.fromEntries(CONTENDERS.map((c) => [c, median(raw.conc![c].map((r) => r.maxRssMB))])) as Record<ContenderName, number>) : undefined;
if (rss) {
  const r = (c: ContenderName): string => (rss[c] / rss.undici).toFixed(2);
  rows.push(`| peak RSS in conc | MB | ${rss.wirepool.toFixed(0)} | ${rss.undici.toFixed(0)} | ${rss["node:http"].toFixed(0)} | ${rss.floor.toFixed(0)} | ${r("wirepool")} | ${r("node:http")} | ${r("floor")} |`);
}
rows.push(`| import time | ms | ${imports.wirepool.toFixed(1)} | ${imports.undici.toFixed(1)} | (built in) | | ${(imports.wirepool / imports.undici).toFixed(2)} | | |`);
console.log(rows.join("\n"));

const outDir = path.join(here, "results");
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `bench-${Date.now()}.json`);
fs.writeFileSync(file, JSON.stringify({ ...json, peakRssConcMB: rss }, null, 2));
console.log(`\nraw figures: ${path.relative(root, file)}`);
