/**
 * Proxies, against real ones: squid (absolute-form and CONNECT, with and without
 * basic auth) and microsocks (SOCKS5, with and without a username and password),
 * plus small proxies written here for the failures real ones rarely show. Each
 * check looks at what the proxy and the target each received: squid's access log,
 * the target's own record of every request head.
 */
import type http from "node:http";
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, ConnectError, HTTPTransport, type PoolEvent, ProxyError } from "../../src/index.js";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { hasMicrosocks, hasSquid, type RunningProxy, type Squid, startMicrosocks, startSquid } from "../support/proxies.js";
import { closeServer, httpServer, listenOn, portOf, rawServer, type TestServer } from "../support/servers.js";

const { defer, serve } = useCleanup();
const certs = testCerts();
const USER = "alice";
const PASSWORD = "p@ss w:rd"; // needs percent-encoding in a URL: checks the decoding
const ENCODED = encodeURIComponent(PASSWORD);

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A plain target that answers with its own name and records every request head. */
async function target(name = "target"): Promise<TestServer & { received: Received[] }> {
  const received: Received[] = [];
  const s = await serve(
    httpServer((req, res) => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers });
      res.end(`${name} ${req.url}`);
    }),
  );
  return Object.assign(s, { received });
}

/** An https target (certificate for localhost from the test CA) that records request heads and SNI. */
async function tlsTarget(): Promise<{ url: (path?: string) => string; received: Received[]; sni: (string | false)[] }> {
  const received: Received[] = [];
  const sni: (string | false)[] = [];
  const server = https.createServer(certs.valid, (req, res) => {
    received.push({ method: req.method!, url: req.url!, headers: req.headers });
    res.end(`secure ${req.url}`);
  });
  server.on("secureConnection", (s) => sni.push((s as unknown as { servername: string | false }).servername));
  const port = await listenOn(server);
  defer(() => closeServer(server));
  return { url: (path = "/") => `https://localhost:${port}${path}`, received, sni };
}

function client(options: ConstructorParameters<typeof HTTPTransport>[0], events?: PoolEvent[]): Client {
  const transport = new HTTPTransport({ trustEnv: false, tls: { ca: certs.ca }, ...options, ...(events ? { trace: (e: PoolEvent) => void events.push(e) } : {}) });
  const c = new Client({ transport, timeout: 5000 });
  defer(() => c.close());
  return c;
}

const withCredentials = (proxy: { url: string }, user = USER, password = ENCODED): string => proxy.url.replace("://", `://${user}:${password}@`);

describe.skipIf(!hasSquid())("through squid", () => {
  let squid: Squid;
  beforeAll(async () => {
    squid = await startSquid();
  });
  afterAll(() => squid.stop());

  it("http:// targets go in absolute-form on the proxy's connections, shared by every target", async () => {
    const a = await target("a");
    const b = await target("b");
    const events: PoolEvent[] = [];
    const c = client({ proxy: squid.url }, events);
    expect(await (await c.get(a.url("/one?x=1"))).text()).toBe("a /one?x=1");
    expect(await (await c.get(b.url("/two"))).text()).toBe("b /two");
    expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${a.port}/one\\?x=1 200 -$`))).toBeTruthy();
    expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${b.port}/two 200 -$`))).toBeTruthy();
    // Squid forwarded origin-form requests with the right Host.
    expect(a.received[0]).toMatchObject({ url: "/one?x=1", headers: { host: `127.0.0.1:${a.port}` } });
    const key = `http://127.0.0.1:${squid.port} (forward proxy)`;
    expect(c.stats().totals).toMatchObject({ opened: 1, reused: 1 });
    expect(Object.keys(c.stats().origins)).toEqual([key]);
    expect(events.find((e) => e.type === "connection:opened")).toMatchObject({ origin: key, proxy: `http://127.0.0.1:${squid.port}`, tunnel: false });
  });

  it("https:// targets go through a CONNECT tunnel, then TLS to the target inside it (SNI and verification as direct)", async () => {
    const t = await tlsTarget();
    const events: PoolEvent[] = [];
    const c = client({ proxy: squid.url }, events);
    expect(await (await c.get(t.url("/s"))).text()).toBe("secure /s");
    expect(await (await c.get(t.url("/again"))).text()).toBe("secure /again");
    const port = new URL(t.url()).port;
    expect(t.sni).toEqual(["localhost"]); // one tunnel, reused
    const key = `https://localhost:${port} via http://127.0.0.1:${squid.port}`;
    expect(c.stats().origins[key]).toMatchObject({ connections: 1, idle: 1 });
    expect(events.find((e) => e.type === "connection:opened")).toMatchObject({ origin: key, tunnel: true });
    await c.close(); // squid logs a CONNECT when its tunnel ends
    expect(await squid.logged(new RegExp(`^CONNECT localhost:${port} 200 -$`))).toBeTruthy();
    // Verification applies inside the tunnel: without our CA the target is refused.
    const strict = client({ proxy: squid.url, tls: {} });
    const err = await strict.get(t.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/unknown authority/);
  });

  it("a tunnel counts against its target's per-host limit", async () => {
    const t = await tlsTarget();
    const c = client({ proxy: squid.url, limits: { maxConnectionsPerHost: 1 } });
    const all = await Promise.all([1, 2, 3].map((i) => c.get(t.url(`/${i}`)).then((r) => r.text())));
    expect(all).toEqual(["secure /1", "secure /2", "secure /3"]);
    expect(c.stats().totals.opened).toBe(1);
  });

  it("a CONNECT squid refuses (a port nobody listens on) is a ProxyError naming the status", async () => {
    const c = client({ proxy: squid.url });
    const err = await c.get("https://127.0.0.1:1/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as Error).message).toMatch(new RegExp(`^the proxy http://127\\.0\\.0\\.1:${squid.port} answered CONNECT 127\\.0\\.0\\.1:1 with 503 .*: the proxy could not reach 127\\.0\\.0\\.1:1 \\(GET https://127\\.0\\.0\\.1:1/, during connect\\)$`));
  });
});

