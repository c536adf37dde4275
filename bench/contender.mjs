/**
 * One contender, one scenario, in a fresh process spawned by bench/run.ts. Plain
 * JavaScript on purpose: a TypeScript loader would add its own memory and start-up
 * time to every contender's figures.
 *
 *   node bench/contender.mjs <wirepool|undici|node:http> <origin> <method> <path> <inflight> <connections> <bodySize> <seconds> <warmup> [pipelining]
 *
 * Runs `inflight` loops that each send a request and read the whole body into
 * memory, warms up, then counts completed requests for `seconds`. Prints one JSON line.
 */
import http from "node:http";

const [name, origin, method, path, inflightArg, connectionsArg, bodySizeArg, secondsArg, warmupArg, pipeliningArg = "1"] = process.argv.slice(2);
const pipelining = Number(pipeliningArg);
const inflight = Number(inflightArg);
const connections = Number(connectionsArg);
const payload = Buffer.alloc(Number(bodySizeArg), "p");
const url = origin + path;

function ok(status) {
  if (status !== 200) throw new Error(`status ${status}`);
}

// Each contender loads only its own library: merely importing undici (its wasm parser and
// everything around it) made wirepool's large-body runs in the same process twice as slow.
async function wirepool() {
  const { Client, HTTPTransport } = await import("../dist/index.js");
  const limits = { maxConnections: connections, maxConnectionsPerHost: connections, maxKeepAliveConnections: connections };
  const client = new Client({
    limits,
    timeout: 30_000,
    ...(pipelining > 1 ? { transport: new HTTPTransport({ limits, pipelining }) } : {}),
  });
  const send =
    method === "GET"
      ? async () => {
          const res = await client.get(url);
          ok(res.status);
          return res.content.length;
        }
      : async () => {
          const res = await client.post(url, { content: payload });
          ok(res.status);
          return res.content.length;
        };
  return { send, close: () => client.close() };
}

async function undici() {
  const { Pool } = await import("undici");
  const pool = new Pool(origin, { connections, pipelining });
  const send = async () => {
    const { statusCode, body } = await pool.request(method === "GET" ? { path, method } : { path, method, body: payload });
    ok(statusCode);
    return (await body.arrayBuffer()).byteLength;
  };
  return { send, close: () => pool.close() };
}

function nodeHttp() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const options = { agent, host: u.hostname, port: u.port, path, method, headers: method === "POST" ? { "content-length": payload.length } : {} };
  const send = () =>
    new Promise((resolve, reject) => {
      const req = http.request(options, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`status ${res.statusCode}`));
        }
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).length));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(method === "POST" ? payload : undefined);
    });
  return { send, close: async () => agent.destroy() };
}

const contender = name === "wirepool" ? await wirepool() : name === "undici" ? await undici() : nodeHttp();

async function run(seconds) {
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < deadline) {
        try {
          const n = await contender.send();
          bytes += n;
          requests++;
        } catch (err) {
          if (++errors === 1) console.error(String(err));
        }
      }
    }),
  );
  return { requests, bytes, errors, seconds: (performance.now() - t0) / 1000, maxRssMB: 0 };
}

await run(Number(warmupArg));
const result = await run(Number(secondsArg));
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
await contender.close();
console.log(JSON.stringify(result));
