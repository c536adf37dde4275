import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  Client,
  ConnectError,
  HTTPStatusError,
  HTTPTransport,
  InvalidURL,
  MockTransport,
  ReadTimeout,
  RemoteProtocolError,
  Request,
  Response,
  ResponseNotRead,
  ResponseTooLarge,
  StreamClosed,
  StreamConsumed,
  TooManyRedirects,
  UnsupportedProtocol,
  WriteError,
  WriteTimeout,
  VERSION,
  get,
  post,
} from "../../src/index.js";
import * as wirepool from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, httpServer, onRequests, rawServer, type TestServer } from "../support/servers.js";

const { defer, serve } = useCleanup();
function client(options: ConstructorParameters<typeof Client>[0] = {}): Client {
  const c = new Client(options);
  defer(() => c.close());
  return c;
}

/** Echoes the request as JSON: method, url, headers, body. */
const echo = () =>
  httpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });

type Echo = { method: string; url: string; headers: Record<string, string>; body: string };

describe("the public module", () => {
  it("exports the names users rely on", () => {
    for (const name of ["Client", "request", "get", "head", "options", "post", "put", "patch", "del", "delete", "HTTPTransport", "MockTransport", "Headers", "Request", "Response"]) {
      expect(typeof (wirepool as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(wirepool.delete).toBe(wirepool.del);
  });

  it("keeps VERSION equal to package.json's", async () => {
    const pkg = (await import("../../package.json", { with: { type: "json" } })).default as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});

describe("requests", () => {
  it("merges baseURL, client params and request params, and sends default headers", async () => {
    const s = await serve(echo());
    const c = client({ baseURL: s.url("/api/v1"), params: { key: "k", flag: true } });
    const body = (await (await c.get("/items", { params: { page: 2, tag: ["a", "b"] } })).json()) as Echo;
    expect(body.url).toBe("/api/v1/items?key=k&flag=true&page=2&tag=a&tag=b");
    expect(body.headers["user-agent"]).toBe(`wirepool/${VERSION}`);
    expect(body.headers.accept).toBe("*/*");
    const rel = (await (await c.get("items?x=1")).json()) as Echo;
    expect(rel.url).toBe("/api/v1/items?x=1&key=k&flag=true");
    const abs = (await (await c.get(s.url("/elsewhere"))).json()) as Echo;
    expect(abs.url).toBe("/elsewhere?key=k&flag=true");
  });

  it("client headers are defaults that request headers override", async () => {
    const s = await serve(echo());
    const c = client({ headers: { "X-Client": "c", "User-Agent": "mine/1" } });
    const body = (await (await c.get(s.url(), { headers: { "x-client": "request wins", "X-Req": "r" } })).json()) as Echo;
    expect(body.headers).toMatchObject({ "x-client": "request wins", "x-req": "r", "user-agent": "mine/1" });
  });

  it("request headers replace defaults of the same name on the wire, each value once; request.headers says the same", async () => {
    const heads: string[] = [];
    const s = await serve(rawServer((socket) => onRequests(socket, (head) => (heads.push(head), socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")))));
    const c = client({ headers: { "X-Client": "c", "User-Agent": "mine/1" } });
    const headers = { "x-client": "request wins", "X-Dup": ["1", "2"], Accept: "text/plain" };
    // Twice: the second request uses the defaults-less-overrides made by the first.
    for (let i = 0; i < 2; i++) {
      const res = await c.get(s.url(), { headers });
      const fields = heads[i]!.split("\r\n").slice(1).map((l) => l.toLowerCase()).sort();
      expect(fields).toEqual(["accept-encoding: " + res.request!.headers.get("accept-encoding"), "accept: text/plain", `host: 127.0.0.1:${s.port}`, "user-agent: mine/1", "x-client: request wins", "x-dup: 1", "x-dup: 2"].sort());
      expect(res.request!.headers.getAll("x-dup")).toEqual(["1", "2"]);
      expect(res.request!.headers.getAll("accept")).toEqual(["text/plain"]);
    }
  });

  it("sends json, form, text, bytes and streams", async () => {
    const s = await serve(echo());
    const c = client();
    const j = (await (await c.post(s.url(), { json: { a: [1, 2] } })).json()) as Echo;
    expect(j).toMatchObject({ body: '{"a":[1,2]}', headers: { "content-type": "application/json", "content-length": "11" } });
    const f = (await (await c.post(s.url(), { form: { q: "a b", n: [1, 2] } })).json()) as Echo;
    expect(f).toMatchObject({ body: "q=a+b&n=1&n=2", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const t = (await (await c.put(s.url(), { content: "héllo" })).json()) as Echo;
    expect(t).toMatchObject({ body: "héllo", headers: { "content-length": "6" } });
    const b = (await (await c.patch(s.url(), { content: new Uint8Array([104, 105]) })).json()) as Echo;
    expect(b.body).toBe("hi");
    async function* gen() {
      yield new TextEncoder().encode("str");
      yield new Uint8Array(0);
      yield new TextEncoder().encode("eam");
    }
    const g = (await (await c.post(s.url(), { content: gen() })).json()) as Echo;
    expect(g).toMatchObject({ body: "stream", headers: { "transfer-encoding": "chunked" } });
    const r = (await (await c.post(s.url(), { content: Readable.from([Buffer.from("read"), Buffer.from("able")]) })).json()) as Echo;
    expect(r.body).toBe("readable");
    const w = (await (await c.post(s.url(), { content: new Blob(["web ", "stream"]).stream() })).json()) as Echo;
    expect(w.body).toBe("web stream");
    const e = (await (await c.post(s.url())).json()) as Echo;
    expect(e.headers["content-length"]).toBe("0");
  });

  it("a json body keeps the pre-serialized defaults, with its Content-Type once", () => {
    const c = client({ baseURL: "http://127.0.0.1:1", headers: { "X-Team": "wire" } });
    const r = c.buildRequest("POST", "/x", { json: { a: 1 } });
    // Adding the Content-Type is one change to the copied defaults: the prepared json text still applies.
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.prepared?.revision).toBe(r.headers.revision);
    expect(r.prepared?.text.text).toBe("User-Agent: wirepool/" + wirepool.VERSION + "\r\nAccept: */*\r\nAccept-Encoding: " + r.headers.get("accept-encoding") + "\r\nX-Team: wire\r\nContent-Type: application/json\r\n");
    // A request given its own Content-Type is serialized whole.
    const own = c.buildRequest("POST", "/x", { json: 1, headers: { "content-type": "application/vnd.x+json" } });
    expect(own.headers.getAll("content-type")).toEqual(["application/vnd.x+json"]);
  });

  it("delete, head and options", async () => {
    const s = await serve(echo());
    const c = client();
    expect(((await (await c.delete(s.url())).json()) as Echo).method).toBe("DELETE");
    expect(((await (await c.options(s.url())).json()) as Echo).method).toBe("OPTIONS");
    const h = await c.head(s.url());
    expect(h.status).toBe(200);
    expect(h.content.length).toBe(0);
  });

  it("rejects unsupported schemes and malformed URLs", async () => {
    const c = client();
    await expect(c.get("ftp://example.org/")).rejects.toBeInstanceOf(UnsupportedProtocol);
    await expect(c.get("http://exa mple.org/")).rejects.toBeInstanceOf(InvalidURL);
    await expect(c.get("/relative")).rejects.toBeInstanceOf(InvalidURL);
  });
});

describe("responses", () => {
  it("exposes status, reason, version, headers, url, elapsed and decoding helpers", async () => {
    const s = await serve(httpServer((_req, res) => {
      res.writeHead(201, "Made It", { "content-type": "text/plain; charset=latin1", "set-cookie": ["a=1", "b=2"] });
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    }));
    const r = await client().get(s.url("/x"));
    expect(r).toMatchObject({ status: 201, reasonPhrase: "Made It", httpVersion: "HTTP/1.1", isSuccess: true, isError: false });
    expect(r.url?.href).toBe(s.url("/x"));
    expect(r.request?.method).toBe("GET");
    expect(r.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await r.text()).toBe("café");
    expect(r.elapsed).toBeGreaterThan(0);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
  });

  it("raiseForStatus throws HTTPStatusError for 4xx/5xx and returns the response otherwise", async () => {
    const s = await serve(httpServer((req, res) => {
      res.statusCode = Number(req.url!.slice(1));
      res.end();
    }));
    const c = client();
    const ok = await c.get(s.url("/204"));
    expect(ok.raiseForStatus()).toBe(ok);
    const bad = await c.get(s.url("/503"));
    expect(() => bad.raiseForStatus()).toThrow(HTTPStatusError);
    try {
      bad.raiseForStatus();
    } catch (e) {
      expect((e as HTTPStatusError).response).toBe(bad);
      expect((e as Error).message).toContain("503");
      expect((e as Error).message).toContain(s.url("/503"));
    }
  });

  it("stream(): iterate once; a second read is StreamConsumed; after close, StreamClosed", async () => {
    const s = await serve(httpServer((_req, res) => res.end("x".repeat(100_000))));
    const c = client();
    const r = await c.stream("GET", s.url());
    expect(() => r.content).toThrow(ResponseNotRead);
    let n = 0;
    for await (const chunk of r) n += chunk.length;
    expect(n).toBe(100_000);
    await expect(r.bytes()).rejects.toThrow(new StreamConsumed("the response body has already been read"));
    const r2 = await c.stream("GET", s.url());
    await r2.close();
    await expect(r2.bytes()).rejects.toThrow(new StreamClosed("the response body was closed"));
    expect(c.stats().totals.opened).toBe(1);
  });

  it("a reader waiting for more of a body that is closed under it gets StreamClosed, in words", async () => {
    const s = await serve(httpServer((_req, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("12345"); // and the rest never comes
    }));
    const c = client();
    const r = await c.stream("GET", s.url());
    const it = r[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe("12345");
    const waiting = it.next();
    await r.close();
    await expect(waiting).rejects.toThrow(new StreamClosed("the response body was closed before it was fully read"));
  });

  it("a request body whose source throws fails the request with WriteError, keeping the source's error", async () => {
    const s = await serve(httpServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("unexpected"));
    }));
    const c = client();
    const broken = new Error("disk on fire");
    async function* body() {
      yield Buffer.from("first part");
      throw broken;
    }
    const err = await c.post(s.url("/up"), { content: body() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as Error).message).toMatch(/^reading the request body failed/);
    expect((err as Error).cause).toBe(broken);
    expect(c.stats().connections).toBe(0);
  });

  it("await using closes a streamed response and the client", async () => {
    const s = await serve(httpServer((_req, res) => res.end("y".repeat(1000))));
    let stats;
    {
      await using c = new Client();
      {
        await using r = await c.stream("GET", s.url());
        expect(r.status).toBe(200);
      }
      await eventually(() => c.stats().idle === 1);
      stats = c.stats();
      expect(stats).toMatchObject({ active: 0, idle: 1 });
    }
    await eventually(() => s.open === 0);
    expect(s.open).toBe(0);
  });

  it("a body cut short is an error from bytes() and from the async iterator", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"))));
    const c = client();
    const err = await c.get(s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as Error).message).toContain(`GET ${s.url()}`);
    expect((err as Error).message).toContain("read body");
    const r = await c.stream("GET", s.url());
    const read = async () => {
      for await (const _ of r);
    };
    await expect(read()).rejects.toBeInstanceOf(RemoteProtocolError);
  });

  it("maxResponseSize bounds buffered bodies, not streamed ones", async () => {
    const s = await serve(httpServer((_req, res) => res.end(Buffer.alloc(300_000))));
    const c = client({ maxResponseSize: 100_000 });
    const err = await c.get(s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLarge);
    expect((err as Error).message).toContain(s.url());
    const r = await c.stream("GET", s.url());
    let n = 0;
    for await (const chunk of r) n += chunk.length;
    expect(n).toBe(300_000);
  });
});

describe("connection reuse through the public API", () => {
  it("top-level functions open a connection per call; a shared client opens one for 100 calls", async () => {
    const s = await serve(httpServer((_req, res) => res.end("ok")));
    for (let i = 0; i < 10; i++) expect(await (await get(s.url())).text()).toBe("ok");
    expect(s.accepted).toBe(10);
    const before = s.accepted;
    const c = client();
    for (let i = 0; i < 100; i++) await c.get(s.url());
    expect(s.accepted - before).toBe(1);
    expect((await post(s.url(), { json: 1 })).status).toBe(200);
  });
});

describe("timeouts and cancellation", () => {
  it("per-request timeouts override the client's", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("slow"), 300)));
    const c = client({ timeout: 100 });
    const err = await c.get(s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadTimeout);
    expect((err as Error).message).toMatch(new RegExp(`GET ${s.url()}.*read head`));
    expect(await (await c.get(s.url(), { timeout: { read: 2000 } })).text()).toBe("slow");
  });

  it("a body the server never reads fails with WriteTimeout once writing makes no progress for the write timeout", async () => {
    // The server takes the head and then reads nothing: the socket's buffers fill and the write stalls.
    const s = await serve(rawServer((socket) => socket.pause()));
    const c = client({ timeout: { connect: 2000, read: 2000, write: 200, pool: 2000 } });
    async function* endless() {
      for (;;) yield Buffer.alloc(64 * 1024, "w");
    }
    const err = await c.post(s.url("/upload"), { content: endless() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteTimeout);
    expect((err as WriteTimeout).phase).toBe("write");
    expect((err as Error).message).toMatch(new RegExp(`^write made no progress for 200 ms .*POST ${s.url("/upload")}`));
    expect(c.stats().connections).toBe(0);
  });

  it("a Request built by hand carries its timeouts in extensions, as in httpx", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("slow"), 300)));
    const c = client();
    const timeout = { connect: 1000, read: 100, write: 1000, pool: 1000 };
    const err = await c.send(new Request("GET", s.url(), { extensions: { timeout } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadTimeout);
    expect((err as Error).message).toContain(`GET ${s.url()}`);
  });

  it("an AbortSignal aborts with AbortError carrying the reason; the connection is dropped", async () => {
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("late"), 500)));
    const c = client();
    const ac = new AbortController();
    setTimeout(() => ac.abort("enough"), 50);
    const err = await c.get(s.url(), { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).name).toBe("AbortError");
    expect((err as Error).cause).toBe("enough");
    expect(c.stats().connections).toBe(0);
  });

  it("keeps the system error as cause", async () => {
    const s = await serve(httpServer(() => {}));
    const port = s.port;
    await s.close();
    const err = await client().get(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect((err as Error).message).toContain(`GET http://127.0.0.1:${port}/`);
  });

  it("retries connecting when asked to", async () => {
    let attempts = 0;
    const c = client({ transport: new HTTPTransport({ retries: 2, trace: (e) => e.type === "connection:opened" && attempts++ }) });
    await expect(c.get("http://127.0.0.1:1/")).rejects.toBeInstanceOf(ConnectError);
    expect(attempts).toBe(3);
  });
});