describe.skipIf(!hasSquid())("through squid with basic auth", () => {
  let squid: Squid;
  beforeAll(async () => {
    squid = await startSquid({ user: USER, password: PASSWORD });
  });
  afterAll(() => squid.stop());

  it("credentials from the URL (percent-decoded) reach the proxy, never the target", async () => {
    const t = await target();
    const s = await tlsTarget();
    const c = client({ proxy: withCredentials(squid) });
    expect((await c.get(t.url("/plain"))).status).toBe(200);
    expect((await c.get(s.url("/tunnel"))).status).toBe(200);
    await c.close(); // squid logs a CONNECT when its tunnel ends
    expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${t.port}/plain 200 alice$`))).toBeTruthy();
    expect(await squid.logged(/^CONNECT localhost:\d+ 200 alice$/)).toBeTruthy();
    expect(t.received[0]!.headers["proxy-authorization"]).toBeUndefined();
    expect(s.received[0]!.headers["proxy-authorization"]).toBeUndefined();
  });

  it("without credentials: a 407 response for http://, a ProxyError for the tunnel; neither names the secret", async () => {
    const t = await target();
    const s = await tlsTarget();
    const c = client({ proxy: squid.url });
    expect((await c.get(t.url())).status).toBe(407);
    const err = await c.get(s.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as Error).message).toMatch(/answered CONNECT localhost:\d+ with 407 .*: proxy authentication required \(no credentials were given/);
    const wrong = await client({ proxy: withCredentials(squid, USER, "wrong-secret") }).get(s.url()).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/proxy authentication required \(the credentials given were refused\)/);
    expect((wrong as Error).message).not.toContain("wrong-secret");
  });

  it("proxy credentials never follow a redirect to the target", async () => {
    const to = await target("final");
    const from = await serve(httpServer((_req, res) => (res.writeHead(302, { location: to.url("/landed") }), res.end())));
    const c = new Client({ transport: new HTTPTransport({ trustEnv: false, proxy: withCredentials(squid) }), followRedirects: true, timeout: 5000 });
    defer(() => c.close());
    const res = await c.get(from.url("/start"));
    expect(await res.text()).toBe("final /landed");
    expect(to.received[0]!.headers["proxy-authorization"]).toBeUndefined();
    expect(to.received[0]!.headers.authorization).toBeUndefined();
  });
});

describe.skipIf(!hasSquid())("through squid over TLS (an https:// proxy)", () => {
  let squid: Squid;
  beforeAll(async () => {
    squid = await startSquid(undefined, { cert: certs.valid.certFile, key: certs.valid.keyFile });
  });
  afterAll(() => squid.stop());

  it("TLS to the proxy itself, then absolute-form for http:// and TLS inside the TLS tunnel for https://", async () => {
    const t = await target();
    const s = await tlsTarget();
    const events: PoolEvent[] = [];
    const c = client({ proxy: squid.url }, events);
    expect(await (await c.get(t.url("/over-tls"))).text()).toBe("target /over-tls");
    expect(await (await c.get(s.url("/inside"))).text()).toBe("secure /inside");
    expect(s.sni).toEqual(["localhost"]);
    expect(events.filter((e) => e.type === "connection:opened").map((e) => e.origin)).toEqual([
      `http://localhost:${squid.port} (forward proxy)`.replace("http://", "https://"),
      `https://localhost:${new URL(s.url()).port} via https://localhost:${squid.port}`,
    ]);
    expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${t.port}/over-tls 200 -$`))).toBeTruthy();
  });

  it("the proxy's certificate is verified like any server's", async () => {
    const t = await target();
    const c = client({ proxy: squid.url, tls: {} });
    const err = await c.get(t.url()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/^the proxy's certificate for localhost was issued by an unknown authority/);
  });
});

describe.skipIf(!hasSquid())("proxies from the environment", () => {
  let squid: Squid;
  beforeAll(async () => {
    squid = await startSquid();
  });
  afterAll(() => squid.stop());

  /** Runs `fn` with these variables set (and every other proxy variable unset), then restores them. */
  async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
    const names = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    for (const n of names) delete process.env[n];
    Object.assign(process.env, vars);
    try {
      await fn();
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  }

  it("HTTP_PROXY is used, NO_PROXY is honoured per hop, and proxy: null turns both off", async () => {
    const viaProxy = await target("proxied");
    const direct = await target("direct");
    // The redirect goes from a proxied origin to one NO_PROXY names: that hop goes direct.
    const hop = await serve(httpServer((_req, res) => (res.writeHead(302, { location: `http://localhost:${direct.port}/after` }), res.end())));
    await withEnv({ HTTP_PROXY: `127.0.0.1:${squid.port}`, NO_PROXY: "localhost, .example.org" }, async () => {
      const c = new Client({ followRedirects: true, timeout: 5000 });
      defer(() => c.close());
      expect(await (await c.get(viaProxy.url("/env"))).text()).toBe("proxied /env");
      expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${viaProxy.port}/env 200`))).toBeTruthy();
      expect(await (await c.get(hop.url("/go"))).text()).toBe("direct /after");
      expect(await squid.logged(new RegExp(`^GET http://127\\.0\\.0\\.1:${hop.port}/go 302`))).toBeTruthy();
      expect(squid.log().some((l) => l.includes(`:${direct.port}/`))).toBe(false);
      expect(direct.received).toHaveLength(1);

      const off = new Client({ proxy: null, timeout: 5000 });
      defer(() => off.close());
      const before = squid.log().length;
      expect(await (await off.get(viaProxy.url("/no-env"))).text()).toBe("proxied /no-env");
      const noTrust = new Client({ trustEnv: false, timeout: 5000 });
      defer(() => noTrust.close());
      expect((await noTrust.get(viaProxy.url("/no-trust"))).status).toBe(200);
      expect(viaProxy.received.map((r) => r.url)).toEqual(["/env", "/no-env", "/no-trust"]);
      expect(squid.log().length).toBe(before);
    });
  });

  it("an explicit proxy wins over the environment", async () => {
    const t = await target();
    await withEnv({ HTTP_PROXY: "http://127.0.0.1:1" }, async () => {
      const c = new Client({ proxy: squid.url, timeout: 5000 });
      defer(() => c.close());
      expect((await c.get(t.url("/explicit"))).status).toBe(200);
      expect(await squid.logged(/\/explicit 200/)).toBeTruthy();
    });
  });
});

