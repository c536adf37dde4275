/**
 * One measurement of bench/scale.ts, in a fresh process. Plain JavaScript, like
 * bench/contender.mjs, so no loader's cost lands in the figures.
 *
 *   node --expose-gc bench/scale-contender.mjs <wirepool|undici> <measure> <n> <origin> [origin...]
 *
 * measures:
 *   queue N      N GETs issued at once onto 16 connections of one origin
 *   origins O    20 GETs per origin, issued round-robin over the O origins given, at once;
 *                wirepool with maxConnections 64 (undici's Agent has no total limit: 1 per origin)
 *   storm N      N GETs queued onto 16 connections, half of them aborted at random moments
 *   idle C       C keep-alive connections opened, then left idle: memory per connection after GC
 *   shape S      the conc shape (64 in flight, 16 connections) for 2 s, written as S
 *   queued N     N GETs queued behind one connection whose server never answers: heap per waiting request
 * Prints one JSON line.
 */
const [name, measure, nArg, ...origins] = process.argv.slice(2);
const n = measure === "shape" ? nArg : Number(nArg);
const origin = origins[0];

const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

async function wirepoolClient(limits, extra = {}) {
  const { Client } = await import("../dist/index.js");
  const client = new Client({ limits, timeout: null, ...extra });
  return {
    get: async (url, options) => {
      const res = await client.get(url, options);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    },
    client,
    bare: (url) => client.get(url),
    opened: () => client.stats().totals.opened,
    close: () => client.close(),
  };
}

async function undiciClient(kind, options, poolOrigin = origin) {
  const undici = await import("undici");
  const dc = await import("node:diagnostics_channel");
  let opened = 0;
  dc.subscribe("undici:client:connected", () => opened++);
  const dispatcher = kind === "agent" ? new undici.Agent(options) : new undici.Pool(poolOrigin, options);
  return {
    get: async (url, options = {}) => {
      const res = await undici.request(url, { dispatcher, ...options });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    },
    /** One request made the plainest way, without this wrapper's async frame (the queued measure). */
    bare: (url) => undici.request(url, { dispatcher }),
    opened: () => opened,
    close: () => dispatcher.close(),
  };
}

const make = {
  queue: () => (name === "wirepool" ? wirepoolClient({ maxConnections: 16 }) : undiciClient("pool", { connections: 16 })),
  storm: () => (name === "wirepool" ? wirepoolClient({ maxConnections: 16 }) : undiciClient("pool", { connections: 16 })),
  origins: () => (name === "wirepool" ? wirepoolClient({ maxConnections: 64, maxKeepAliveConnections: 64 }) : undiciClient("agent", { connections: 1 })),
  idle: () => (name === "wirepool" ? wirepoolClient({ maxConnections: n, maxKeepAliveConnections: n, keepAliveExpiry: 600_000 }) : undiciClient("pool", { connections: n, keepAliveTimeout: 600_000 })),
};

