/**
 * Soak test (not part of `npm test`): many requests through one Client against
 * nginx recycling connections hard, with pauses longer than its keep-alive
 * timeout and a storm of cancellations, then checks that nothing leaked.
 *
 *   npm run soak                  # 200,000 GETs + 10,000 with random cancellation
 *   npm run soak -- --scale 0.1   # a tenth (what CI runs)
 *
 * Pass/fail: zero errors, zero sockets left open (nginx's own count and stats()),
 * RSS at the end within 20 MB of RSS after warm-up (the first quarter of the
 * requests, at least 10,000: V8 keeps sizing its young generation up for a while
 * under load), and the pool drained after the cancellation storm. The JS heap after
 * a full GC is printed too: a leak would show there first. Exits non-zero otherwise.
 */
import { Client } from "../src/index.js";
import { startNginx } from "../test/support/nginx.js";

const args = process.argv.slice(2);
const scale = Number(args[args.indexOf("--scale") + 1] ?? 1) || 1;
const TOTAL = Math.round(200_000 * scale);
const CANCEL_TOTAL = Math.round(10_000 * scale);
const IN_FLIGHT = 64;
const PAUSES = 3;
const PAUSE_MS = 1200; // at least this long: more than nginx's keepalive_timeout of 1 s
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rssMB = (): number => {
  gc();
  return process.memoryUsage().rss / 1024 / 1024;
};
const heapMB = (): number => process.memoryUsage().heapUsed / 1024 / 1024;
const externalMB = (): number => process.memoryUsage().external / 1024 / 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const nginx = await startNginx({
  http: "keepalive_requests 100; keepalive_timeout 1s;",
  servers: Array.from({ length: 3 }, () => `location = /small { default_type text/plain; return 200 "Hello, world!"; }`),
});
const urls = nginx.origins.map((o) => `${o}/small`);
const failures: string[] = [];
const rows: [string, string][] = [];

try {
  const client = new Client({ timeout: 10_000 });
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let pauseUntil = 0;
  // Pauses at random points after warm-up, each longer than nginx's keep-alive timeout, so that
  // idle connections are closed by the server while the pool still holds them.
  const pauseAt = new Set<number>();
  while (pauseAt.size < PAUSES) pauseAt.add(Math.round(TOTAL * (0.3 + 0.65 * Math.random())));
  const pauseMs = (): number => PAUSE_MS + Math.random() * 500;
  // Long enough for the JIT and V8's heap sizing to settle, so what grows after it is what leaks.
  const warmup = Math.max(Math.round(TOTAL * 0.25), Math.min(10_000, Math.round(TOTAL / 2)));
  let rssAfterWarmup = 0;
  let heapAfterWarmup = 0;
  let externalAfterWarmup = 0;

  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (;;) {
        const n = sent++;
        if (n >= TOTAL) return;
        if (pauseAt.has(n)) pauseUntil = performance.now() + pauseMs();
        const wait = pauseUntil - performance.now();
        if (wait > 0) await sleep(wait);
        try {
          const res = await client.get(urls[n % urls.length]!);
          if (res.status === 200 && res.content.length === 13) ok++;
          else errors++;
        } catch (err) {
          if (errors++ < 5) console.error(`error: ${String(err)}`);
        }
        if (n === warmup) {
          rssAfterWarmup = rssMB();
          heapAfterWarmup = heapMB();
          externalAfterWarmup = externalMB();
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const rssEnd = rssMB();
  const heapEnd = heapMB();
  const stats = client.stats();
  rows.push(["requests", `${TOTAL} over ${urls.length} origins, ${IN_FLIGHT} in flight, ${PAUSES} pauses of ${PAUSE_MS}-${PAUSE_MS + 500} ms at random points`]);
  rows.push(["succeeded / errors", `${ok} / ${errors}`]);
  rows.push(["time", `${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} req/s including pauses)`]);
  rows.push(["connections opened / reused", `${stats.totals.opened} / ${stats.totals.reused} (nginx closes each after 100 requests)`]);
  rows.push(["RSS after warm-up / at end", `${rssAfterWarmup.toFixed(1)} MB (after ${warmup} requests) / ${rssEnd.toFixed(1)} MB (growth ${(rssEnd - rssAfterWarmup).toFixed(1)} MB)`]);
  rows.push(["JS heap after warm-up / at end", `${heapAfterWarmup.toFixed(1)} MB / ${heapEnd.toFixed(1)} MB (after a full GC each)`]);
  rows.push(["external (buffers, wasm) warm-up / end", `${externalAfterWarmup.toFixed(1)} MB / ${externalMB().toFixed(1)} MB`]);
  if (errors > 0 || ok !== TOTAL) failures.push(`${errors} errors`);
  if (rssEnd - rssAfterWarmup > 20) failures.push(`RSS grew by ${(rssEnd - rssAfterWarmup).toFixed(1)} MB`);

  // Cancellation storm, interleaved with normal requests.
  let normalOk = 0;
  let normalFailed = 0;
  let aborted = 0;
  let completedAnyway = 0;
  let cancelSent = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (;;) {
        const n = cancelSent++;
        if (n >= CANCEL_TOTAL) return;
        const url = urls[n % urls.length]!;
        if (n % 2 === 0) {
          try {
            await client.get(url);
            normalOk++;
          } catch (err) {
            normalFailed++;
            if (normalFailed < 5) console.error(`normal request failed: ${String(err)}`);
          }
        } else {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), Math.random() * 3);
          try {
            await client.get(url, { signal: ac.signal });
            completedAnyway++;
          } catch {
            aborted++;
          }
        }
      }
    }),
  );
  const afterStorm = client.stats();
  rows.push(["cancellation storm", `${CANCEL_TOTAL} requests: ${normalOk} normal ok, ${normalFailed} normal failed, ${aborted} aborted, ${completedAnyway} finished before their abort`]);
  rows.push(["pool after the storm", `active ${afterStorm.active}, queued ${afterStorm.queued}, connecting ${afterStorm.connecting}, idle ${afterStorm.idle}`]);
  if (normalFailed > 0) failures.push(`${normalFailed} normal requests failed during the cancellation storm`);
  if (afterStorm.active + afterStorm.queued + afterStorm.connecting > 0) failures.push("the pool did not drain after the cancellation storm");

  await client.close();
  await sleep(200);
  const left = client.stats().connections;
  const serverSide = await nginx.activeConnections();
  rows.push(["sockets left after close()", `client ${left}, nginx ${serverSide}`]);
  if (left !== 0 || serverSide !== 0) failures.push(`sockets left open: client ${left}, nginx ${serverSide}`);
} finally {
  await nginx.stop();
}

const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nsoak (scale ${scale})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(failures.length === 0 ? "\nPASS" : `\nFAIL: ${failures.join("; ")}`);
process.exitCode = failures.length === 0 ? 0 : 1;
