/**
 * What a new user, porting httpx habits, runs into in the first hour: each test
 * here failed before its fix (the packaging ones live in .ci/consume.sh).
 */
import { acceptEncoding } from "../../src/transport/content-decoding.js";
import { describe, expect, it } from "vitest";
import * as wirepool from "../../src/index.js";
import { VERSION } from "../../src/version.js";
import { Client, ConnectTimeout, DecodingError, get, HTTPStatusError, HTTPTransport, InvalidURL, RemoteProtocolError, Request, StreamClosed } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { httpServer, onRequests, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();
function client(options: ConstructorParameters<typeof Client>[0] = {}): Client {
  const c = new Client(options);
  defer(() => c.close());
  return c;
}

describe("error texts", () => {
  it("every error class has its name as a string of its own, so a minifier cannot change it", () => {
    const classes = Object.entries(wirepool).filter(([, v]) => typeof v === "function" && v.prototype instanceof Error) as [string, { prototype: Error }][];
    expect(classes.length).toBeGreaterThan(25);
    for (const [exported, cls] of classes) {
      expect(Object.getOwnPropertyDescriptor(cls.prototype, "name")?.value, exported).toBe(exported);
    }
  });

  it("HTTPStatusError names the request once and holds the Response itself", async () => {
    const s = await serve(httpServer((_req, res) => {
      res.statusCode = 404;
      res.setHeader("x-why", "gone");
      res.end("not here");
    }));
    const res = await client().get(s.url("/missing"));
    const err = (() => {
      try {
        res.raiseForStatus();
      } catch (e) {
        return e as HTTPStatusError;
      }
    })()!;
    expect(err).toBeInstanceOf(HTTPStatusError);
    expect(err.message).toBe(`Client error '404 Not Found' (GET ${s.url("/missing")})`);
    expect(err.response.headers.get("x-why")).toBe("gone");
    expect(await err.response.text()).toBe("not here");
  });

  it("a body cut short says how much of it came", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly nine"))));
    const err = await client().get(s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as Error).message).toBe(`INCOMPLETE_RESPONSE: the server closed the connection after 9 of 100 body bytes (GET ${s.url()}, during read body)`);
  });

  it("a chunked body cut short says so too", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"))));
    const err = await client().get(s.url()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/before the end of the chunked body, after 5 body bytes/);
  });

  it("res.json() on a body that is not JSON is a DecodingError naming the request, with the SyntaxError as cause", async () => {
    const s = await serve(httpServer((_req, res) => res.end("<html>oops</html>")));
    const res = await client().get(s.url("/api"));
    const err = await res.json().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodingError);
    expect((err as Error).message).toContain(`GET ${s.url("/api")}`);
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe("API surprises", () => {
  /** Echoes what the server saw: method, url and headers. */
  const echo = () => httpServer((req, res) => res.end(JSON.stringify({ url: req.url, headers: req.headers })));

  it("client.headers changed after construction are sent, from the next request on", async () => {
    const s = await serve(echo());
    const c = client({ baseURL: s.origin });
    expect(((await (await c.get("/")).json()) as { headers: Record<string, string> }).headers["user-agent"]).toMatch(/^wirepool\//);
    c.headers.set("User-Agent", "x/2");
    c.headers.set("X-Extra", "1");
    const seen = ((await (await c.get("/")).json()) as { headers: Record<string, string> }).headers;
    expect(seen["user-agent"]).toBe("x/2");
    expect(seen["x-extra"]).toBe("1");
  });

  it("close() does not wait for a streamed response nobody reads; its next read is StreamClosed", async () => {
    const s = await serve(httpServer((_req, res) => {
      res.writeHead(200, { "content-length": String(8 * 1024 * 1024) });
      res.write(Buffer.alloc(1024 * 1024)); // and the rest never comes
    }));
    const c = new Client();
    const res = await c.stream("GET", s.url());
    await c.close();
    expect(c.stats().connections).toBe(0);
    const err = await res.bytes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamClosed);
    expect((err as Error).message).toMatch(/^the response body was closed: the client was closed before it was read to the end/);
  });

  it("credentials in the URL are Basic auth, never userinfo on the wire, and the password is never printed", async () => {
    let head = "";
    const s = await serve(rawServer((socket) => onRequests(socket, (h) => {
      head = h;
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    })));
    const url = `http://alice:s3cr%40t@127.0.0.1:${s.port}/private`;
    await client().get(url);
    expect(head).toContain(`Authorization: Basic ${Buffer.from("alice:s3cr@t").toString("base64")}`);
    expect(head.split("\r\n")[0]).toBe("GET /private HTTP/1.1");
    expect(head).not.toContain("s3cr");
    const request = new Request("GET", url);
    expect(String(request)).toBe(`<Request GET http://alice:[secure]@127.0.0.1:${s.port}/private>`);
    const err = (await client().get(`http://alice:s3cret@127.0.0.1:1/x`).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("http://alice:[secure]@127.0.0.1:1/x");
    expect(err.message).not.toContain("s3cret");
    const bad = (() => {
      try {
        new Request("GET", "http://alice:s3cret@[nope/");
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(bad).toBeInstanceOf(InvalidURL);
    expect(bad.message).not.toContain("s3cret");
  });

  it("an explicit auth option wins over credentials in the URL", async () => {
    const s = await serve(echo());
    const res = await client().get(`http://alice:pw@127.0.0.1:${s.port}/`, { auth: { bearer: "tok" } });
    expect(((await res.json()) as { headers: Record<string, string> }).headers.authorization).toBe("Bearer tok");
  });

  it("client params and request params merge per key, the request's value winning", async () => {
    const s = await serve(echo());
    const c = client({ baseURL: s.origin, params: { key: "abc", keep: "1" } });
    const seen = (await (await c.get("/p?own=x", { params: { key: "override", more: [1, 2] } })).json()) as { url: string };
    expect(seen.url).toBe("/p?own=x&keep=1&key=override&more=1&more=2");
  });

  it("a hand-built Request takes partial timeouts and plain numbers in extensions", async () => {
    // The answer takes a little while, so a timeout left unset (not merged over the default) would fire first.
    const s = await serve(httpServer((_req, res) => setTimeout(() => res.end("ok"), 30)));
    const c = client();
    for (const timeout of [{ connect: 1000 }, { read: 1000 }, 2000, null]) {
      const res = await c.send(new Request("GET", s.url(), { extensions: { timeout } }));
      expect(await res.text()).toBe("ok");
    }
  });

  it("every timeout is checked the same way: a RangeError naming the option", async () => {
    const s = await serve(httpServer((_req, res) => res.end("ok")));
    const c = client();
    for (const [timeout, name] of [[0, "timeout"], [-1, "timeout"], [Number.NaN, "timeout"], [{ read: 0 }, "timeout.read"], [{ pool: -5 }, "timeout.pool"], [{ connect: 2 ** 31 }, "timeout.connect"]] as const) {
      expect(() => new Client({ timeout }), String(timeout)).toThrow(new RegExp(`^${name.replace(".", "\\.")} must be`));
      await expect(c.get(s.url(), { timeout })).rejects.toBeInstanceOf(RangeError);
      await expect(c.send(new Request("GET", s.url(), { extensions: { timeout } }))).rejects.toBeInstanceOf(RangeError);
    }
    expect(() => new Client({ timeout: { reed: 100 } as never })).toThrow(/unknown option "reed".*connect, read, write, pool/);
  });

  it("unknown options are refused with a TypeError that lists the known ones", async () => {
    // httpx's old spelling: the option is `proxy` now (as in httpx 0.28)
    expect(() => new Client({ proxies: "http://127.0.0.1:1" } as never)).toThrow(/new Client\(\): unknown option "proxies"; known options: baseURL, .*proxy/);
    expect(() => new Client({ follow_redirects: true } as never)).toThrow(TypeError);
    expect(() => new HTTPTransport({ timeOut: 5 } as never)).toThrow(/new HTTPTransport\(\): unknown option "timeOut"; known options: limits, verify, tls, proxy/);
    const c = client();
    await expect(c.get("http://127.0.0.1:1/", { timeOut: 5 } as never)).rejects.toThrow(/request options: unknown option "timeOut"/);
    await expect(get("http://127.0.0.1:1/", { follow_redirects: true } as never)).rejects.toThrow(TypeError);
  });

  it("limits with a transport is a TypeError saying where limits go", () => {
    expect(() => new Client({ limits: { maxConnections: 1 }, transport: new HTTPTransport() })).toThrow(/`limits` belongs to the transport.*new HTTPTransport\(\{ limits \}\)/);
  });

  it("a one-shot call leaves open the transport it was handed", async () => {
    const s = await serve(httpServer((_req, res) => res.end("ok")));
    const transport = new HTTPTransport();
    defer(() => transport.close());
    expect((await get(s.url(), { transport })).status).toBe(200);
    expect((await get(s.url(), { transport })).status).toBe(200);
    expect(s.accepted).toBe(1);
  });

  it("a followed redirect whose body comes after its head reuses the connection", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, (head) => {
      if (head.startsWith("GET /from ")) {
        socket.write("HTTP/1.1 302 Found\r\nLocation: /to\r\nContent-Length: 5\r\n\r\n");
        setTimeout(() => socket.write("moved"), 5);
      } else {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    })));
    const c = client({ followRedirects: true });
    const res = await c.get(s.url("/from"));
    expect(await res.text()).toBe("ok");
    expect(res.history.map((r) => r.status)).toEqual([302]);
    expect(c.stats().totals.opened).toBe(1);
    expect(s.accepted).toBe(1);
  });

  it("a stalled TLS handshake says so, not that the connect timed out", async () => {
    const s = await serve(rawServer(() => {})); // accepts TCP, never answers the ClientHello
    const err = await client().get(`https://127.0.0.1:${s.port}/`, { timeout: { connect: 100 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectTimeout);
    expect((err as Error).message).toMatch(/^TLS handshake timed out after 100 ms/);
  });
});

describe("pre-serialized defaults", () => {
  it("a json body sends the defaults and its Content-Type once each, the same bytes as without the shortcut", async () => {
    const heads: string[] = [];
    const s = await serve(rawServer((socket) => onRequests(socket, (h) => {
      heads.push(h);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    })));
    const c = client({ baseURL: s.origin });
    await c.post("/j", { json: { a: 1 } });
    // The same request with the shortcut out of the way: a hook that touches nothing but forces the general path.
    const plain = client({ baseURL: s.origin, eventHooks: { request: [(r) => void r.headers.set("X-Same", "1")] } });
    await plain.post("/j", { json: { a: 1 } });
    const [fast, slow] = heads.map((h) => h.split("\r\n").filter((l) => !l.startsWith("X-Same")));
    expect(fast).toEqual(slow);
    expect(fast!.filter((l) => /^content-type:/i.test(l))).toEqual(["Content-Type: application/json"]);
  });

  it("per-request headers are sent beside the defaults, and one that replaces a default replaces it", async () => {
    const heads: string[] = [];
    const s = await serve(rawServer((socket) => onRequests(socket, (h) => {
      heads.push(h);
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    })));
    const c = client({ baseURL: s.origin, headers: { "X-Default": "d" } });
    await c.get("/a", { headers: { "X-Request-Id": "r1" } });
    await c.get("/b", { headers: { accept: "text/plain", "x-default": "mine" } });
    const lines = heads.map((h) => h.split("\r\n").filter((l) => l.includes(":") && !l.startsWith("Host")).sort());
    const encoding = `Accept-Encoding: ${acceptEncoding()}`;
    expect(lines[0]).toEqual(["Accept: */*", encoding, `User-Agent: wirepool/${VERSION}`, "X-Default: d", "X-Request-Id: r1"].sort());
    expect(lines[1]).toEqual([encoding, `User-Agent: wirepool/${VERSION}`, "accept: text/plain", "x-default: mine"].sort());
    // Bad bytes in a per-request header are refused before anything is sent.
    await expect(c.get("/c", { headers: { "X-Bad": "a\r\nInjected: 1" } })).rejects.toThrow(/invalid character/);
    expect(heads).toHaveLength(2);
  });
});