let result;
if (measure === "queue") {
  const c = await make.queue();
  await Promise.all(Array.from({ length: 64 }, () => c.get(`${origin}/small`))); // warm up
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => c.get(`${origin}/small`)));
  const ms = performance.now() - t0;
  result = { usPerRequest: (ms * 1000) / n, opened: c.opened() };
  await c.close();
} else if (measure === "origins") {
  const c = await make.origins();
  const urls = [];
  for (let r = 0; r < 20; r++) for (const o of origins) urls.push(`${o}/small`);
  const t0 = performance.now();
  await Promise.all(urls.map((u) => c.get(u)));
  const ms = performance.now() - t0;
  result = { usPerRequest: (ms * 1000) / urls.length, opened: c.opened(), newPerRequest: c.opened() / urls.length };
  await c.close();
} else if (measure === "storm") {
  const c = await make.storm();
  await c.get(`${origin}/small`);
  const before = c.opened();
  const t0 = performance.now();
  let aborted = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const ac = new AbortController();
      if (i % 2 === 1) setTimeout(() => ac.abort(), Math.random() * 1000);
      return c.get(`${origin}/small`, { signal: ac.signal }).catch((e) => {
        if (e?.name !== "AbortError") throw e;
        aborted++;
      });
    }),
  );
  result = { ms: performance.now() - t0, aborted, newConnections: c.opened() - before };
  await c.close();
} else if (measure === "idle") {
  const c = await make.idle();
  gc();
  const m0 = process.memoryUsage();
  // All at once, so that n connections open; then they sit idle.
  await Promise.all(Array.from({ length: n }, () => c.get(`${origin}/small`)));
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const m1 = process.memoryUsage();
  result = { connections: c.opened(), heapPerConnection: (m1.heapUsed - m0.heapUsed) / c.opened(), externalPerConnection: (m1.external - m0.external) / c.opened() };
  await c.close();
} else if (measure === "queued") {
  const net = await import("node:net");
  const silent = net.createServer(() => {}); // accepts, reads nothing, answers nothing
  await new Promise((r) => silent.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${silent.address().port}/small`;
  const c = name === "wirepool" ? await wirepoolClient({ maxConnections: 1 }) : await undiciClient("pool", { connections: 1 }, `http://127.0.0.1:${silent.address().port}`);
  // No AbortSignal: a shared one would add its listener list to every request's cost. Each request
  // is made the plainest way (client.get(url), undici.request(url, { dispatcher })), not through the
  // async wrappers above, whose frames would be counted too; what is left of the harness is one
  // .catch() promise and an array slot per request (about 100 bytes). The process ends with the
  // requests still waiting (the line below is all it has to print).
  const noop = () => {};
  void c.bare(url).catch(noop);
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const waiting = new Array(n);
  for (let i = 0; i < n; i++) waiting[i] = c.bare(url).catch(noop);
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const h1 = process.memoryUsage().heapUsed;
  result = { heapPerQueued: (h1 - h0) / n, kept: waiting.length };
} else if (measure === "shape") {
  const { Client } = await import("../dist/index.js");
  const JSON_VALUE = { id: 1, name: "wirepool", tags: ["a", "b"] };
  const JSON_BYTES = Buffer.from(JSON.stringify(JSON_VALUE));
  const FOUR_K = Buffer.alloc(4096, "p");
  const shapes = {
    absolute: { client: {}, send: (c) => c.get(`${origin}/small`) },
    baseURL: { client: { baseURL: origin }, send: (c) => c.get("/small") },
    headers: { client: { baseURL: origin }, send: (c) => c.get("/small", { headers: { "x-request-id": "abc123", accept: "text/plain" } }) },
    params: { client: { baseURL: origin }, send: (c) => c.get("/small", { params: { page: 2, q: "search" } }) },
    // The body shapes' yardsticks: the same bytes, absolute URL, no options but the body.
    postBytes: { client: {}, send: (c) => c.post(`${origin}/echo`, { content: JSON_BYTES }) },
    json: { client: { baseURL: origin }, send: (c) => c.post("/echo", { json: JSON_VALUE }) },
    post4k: { client: {}, send: (c) => c.post(`${origin}/echo`, { content: FOUR_K }) },
    content4k: { client: { baseURL: origin }, send: (c) => c.post("/echo", { content: FOUR_K, headers: { "content-type": "application/octet-stream" } }) },
  };
  const shape = shapes[n];
  const client = new Client({ ...shape.client, limits: { maxConnections: 16 }, timeout: null });
  let done = 0;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const res = await shape.send(client);
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      done++;
    }
  };
  const loops = Array.from({ length: 64 }, loop);
  await new Promise((r) => setTimeout(r, 500));
  const d0 = done;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 2000));
  const rate = ((done - d0) * 1000) / (performance.now() - t0);
  // The client's own CPU per request (user + system): what the shape costs here, apart from the
  // server, which parses a larger request for some shapes on the same two cores.
  const cpu = process.cpuUsage(cpu0);
  const cpuPerRequest = (cpu.user + cpu.system) / (done - d0);
  stop = true;
  await Promise.all(loops);
  await client.close();
  result = { rate, cpuPerRequest };
}
console.log(JSON.stringify(result));
process.exit(0);