describe("redirects", () => {
  async function redirector(): Promise<TestServer> {
    return serve(echo().then(async (target) => {
      defer(() => target.close());
      const s = await httpServer((req, res) => {
        const [, code, rest] = /^\/(\d{3})(.*)$/.exec(req.url!) ?? [];
        if (code) {
          req.resume();
          res.writeHead(Number(code), { location: rest === "/cross" ? target.url("/landed") : rest === "/ftp" ? "ftp://x/" : rest || "/done" });
          return res.end("redirect body");
        }
        if (req.url === "/loop") {
          res.writeHead(302, { location: "/loop" });
          return res.end();
        }
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })));
      });
      return s;
    }));
  }

  it("are not followed by default", async () => {
    const s = await redirector();
    const r = await client().get(s.url("/302"));
    expect(r.status).toBe(302);
    expect(r.isRedirect).toBe(true);
  });

  it("301/302/303 turn a POST into a body-less GET; 307/308 keep method and body", async () => {
    const s = await redirector();
    const c = client({ followRedirects: true });
    for (const code of [301, 302, 303]) {
      const r = await c.post(s.url(`/${code}`), { content: "payload" });
      expect((await r.json()) as Echo).toMatchObject({ method: "GET", url: "/done", body: "" });
      expect(((await r.json()) as Echo).headers["content-length"]).toBeUndefined();
      expect(r.history.map((h) => h.status)).toEqual([code]);
    }
    for (const code of [307, 308]) {
      const r = await c.post(s.url(`/${code}`), { content: "payload" });
      expect((await r.json()) as Echo).toMatchObject({ method: "POST", url: "/done", body: "payload" });
    }
  });

  it("a streamed body cannot follow a 307", async () => {
    const s = await redirector();
    async function* once() {
      yield new TextEncoder().encode("only once");
    }
    await expect(client({ followRedirects: true }).post(s.url("/307"), { content: once() })).rejects.toBeInstanceOf(StreamConsumed);
  });

  it("crossing origins (another port) drops Authorization and Cookie", async () => {
    const s = await redirector();
    const c = client({ followRedirects: true, auth: { bearer: "secret" } });
    const same = (await (await c.get(s.url("/302"), { headers: { Cookie: "c=1" } })).json()) as Echo;
    expect(same.headers).toMatchObject({ authorization: "Bearer secret", cookie: "c=1" });
    const cross = await c.get(s.url("/302/cross"), { headers: { Cookie: "c=1", "X-Keep": "yes" } });
    const body = (await cross.json()) as Echo;
    expect(body.url).toBe("/landed");
    expect(body.headers.authorization).toBeUndefined();
    expect(body.headers.cookie).toBeUndefined();
    expect(body.headers["x-keep"]).toBe("yes");
  });

  it("refuses non-http locations, loops and too many hops", async () => {
    const s = await redirector();
    const c = client({ followRedirects: true, maxRedirects: 2 });
    await expect(c.get(s.url("/302/ftp"))).rejects.toBeInstanceOf(UnsupportedProtocol);
    await expect(c.get(s.url("/loop"))).rejects.toThrow(/loop/);
    await expect(c.get(s.url("/302/301/302/done"))).rejects.toBeInstanceOf(TooManyRedirects);
    // A loop is seen as a loop on its second visit, long before any maxRedirects would stop it.
    const patient = client({ followRedirects: true, maxRedirects: 50 });
    await expect(patient.get(s.url("/loop"))).rejects.toThrow(/^redirect loop: GET http:\/\/127\.0\.0\.1:\d+\/loop was already requested/);
    expect((await c.get(s.url("/302/301/done"))).status).toBe(200);
  });

  it("can be enabled per request", async () => {
    const s = await redirector();
    const r = await client().get(s.url("/302"), { followRedirects: true });
    expect(r.status).toBe(200);
  });
});

