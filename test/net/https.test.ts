/**
 * HTTPS done right, against Node's https/tls servers and nginx's ssl module, with
 * certificates made for the run by `openssl` (test/support/certs.ts): verification
 * on by default, failures in words with Node's error (and its code) as the cause,
 * SNI only for names, ALPN http/1.1, session resumption seen by the server, mutual
 * TLS, and the two wrong-port mistakes.
 */
import https from "node:https";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { Client, ConnectError, ConnectTimeout, get, HTTPTransport, RemoteProtocolError } from "../../src/index.js";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { nginxBinary, startNginx } from "../support/nginx.js";
import { closeServer, httpServer, listenOn, portOf } from "../support/servers.js";

const { defer, serve } = useCleanup();
const certs = testCerts();

interface Seen {
  servername: string | false;
  alpn: string | false;
  reused: boolean;
  peer: string | undefined;
}

/** An https server with `pair` that answers "ok" and records what each connection's TLS looked like. */
async function httpsServer(pair: { cert: string; key: string }, options: tls.TlsOptions = {}): Promise<{ url: (host?: string) => string; seen: Seen[]; port: number }> {
  const seen: Seen[] = [];
  const server = https.createServer({ ...pair, ALPNProtocols: ["http/1.1"], ...options }, (req, res) => {
    res.end("ok");
  });
  server.on("secureConnection", (s: tls.TLSSocket) => {
    const peer = s.getPeerCertificate();
    const cn = peer?.subject?.CN;
    seen.push({ servername: (s as tls.TLSSocket & { servername: string | false }).servername, alpn: s.alpnProtocol ?? false, reused: s.isSessionReused(), peer: Array.isArray(cn) ? cn.join(",") : cn });
  });
  server.on("tlsClientError", () => {});
  const port = await listenOn(server);
  defer(() => closeServer(server));
  return { url: (host = "localhost") => `https://${host}:${port}/`, seen, port };
}

/** `openssl s_server` demanding a client certificate from the test CA (TLS 1.2, so the refusal is a handshake alert). */
async function opensslServer(): Promise<{ url: string }> {
  const { freePort } = await import("../support/nginx.js");
  const { spawn } = await import("node:child_process");
  const port = await freePort();
  const child = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certs.valid.certFile, "-key", certs.valid.keyFile, "-CAfile", certs.caFile, "-Verify", "1", "-verify_return_error", "-tls1_2", "-www", "-quiet"], { stdio: "ignore" });
  defer(() => void child.kill("SIGKILL"));
  const net = await import("node:net");
  const { eventually } = await import("../support/servers.js");
  let up = false;
  await eventually(() => {
    const s = net.connect(port, "127.0.0.1", () => ((up = true), s.destroy()));
    s.on("error", () => {});
    return up;
  }, 5000);
  return { url: `https://localhost:${port}/` };
}

function client(options: ConstructorParameters<typeof HTTPTransport>[0] = {}): Client {
  const c = new Client({ transport: new HTTPTransport({ trustEnv: false, ...options }), timeout: 3000 });
  defer(() => c.close());
  return c;
}

