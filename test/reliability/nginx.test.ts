/**
 * Against a real nginx configured like production sites: keepalive_requests 100
 * (it closes every connection after 100 requests), keepalive_timeout 2s, gzip for
 * text, ETags, ranges, a redirect, and an endpoint that reads POST bodies.
 * CI installs nginx (.ci/run); elsewhere these tests are skipped when it is missing.
 */
import crypto from "node:crypto";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { hasEchoModule, type Nginx, nginxBinary, startNginx } from "../support/nginx.js";

const available = nginxBinary() !== undefined && hasEchoModule();
if (!available && process.env.CI) throw new Error("CI must have nginx and its echo module: see .ci/run");

const big = crypto.randomBytes(20 * 1024 * 1024);
const text = Array.from({ length: 2000 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join("");
const sha256 = (b: Uint8Array): string => crypto.createHash("sha256").update(b).digest("hex");

describe.skipIf(!available)("nginx", () => {
  let nginx: Nginx;
  let origin: string;

  beforeAll(async () => {
    nginx = await startNginx({
      http: `keepalive_requests 100; keepalive_timeout 2s; gzip on; gzip_types text/plain; gzip_min_length 20; client_body_buffer_size 1m; client_max_body_size 2m;`,
      servers: [
        `location = /old { return 301 /text.txt; }
    location = /echo { echo_read_request_body; echo -n $request_body; }`,
      ],
      files: { "big.bin": big, "text.txt": text, "small.txt": "small" },
    });
    origin = nginx.origins[0]!;
  });
  afterAll(() => nginx?.stop());

  it("3,200 requests across nginx's connection recycling: zero errors", async () => {
    await using client = new Client({ limits: { maxConnectionsPerHost: 16 } });
    let ok = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = 0; i < 200; i++) {
          const res = await client.get(`${origin}/small.txt`);
          if (res.status === 200 && (await res.text()) === "small") ok++;
        }
      }),
    );
    expect(ok).toBe(3200);
    const { totals } = client.stats();
    // keepalive_requests 100: every connection was closed by nginx after 100 requests and replaced.
    expect(totals.opened).toBeGreaterThanOrEqual(Math.floor(ok / 100));
    expect(totals.reused).toBeGreaterThan(ok * 0.9);
  });

  it("HEAD gives the length and no body, and keeps the connection", async () => {
    await using client = new Client();
    const res = await client.head(`${origin}/big.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(big.length));
    expect(res.content.length).toBe(0);
    await client.get(`${origin}/small.txt`);
    expect(client.stats().totals.opened).toBe(1);
  });

  it("conditional requests get 304 without a body", async () => {
    await using client = new Client();
    const first = await client.get(`${origin}/text.txt`);
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    expect(etag).toBeTruthy();
    const byEtag = await client.get(`${origin}/text.txt`, { headers: { "If-None-Match": etag } });
    expect(byEtag.status).toBe(304);
    expect(byEtag.content.length).toBe(0);
    const byDate = await client.get(`${origin}/text.txt`, { headers: { "If-Modified-Since": lastModified } });
    expect(byDate.status).toBe(304);
    expect(client.stats().totals.opened).toBe(1);
  });

  it("range requests return exactly the bytes asked for", async () => {
    await using client = new Client();
    const mid = await client.get(`${origin}/big.bin`, { headers: { Range: "bytes=1000-1999" } });
    expect(mid.status).toBe(206);
    expect(Buffer.from(mid.content)).toEqual(big.subarray(1000, 2000));
    const tail = await client.get(`${origin}/big.bin`, { headers: { Range: "bytes=-500" } });
    expect(Buffer.from(tail.content)).toEqual(big.subarray(big.length - 500));
  });

  it("a 20 MiB file arrives intact, buffered and streamed", async () => {
    await using client = new Client();
    const buffered = await client.get(`${origin}/big.bin`);
    expect(sha256(buffered.content)).toBe(sha256(big));
    const streamed = await client.stream("GET", `${origin}/big.bin`);
    const hash = crypto.createHash("sha256");
    for await (const chunk of streamed) hash.update(chunk);
    expect(hash.digest("hex")).toBe(sha256(big));
  });

  it("gzip as nginx encoded it: decoded by default (Accept-Encoding is sent), raw through iterRaw(), plain when not asked for", async () => {
    await using client = new Client();
    const gz = await client.get(`${origin}/text.txt`);
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(await gz.text()).toBe(text);
    const raw = await client.stream("GET", `${origin}/text.txt`);
    const chunks: Buffer[] = [];
    for await (const c of raw.iterRaw()) chunks.push(Buffer.from(c));
    expect(zlib.gunzipSync(Buffer.concat(chunks)).toString()).toBe(text);
    const plain = await client.get(`${origin}/text.txt`, { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(text);
  });

  it("follows nginx's redirect", async () => {
    await using client = new Client({ followRedirects: true });
    const res = await client.get(`${origin}/old`);
    expect(res.status).toBe(200);
    expect(res.history.map((h) => h.status)).toEqual([301]);
    expect(res.url?.pathname).toBe("/text.txt");
  });

  it("POST bodies are read by nginx and echoed back, byte for byte", async () => {
    await using client = new Client();
    const body = crypto.randomBytes(100_000).toString("hex").slice(0, 100_000);
    const res = await client.post(`${origin}/echo`, { content: body });
    expect(await res.text()).toBe(body);
    async function* chunks() {
      for (let i = 0; i < 10; i++) yield Buffer.from(body.slice(i * 10_000, (i + 1) * 10_000));
    }
    const streamed = await client.post(`${origin}/echo`, { content: chunks() });
    expect(await streamed.text()).toBe(body);
  });

  it("a pause longer than keepalive_timeout costs a new connection, not an error", async () => {
    await using client = new Client();
    // Waits for nginx's own close of the idle connection (its FIN), not for a time that a loaded machine may not keep.
    const closedByServer = new Promise<string>((resolve) => {
      const stop = client.observe((e) => e.type === "connection:closed" && (stop(), resolve(e.reason)), ["connection:closed"]);
    });
    await client.get(`${origin}/small.txt`);
    expect(await closedByServer).toBe("server closed");
    expect(client.stats().connections).toBe(0);
    expect((await client.get(`${origin}/small.txt`)).status).toBe(200);
    expect(client.stats().totals.opened).toBe(2);
  });
});
