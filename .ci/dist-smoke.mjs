// The published build (dist/, made by `npm run build`): one bundled module plus type
// declarations. It must import on its own and fetch something from a real server.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";

const { Client, VERSION } = await import("../dist/index.js");
assert.ok(fs.existsSync(new URL("../dist/index.d.ts", import.meta.url)), "dist/index.d.ts is missing");

const server = http.createServer((req, res) => res.end(`hello from ${req.url}`));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const client = new Client({ baseURL: `http://127.0.0.1:${server.address().port}` });
const response = await client.get("/smoke");
assert.equal(response.status, 200);
assert.equal(await response.text(), "hello from /smoke");
await client.close();
server.close();
console.log(`dist smoke test passed (wirepool ${VERSION})`);