async function failure(c: Client, url: string): Promise<ConnectError & { cause: NodeJS.ErrnoException }> {
  const err = await c.get(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError & { cause: NodeJS.ErrnoException };
}

describe("HTTPS: verification and its failures", () => {
  it("a certificate from a CA given in tls.ca is trusted; SNI carries the name and ALPN says http/1.1", async () => {
    const s = await httpsServer(certs.valid);
    const c = client({ tls: { ca: certs.ca } });
    const res = await c.get(s.url());
    expect(await res.text()).toBe("ok");
    expect(s.seen).toEqual([{ servername: "localhost", alpn: "http/1.1", reused: false, peer: undefined }]);
  });

  it("no SNI for an IP literal (RFC 6066), and IPv6 literal URLs work end to end", async () => {
    const s = await httpsServer(certs.valid);
    const c = client({ tls: { ca: certs.ca } });
    expect(await (await c.get(s.url("127.0.0.1"))).text()).toBe("ok");
    expect(s.seen[0]!.servername).toBe(false);
    const v6 = https.createServer(certs.valid, (_req, res) => res.end("six"));
    await listenOn(v6, "::1");
    defer(() => closeServer(v6));
    const res = await c.get(`https://[::1]:${portOf(v6)}/`);
    expect(await res.text()).toBe("six");
  });

  it("verification is on by default: a CA we were not given is an unknown issuer", async () => {
    const s = await httpsServer(certs.valid);
    const err = await failure(client(), s.url());
    expect(err.cause.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(err.message).toMatch(/^the server's certificate for localhost was issued by an unknown authority \(pass its CA in tls\.ca or SSL_CERT_FILE\) \(GET https:\/\/localhost:\d+\/, during connect\)$/);
  });

  it.each([
    ["expired", "CERT_HAS_EXPIRED", /certificate for localhost has expired/],
    ["notYetValid", "CERT_NOT_YET_VALID", /certificate for localhost is not yet valid/],
    ["wrongHost", "ERR_TLS_CERT_ALTNAME_INVALID", /certificate is not valid for the host name localhost/],
    ["selfSigned", "DEPTH_ZERO_SELF_SIGNED_CERT", /certificate for localhost is self-signed/],
  ] as const)("a %s certificate: ConnectError in words, Node's %s as the cause", async (which, code, words) => {
    const s = await httpsServer(certs[which]);
    const err = await failure(client({ tls: { ca: certs.ca } }), s.url());
    expect(err.cause.code).toBe(code);
    expect(err.message).toMatch(words);
    expect(err.phase).toBe("connect");
  });

  it("verify: false accepts a self-signed certificate (a Client's, and a one-shot call's)", async () => {
    const s = await httpsServer(certs.selfSigned);
    expect(await (await client({ verify: false }).get(s.url())).text()).toBe("ok");
    expect(await (await get(s.url(), { verify: false, trustEnv: false })).text()).toBe("ok");
    await expect(get(s.url(), { trustEnv: false })).rejects.toBeInstanceOf(ConnectError);
  });

  it("SSL_CERT_DIR adds the CAs of a directory (OpenSSL's hashed names or .pem), skipping what it cannot read", async () => {
    const s = await httpsServer(certs.valid);
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cadir-"));
    fs.writeFileSync(path.join(dir, "test-ca.pem"), certs.ca);
    fs.symlinkSync(path.join(dir, "gone.pem"), path.join(dir, "0badc0de.0")); // a dangling link
    const saved = { file: process.env.SSL_CERT_FILE, dir: process.env.SSL_CERT_DIR };
    delete process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_DIR = dir;
    try {
      const trusting = new Client({ timeout: 3000 });
      defer(() => trusting.close());
      expect(await (await trusting.get(s.url())).text()).toBe("ok");
    } finally {
      for (const [name, value] of [["SSL_CERT_FILE", saved.file], ["SSL_CERT_DIR", saved.dir]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("SSL_CERT_FILE adds a CA to Node's store (with trustEnv), and is ignored without it", async () => {
    const s = await httpsServer(certs.valid);
    const before = process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_FILE = certs.caFile;
    try {
      const trusting = new Client({ timeout: 3000 });
      defer(() => trusting.close());
      expect(await (await trusting.get(s.url())).text()).toBe("ok");
      expect((await failure(client({ trustEnv: false }), s.url())).cause.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    } finally {
      if (before === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = before;
    }
  });
});

describe("HTTPS: connections", () => {
  it("the second connection to an origin resumes the first one's TLS session (seen by the server)", async () => {
    const s = await httpsServer(certs.valid);
    const c = client({ tls: { ca: certs.ca } });
    await c.get(s.url());
    // Two at once: one takes the idle connection, the other needs a new one.
    await Promise.all([c.get(s.url()), c.get(s.url())]);
    expect(s.seen.map((x) => x.reused)).toEqual([false, true]);
    expect(c.stats().totals.opened).toBe(2);
  });

  it("mutual TLS: no client certificate is refused in words, tls.cert/tls.key are accepted", async () => {
    const s = await httpsServer(certs.valid, { requestCert: true, rejectUnauthorized: true, ca: certs.ca });
    const err = await failure(client({ tls: { ca: certs.ca } }), s.url());
    expect(err.message).toMatch(/requires a client certificate/);
    expect(err.cause.code).toMatch(/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/);
    // A certificate the server's CA did not issue: refused, said so.
    const stranger = await failure(client({ tls: { ca: certs.ca, cert: certs.selfSigned.cert, key: certs.selfSigned.key } }), s.url());
    // Node's server (TLS 1.3) refuses it by closing after the handshake, without an alert.
    expect(stranger.message).toMatch(/^the server localhost closed the connection right after the TLS handshake, before any answer: it probably refused our client certificate/);
    // Over TLS 1.2 the refusal comes inside the handshake: Node's server hangs up...
    const s12 = await httpsServer(certs.valid, { requestCert: true, rejectUnauthorized: true, ca: certs.ca, maxVersion: "TLSv1.2" });
    const hungUp = await failure(client({ tls: { ca: certs.ca, cert: certs.selfSigned.cert, key: certs.selfSigned.key } }), s12.url());
    expect(hungUp.message).toMatch(/^the server localhost closed the connection during the TLS handshake: it probably refused our client certificate/);
    // ...and OpenSSL's own server sends an alert, which is said in words.
    const alerted = await failure(client({ tls: { ca: certs.ca, cert: certs.selfSigned.cert, key: certs.selfSigned.key } }), (await opensslServer()).url);
    expect(alerted.message).toMatch(/^the server localhost refused our client certificate/);
    expect(alerted.cause.code).toMatch(/^ERR_SSL_/);
    const res = await client({ tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key } }).get(s.url());
    expect(await res.text()).toBe("ok");
    expect(s.seen.at(-1)!.peer).toBe("client");
  });

  it("https:// to a plain HTTP port fails with a clear ConnectError, never hangs", async () => {
    const plain = await serve(httpServer((_req, res) => res.end("plain")));
    const err = await failure(client(), `https://127.0.0.1:${plain.port}/`);
    expect(err.message).toMatch(/did not answer in TLS: is it plain HTTP on this port\?/);
    // A server that says nothing at all to a ClientHello: the connect timeout, naming the handshake.
    const { rawServer } = await import("../support/servers.js");
    const silent = await serve(rawServer(() => {}));
    const c = new Client({ transport: new HTTPTransport({ trustEnv: false }), timeout: { connect: 300 } });
    defer(() => c.close());
    const slow = await c.get(`https://127.0.0.1:${silent.port}/`).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(ConnectTimeout);
    expect((slow as Error).message).toMatch(/^TLS handshake timed out after 300 ms/);
  });

  it("http:// to a TLS port fails with a clear protocol error", async () => {
    // Node's TLS server closes without a word (ERR_SSL_HTTP_REQUEST on its side).
    const s = await httpsServer(certs.valid);
    const err = await client().get(`http://127.0.0.1:${s.port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as Error).message).toMatch(/^INCOMPLETE_RESPONSE: the server closed the connection before sending a response/);
    // Servers that answer with a TLS alert record: named as such.
    const { rawServer } = await import("../support/servers.js");
    const alerting = await serve(rawServer((socket) => socket.once("data", () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])))));
    const named = await client().get(`http://127.0.0.1:${alerting.port}/`).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(RemoteProtocolError);
    expect((named as RemoteProtocolError).code).toBe("TLS_RESPONSE");
    expect((named as Error).message).toMatch(/^TLS_RESPONSE: the server answered in TLS: is this an https:\/\/ port\?/);
  });
});

describe.skipIf(nginxBinary() === undefined)("HTTPS against nginx's ssl module", () => {
  it("verifies, resumes the session on the second connection, and reuses connections", async () => {
    const nginx = await startNginx({
      http: "ssl_session_cache shared:wp:1m;",
      servers: [`location /reused { add_header X-Reused $ssl_session_reused always; return 200 "ok"; }`],
      tls: { cert: certs.valid.certFile, key: certs.valid.keyFile },
    });
    defer(() => nginx.stop());
    const url = nginx.origins[0]!.replace("https://127.0.0.1", "https://localhost") + "/reused";
    const c = client({ tls: { ca: certs.ca } });
    const first = await c.get(url);
    expect(first.headers.get("x-reused")).toBe(".");
    const [a, b] = await Promise.all([c.get(url), c.get(url)]);
    expect([a.headers.get("x-reused"), b.headers.get("x-reused")].sort()).toEqual([".", "r"]);
    expect(c.stats().totals).toMatchObject({ opened: 2, reused: 1 });
  });
});