describe.skipIf(!hasMicrosocks())("through SOCKS5 (microsocks)", () => {
  let open: RunningProxy;
  let authed: RunningProxy;
  beforeAll(async () => {
    [open, authed] = await Promise.all([startMicrosocks(), startMicrosocks({ user: USER, password: "s3cret" })]);
  });
  afterAll(() => Promise.all([open.stop(), authed.stop()]));

  it("http:// and https:// targets through socks5:// (resolved here) and socks5h:// (resolved by the proxy)", async () => {
    const t = await target();
    const s = await tlsTarget();
    for (const scheme of ["socks5", "socks5h"]) {
      const events: PoolEvent[] = [];
      const c = client({ proxy: open.url.replace("socks5", scheme) }, events);
      expect(await (await c.get(`http://localhost:${t.port}/${scheme}`)).text()).toBe(`target /${scheme}`);
      expect(await (await c.get(s.url(`/${scheme}`))).text()).toBe(`secure /${scheme}`);
      expect(await (await c.get(s.url("/reused"))).text()).toBe("secure /reused");
      expect(c.stats().totals).toMatchObject({ opened: 2, reused: 1 });
      expect(events.filter((e) => e.type === "connection:opened").map((e) => e.origin)).toEqual([
        `http://localhost:${t.port} via ${scheme}://127.0.0.1:${open.port}`,
        `https://localhost:${new URL(s.url()).port} via ${scheme}://127.0.0.1:${open.port}`,
      ]);
    }
    expect(s.sni).toEqual(["localhost", "localhost"]);
  });

  it("username and password (RFC 1929): accepted, refused, or missing, each said in words", async () => {
    const t = await target();
    const ok = client({ proxy: `socks5://${USER}:s3cret@127.0.0.1:${authed.port}` });
    expect((await ok.get(t.url("/authed"))).status).toBe(200);
    const bad = await client({ proxy: `socks5://${USER}:nope@127.0.0.1:${authed.port}` }).get(t.url()).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ProxyError);
    expect((bad as Error).message).toMatch(/^the SOCKS proxy socks5:\/\/127\.0\.0\.1:\d+ rejected the username and password: authentication failed/);
    expect((bad as Error).message).not.toContain("nope");
    const none = await client({ proxy: authed.url }).get(t.url()).catch((e: unknown) => e);
    expect((none as Error).message).toMatch(/requires authentication/);
  });

  it("a destination that refuses: the reply code in words", async () => {
    const err = await client({ proxy: open.url }).get("http://127.0.0.1:1/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as Error).message).toMatch(/^the SOCKS proxy socks5:\/\/127\.0\.0\.1:\d+ could not connect to 127\.0\.0\.1:1: connection refused by destination \(GET http:\/\/127\.0\.0\.1:1\/, during connect\)$/);
  });
});

