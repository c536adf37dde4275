// What a user's ESM app does: a request to a local server, and a typed error from a closed port.
import assert from "node:assert/strict";
import http from "node:http";
import { Client, ConnectError, get } from "wirepool";
import { recordTimeline } from "wirepool/timeline";

const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const client = new Client({ baseURL: origin });
const recorder = recordTimeline(client);
try {
  assert.equal(await (await client.get("/esm")).text(), "hello /esm");
  const timeline = recorder.stop();
  assert.equal(timeline.totals.requests, 1);
  assert.match(timeline.toSVG(), /^<svg /);
  assert.equal((await get(`${origin}/once`)).status, 200);
  const err = await client.get("http://127.0.0.1:1/").catch((e) => e);
  assert.ok(err instanceof ConnectError, String(err));
  assert.equal(err.name, "ConnectError");
} finally {
  await client.close();
  server.close();
}
console.log(`${process.argv[2] ?? "esm"}: ok`);
