// One run of bench/timeline.ts in a fresh process: the conc shape with or without a recorder.
//   node bench/timeline-contender.mjs <url> <none|recorder|stopped> <seconds>
import { Client } from "../dist/index.js";
import { recordTimeline } from "../dist/timeline.js";

const [url, mode, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const limits = { maxConnections: 16, maxConnectionsPerHost: 16, maxKeepAliveConnections: 16 };

async function load(client, s) {
  let n = 0;
  const end = performance.now() + s * 1000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < end) {
        await client.get(url);
        n++;
      }
    }),
  );
  return n / s;
}

const client = new Client({ limits, trustEnv: false });
await load(client, 0.5); // warm-up, unrecorded
const rec = mode === "none" ? undefined : mode === "noop" ? (client.observe(() => {}, ["request:queued", "request:assigned", "request:finished"]), undefined) : recordTimeline(client);
if (mode === "stopped") rec.stop();
const rate = await load(client, seconds);
const requests = mode === "recorder" ? rec.stop().totals.requests : 0;
await client.close();
console.log(JSON.stringify({ rate, requests }));