describe("proxies that fail (written here)", () => {
  /** A proxy that answers CONNECT with `reply` (or does what `onConnect` says). */
  async function fakeProxy(onConnect: (socket: import("node:net").Socket) => void): Promise<string> {
    const s = await serve(rawServer((socket) => socket.once("data", () => onConnect(socket))));
    return `http://127.0.0.1:${s.port}`;
  }

  it("502 to CONNECT: a ProxyError saying the proxy could not reach the target", async () => {
    const proxy = await fakeProxy((s) => s.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"));
    const err = await client({ proxy }).get("https://example.test/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as Error).message).toMatch(/answered CONNECT example\.test:443 with 502 Bad Gateway: the proxy could not reach example\.test:443/);
  });

  it("a proxy that closes before its reply, or inside the tunnel during TLS: errors naming the step", async () => {
    const early = await fakeProxy((s) => s.destroy());
    const e1 = await client({ proxy: early }).get("https://example.test/").catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ProxyError);
    expect((e1 as Error).message).toMatch(/closed the connection before the tunnel to example\.test:443 was open/);
    const midTunnel = await fakeProxy((s) => {
      s.write("HTTP/1.1 200 Connection established\r\n\r\n");
      s.once("data", () => s.destroy()); // the ClientHello arrives; the tunnel dies
    });
    const e2 = await client({ proxy: midTunnel }).get("https://example.test/").catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ConnectError);
    expect((e2 as Error).message).toMatch(/the TLS handshake with example\.test failed/);
  });

  it("a proxy that never answers CONNECT: the connect timeout names the tunnel", async () => {
    const silent = await fakeProxy(() => {});
    const c = new Client({ transport: new HTTPTransport({ trustEnv: false, proxy: silent }), timeout: { connect: 200 } });
    defer(() => c.close());
    const err = await c.get("https://example.test/").catch((e: unknown) => e);
    expect((err as Error).name).toBe("ConnectTimeout");
    expect((err as Error).message).toMatch(/^the proxy http:\/\/127\.0\.0\.1:\d+ did not open the tunnel within 200 ms/);
  });

  it("a proxy URL's password never shows in an error", async () => {
    const err = await client({ proxy: "http://bob:hunter2@127.0.0.1:1" }).get("http://example.test/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/could not connect to the proxy http:\/\/127\.0\.0\.1:1/);
    expect(String((err as Error).message)).not.toContain("hunter2");
  });

  it("options: socketPath with a proxy, an unknown scheme, and proxy settings beside a transport are refused", () => {
    expect(() => new HTTPTransport({ socketPath: "/tmp/x.sock", proxy: "http://p:1" })).toThrow(/socketPath and proxy cannot be combined/);
    expect(() => new HTTPTransport({ proxy: "ftp://p:1" })).toThrow(/unsupported proxy scheme "ftp:"/);
    expect(() => new Client({ proxy: "http://p:1", verify: false, transport: new HTTPTransport() })).toThrow(
      /new Client\(\): `verify`, `proxy` belong to the transport, and a `transport` was given/,
    );
  });
});
