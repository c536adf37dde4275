/**
 * One contender, one scenario, in a fresh process spawned by bench/run.ts. Plain
 * JavaScript on purpose: a TypeScript loader would add its own memory and start-up
 * time to every contender's figures.
 *
 *   node bench/contender.mjs <wirepool|undici|node:http|floor> <origin> <method> <path> <inflight> <connections> <bodySize> <seconds> <warmup> [pipelining]
 *
 * Runs `inflight` loops that each send a request and read the whole body into
 * memory, warms up, then counts completed requests for `seconds`. Prints one JSON line.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import zlib from "node:zlib";

const [name, origin, method, path, inflightArg, connectionsArg, bodySizeArg, secondsArg, warmupArg, pipeliningArg = "1", coding = ""] = process.argv.slice(2);
// "gzip": the body comes gzip-coded, and each contender decodes it the way its users would.
const gzip = coding === "gzip";
const pipelining = Number(pipeliningArg);
const inflight = Number(inflightArg);
const connections = Number(connectionsArg);
const payload = Buffer.alloc(Number(bodySizeArg), "p");
const url = origin + path;
// Over HTTPS (the tls scenario): the CA that signed the server's certificate, trusted by every contender.
const ca = process.env.BENCH_CA ? fs.readFileSync(process.env.BENCH_CA) : undefined;

function ok(status) {
  if (status !== 200) throw new Error(`status ${status}`);
}

// Each contender loads only its own library: merely importing undici (its wasm parser and
// everything around it) made wirepool's large-body runs in the same process twice as slow.
async function wirepool() {
  const { Client, HTTPTransport } = await import("../dist/index.js");
  const limits = { maxConnections: connections, maxConnectionsPerHost: connections, maxKeepAliveConnections: connections };
  // limits go to the transport when one is given (a Client refuses both: they would be lost).
  const client = new Client({
    timeout: 30_000,
    ...(pipelining > 1 ? { transport: new HTTPTransport({ limits, pipelining }) } : { limits }),
    ...(ca ? { tls: { ca } } : {}),
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
  const { Pool, interceptors } = await import("undici");
  const base = new Pool(origin, { connections, pipelining, ...(ca ? { connect: { ca } } : {}) });
  const pool = gzip ? base.compose(interceptors.decompress()) : base;
  const headers = gzip ? { "accept-encoding": "gzip" } : undefined;
  const send = async () => {
    const { statusCode, body } = await pool.request(method === "GET" ? { path, method, headers } : { path, method, body: payload });
    ok(statusCode);
    return (await body.arrayBuffer()).byteLength;
  };
  return { send, close: () => base.close() };
}

function nodeHttp() {
  const agent = ca ? new https.Agent({ keepAlive: true, maxSockets: connections, ca }) : new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const options = { agent, host: u.hostname, port: u.port, path, method, headers: method === "POST" ? { "content-length": payload.length } : gzip ? { "accept-encoding": "gzip" } : {} };
  const send = () =>
    new Promise((resolve, reject) => {
      const req = (ca ? https : http).request(options, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`status ${res.statusCode}`));
        }
        const chunks = [];
        const body = gzip && res.headers["content-encoding"] === "gzip" ? res.pipe(zlib.createGunzip()) : res;
        body.on("data", (c) => chunks.push(c));
        body.on("end", () => resolve(Buffer.concat(chunks).length));
        body.on("error", reject);
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(method === "POST" ? payload : undefined);
    });
  return { send, close: async () => agent.destroy() };
}

/**
 * Not a client: the least a client must do, as a yardstick for the machine. Raw sockets read
 * with `onread` into one reused buffer, the request written as one prepared string, and of
 * each response only its end is found (Content-Length counted, or the last chunk of a chunked
 * body seen); nothing is parsed or validated and bodies are not kept. A real client does all
 * that and more, so its ratio to undici is, within noise, the most a client can reach on this
 * machine and server. (With large bodies both only move bytes, and a client can match it.)
 */
function floor() {
  const u = new URL(url);
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\n${method === "POST" ? `Content-Length: ${payload.length}\r\n` : ""}\r\n`;
  const readBuffer = Buffer.alloc(64 * 1024);
  const idle = [];
  const waiting = [];
  const sockets = [];

  function open() {
    // Per response: bytes of it still to come, or -1 while the head is incomplete.
    let remaining = -1;
    let chunked = false;
    let tail = ""; // the last bytes of a chunked body, in case its end is split across reads
    let headText = "";
    let done;
    let body = 0;
    const socket = net.connect({
      host: u.hostname,
      port: Number(u.port),
      onread: {
        buffer: readBuffer,
        callback(n, buf) {
          let at = 0;
          if (remaining === -1) {
            headText += buf.latin1Slice(0, n);
            const end = headText.indexOf("\r\n\r\n");
            if (end === -1) return;
            const m = /\r\ncontent-length: *(\d+)/i.exec(headText.slice(0, end));
            chunked = m === null;
            remaining = chunked ? Infinity : Number(m[1]);
            at = n - (headText.length - end - 4);
            headText = "";
          }
          const got = n - at;
          body += got;
          if (chunked ? (tail = (tail + buf.latin1Slice(at, n)).slice(-5)) === "0\r\n\r\n" : (remaining -= got) === 0) {
            remaining = -1;
            tail = "";
            const resolve = done;
            const length = body;
            body = 0;
            release(conn);
            resolve(length);
          }
        },
      },
    });
    socket.setNoDelay(true);
    socket.on("error", (err) => done?.(Promise.reject(err)));
    sockets.push(socket);
    const conn = {
      send(resolve) {
        done = resolve;
        socket.write(method === "POST" ? head + payload.latin1Slice() : head, "latin1");
      },
    };
    return conn;
  }

  function release(conn) {
    const next = waiting.shift();
    if (next) conn.send(next);
    else idle.push(conn);
  }

  const send = () =>
    new Promise((resolve) => {
      const conn = idle.pop() ?? (sockets.length < connections ? open() : undefined);
      if (conn) conn.send(resolve);
      else waiting.push(resolve);
    });
  return { send, close: async () => sockets.forEach((s) => s.destroy()) };
}

const contender = name === "wirepool" ? await wirepool() : name === "undici" ? await undici() : name === "floor" ? floor() : nodeHttp();

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
