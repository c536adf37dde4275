// A CommonJS app: require("wirepool") (Node >= 20.19 can require an ES module without top-level await).
const assert = require("node:assert/strict");
const http = require("node:http");
const { Client, ConnectError } = require("wirepool");

(async () => {
  const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new Client({ baseURL: `http://127.0.0.1:${server.address().port}` });
  try {
    assert.equal(await (await client.get("/cjs")).text(), "hello /cjs");
    const err = await client.get("http://127.0.0.1:1/").catch((e) => e);
    assert.ok(err instanceof ConnectError);
  } finally {
    await client.close();
    server.close();
  }
  console.log("cjs: ok");
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