describe("auth, hooks, mounts and MockTransport", () => {
  it("basic, bearer and function auth", async () => {
    const s = await serve(echo());
    const basic = (await (await client({ auth: { username: "user", password: "pa:ss" } }).get(s.url())).json()) as Echo;
    expect(basic.headers.authorization).toBe(`Basic ${Buffer.from("user:pa:ss").toString("base64")}`);
    const fn = (await (await client().get(s.url(), { auth: (req) => (req.headers.set("X-Signed", req.url.pathname), req) })).json()) as Echo;
    expect(fn.headers["x-signed"]).toBe("/");
  });

  it("event hooks see every request and response", async () => {
    const s = await serve(echo());
    const seen: string[] = [];
    const c = client({
      eventHooks: {
        request: [async (req) => void seen.push(`> ${req.method} ${req.url.pathname}`)],
        response: [(res) => void seen.push(`< ${res.status}`)],
      },
    });
    await c.get(s.url("/a"));
    await c.post(s.url("/b"));
    expect(seen).toEqual(["> GET /a", "< 200", "> POST /b", "< 200"]);
  });

  it("headers changed by a hook after the request was built are sent as changed", async () => {
    const s = await serve(echo());
    const c = client({
      headers: { "X-Default": "d" },
      eventHooks: { request: [(req) => void (req.headers.set("X-Hooked", "1"), req.headers.delete("X-Default"))] },
    });
    const body = (await (await c.get(s.url())).json()) as Echo;
    expect(body.headers["x-hooked"]).toBe("1");
    expect(body.headers["x-default"]).toBeUndefined();
    expect(body.headers["user-agent"]).toBe(`wirepool/${VERSION}`);
  });

  it("MockTransport answers without a network, sync or async", async () => {
    const c = client({
      baseURL: "https://api.test",
      transport: new MockTransport(async (req) => {
        const body = new TextDecoder().decode(await req.read());
        return new Response(req.url.pathname === "/missing" ? 404 : 200, { json: { path: req.url.pathname, body } });
      }),
    });
    const r = await c.post("/x", { json: { hello: 1 } });
    expect(await r.json()).toEqual({ path: "/x", body: '{"hello":1}' });
    expect(r.request?.url.href).toBe("https://api.test/x");
    expect((await c.get("/missing")).isClientError).toBe(true);
    expect(c.stats().connections).toBe(0);
  });

  it("mounts route origins to their own transports", async () => {
    const s = await serve(echo());
    const c = client({
      mounts: {
        "https://mocked.test": new MockTransport(() => new Response(200, { content: "mocked" })),
        "all://other.test": new MockTransport(() => new Response(418)),
      },
    });
    expect(await (await c.get("https://mocked.test/a")).text()).toBe("mocked");
    expect((await c.get("http://other.test/")).status).toBe(418);
    expect(((await (await c.get(s.url("/real"))).json()) as Echo).url).toBe("/real");
  });

  it("Request and Response can be built by hand", async () => {
    const req = new Request("post", "http://h/p?a=1", { params: { b: 2 }, json: [1] });
    expect(req.method).toBe("POST");
    expect(req.url.href).toBe("http://h/p?a=1&b=2");
    expect(req.headers.get("content-type")).toBe("application/json");
    const res = new Response(404, { content: "nope", headers: { "X-A": "1" } });
    expect(res.reasonPhrase).toBe("Not Found");
    expect(res.headers.get("content-length")).toBe("4");
    expect(await res.text()).toBe("nope");
  });

  it("a closed client refuses new requests", async () => {
    const c = new Client({ transport: new MockTransport(() => new Response(200)) });
    await c.close();
    await expect(c.get("http://h/")).rejects.toThrow(/closed/);
  });
});
