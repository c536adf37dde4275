/**
 * Dialing (src/net/dial.ts) on its own, against real listeners: a plain TCP server, a TLS server
 * with a certificate from the test CA, and scripted CONNECT proxies (a raw socket that answers the
 * CONNECT and then pipes to the target, so every step can be made to fail). What a dial reports,
 * which socket it hands over and how its bytes are read, and each failed step in words.
 * test/net/proxy.test.ts runs the same steps against squid and microsocks.
 */
import net from "node:net";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { ConnectError, ProxyError } from "../../src/errors.js";
import { type DialOptions, type Dialed, Dialing } from "../../src/net/dial.js";
import { forwardOrigin, type Origin, originOf, tunnelOrigin } from "../../src/net/origin.js";
import { parseProxy } from "../../src/net/proxy.js";
import { TlsConfig } from "../../src/net/tls-config.js";
import type { TlsOptions } from "../../src/net/types.js";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, rawServer, tlsServer } from "../support/servers.js";

const { defer, serve } = useCleanup();
const certs = testCerts();

interface Dial {
  dialing: Dialing;
  /** Settles with what the dial reported. */
  result: Promise<{ dialed?: Dialed; error?: Error }>;
  /** Chunks handed to the reader. */
  read: Buffer[];
  /** How many times the reader was asked for a buffer. */
  buffers: number;
  reports: number;
}

function dial(origin: Origin, tlsOptions: TlsOptions = { ca: certs.ca }, options: Partial<DialOptions> = {}): Dial {
  let settle!: (r: { dialed?: Dialed; error?: Error }) => void;
  const d: Dial = { read: [], buffers: 0, reports: 0, result: new Promise((r) => (settle = r)), dialing: undefined as never };
  const buffer = Buffer.alloc(64 * 1024);
  d.dialing = new Dialing(
    origin,
    { tls: new TlsConfig(tlsOptions, true), ...options },
    {
      readBuffer: () => {
        d.buffers++;
        return buffer;
      },
      onData: (chunk) => void d.read.push(Buffer.from(chunk)),
    },
    {
      connected: (dialed) => {
        d.reports++;
        defer(() => dialed.socket.destroy());
        settle({ dialed });
      },
      failed: (error) => {
        d.reports++;
        settle({ error });
      },
    },
  );
  defer(() => d.dialing.cancel());
  return d;
}

/**
 * A CONNECT proxy: reads the request head, answers `answer` (default 200), and then pipes the
 * client's socket to 127.0.0.1:`targetPort`. `then(client)` runs after the answer.
 */
async function connectProxy(targetPort: number, script: { answer?: string; then?: (client: net.Socket) => void } = {}) {
  return serve(rawServer((client) => {
    let head = "";
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      client.off("data", onData);
      client.write(script.answer ?? "HTTP/1.1 200 Connection established\r\n\r\n");
      if (script.then !== undefined) return script.then(client);
      const upstream = net.connect(targetPort, "127.0.0.1");
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    };
    client.on("data", onData);
  }));
}

const via = (target: string, proxyPort: number): Origin => tunnelOrigin(originOf(new URL(target)), parseProxy(`http://127.0.0.1:${proxyPort}`, "the test"));

describe("plain TCP", () => {
  it("reports the socket, borrowed: reads go into the reader's buffer, handed over as views of it", async () => {
    const s = await serve(rawServer((socket) => socket.write("hello")));
    const d = dial(originOf(new URL(s.url())));
    const { dialed } = await d.result;
    expect(dialed!.borrowed).toBe(true);
    expect(d.dialing.stage).toBe("done");
    expect(d.dialing.times.tcp).toBeGreaterThan(0);
    expect(d.dialing.times.tls).toBeUndefined();
    await eventually(() => d.read.length > 0);
    expect(Buffer.concat(d.read).toString()).toBe("hello");
    expect(d.buffers).toBeGreaterThan(0);
  });

  it("leaves no listener of its own on the socket it hands over", async () => {
    const s = await serve(rawServer(() => {}));
    const { dialed } = await dial(originOf(new URL(s.url()))).result;
    expect(dialed!.socket.listenerCount("error")).toBe(0);
    expect(dialed!.socket.listenerCount("close")).toBe(0);
  });

  it("after handOver() the bytes are the socket's own 'data', copied out of the buffer the next read reuses", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => (server = socket)));
    const d = dial(originOf(new URL(s.url())));
    const { dialed } = await d.result;
    dialed!.handOver();
    const got: Buffer[] = [];
    dialed!.socket.on("data", (c: Buffer) => got.push(c));
    server.write("one");
    await new Promise<void>((r) => dialed!.socket.once("data", () => r()));
    server.write("two");
    await new Promise<void>((r) => dialed!.socket.once("data", () => r()));
    expect(got.map(String)).toEqual(["one", "two"]); // "one" was not overwritten by the second read
    expect(d.read).toEqual([]);
  });

  it("nobody listening: a ConnectError naming the origin, with Node's error as its cause; reported once", async () => {
    const s = await serve(rawServer(() => {}));
    const port = s.port;
    await s.close();
    const d = dial(originOf(new URL(`http://127.0.0.1:${port}/`)));
    const { error } = await d.result;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.message).toBe(`could not connect to http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect((error!.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect(d.reports).toBe(1);
  });

  it("cancel() while connecting: nothing is reported, ever", async () => {
    const s = await serve(rawServer(() => {}));
    const d = dial(originOf(new URL(s.url())));
    d.dialing.cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(d.reports).toBe(0);
    expect(d.dialing.stage).toBe("done");
  });
});

describe("TLS", () => {
  it("reports once the handshake is done, not borrowed (TLS reads into Node's buffers), with both times", async () => {
    const { port } = await serve(tlsServer({}, (socket) => socket.write("secret")));
    const d = dial(originOf(new URL(`https://localhost:${port}/`)));
    const { dialed } = await d.result;
    expect(dialed!.borrowed).toBe(false);
    expect(d.dialing.times.tcp).toBeGreaterThan(0);
    expect(d.dialing.times.tls).toBeGreaterThanOrEqual(d.dialing.times.tcp!);
    await eventually(() => d.read.length > 0);
    expect(Buffer.concat(d.read).toString()).toBe("secret");
    expect(d.buffers).toBe(0);
  });

  it("after handOver() a TLS socket's bytes stop reaching the reader and wait, paused, for their new owner", async () => {
    let server!: tls.TLSSocket;
    const { port } = await serve(tlsServer({}, (socket) => (server = socket)));
    const d = dial(originOf(new URL(`https://localhost:${port}/`)));
    const { dialed } = await d.result;
    dialed!.handOver();
    expect(dialed!.socket.isPaused()).toBe(true);
    await eventually(() => server !== undefined);
    server.write("for the new owner");
    dialed!.socket.setEncoding("latin1");
    const first = new Promise<string>((r) => dialed!.socket.once("data", r));
    dialed!.socket.resume(); // the new owner reads: the bytes are there, and only for it
    expect(await first).toBe("for the new owner");
    expect(d.read).toEqual([]);
  });

  it("a certificate nobody vouches for: a ConnectError in words, the stage named by the step", async () => {
    const { port } = await serve(tlsServer());
    const { error } = await dial(originOf(new URL(`https://localhost:${port}/`)), {}).result;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.message).toBe("the server's certificate for localhost was issued by an unknown authority (pass its CA in tls.ca or SSL_CERT_FILE)");
    expect((error!.cause as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("a server that hangs up during the handshake: said in words, with the cause", async () => {
    const s = await serve(rawServer((socket) => socket.once("data", () => socket.destroy())));
    const { error } = await dial(originOf(new URL(`https://localhost:${s.port}/`))).result;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.message).toBe("the TLS handshake with localhost failed: Client network socket disconnected before secure TLS connection was established");
    expect((error!.cause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
  });

  it("the same, presenting a client certificate: it probably refused the certificate", async () => {
    const s = await serve(rawServer((socket) => socket.once("data", () => socket.destroy())));
    const { error } = await dial(originOf(new URL(`https://localhost:${s.port}/`)), { ca: certs.ca, cert: certs.client.cert, key: certs.client.key }).result;
    expect(error!.message).toBe("the server localhost closed the connection during the TLS handshake: it probably refused our client certificate");
  });
});

describe("through a CONNECT proxy", () => {
  it("http:// target: the tunnel's socket itself, not borrowed, with what it carries read by the reader", async () => {
    const target = await serve(rawServer((socket) => socket.write("from the target")));
    const proxy = await connectProxy(target.port);
    const d = dial(via(`http://127.0.0.1:${target.port}/`, proxy.port));
    const { dialed } = await d.result;
    expect(dialed!.borrowed).toBe(false);
    await eventually(() => d.read.length > 0);
    expect(Buffer.concat(d.read).toString()).toBe("from the target");
  });

  it("https:// target: TLS inside the tunnel, both times set, the handed-over socket the TLS one", async () => {
    const { port } = await serve(tlsServer({}, (socket) => socket.write("secret")));
    const proxy = await connectProxy(port);
    const d = dial(via(`https://localhost:${port}/`, proxy.port));
    const { dialed } = await d.result;
    expect(dialed!.socket).toBeInstanceOf(tls.TLSSocket);
    expect(d.dialing.times.tls).toBeGreaterThanOrEqual(d.dialing.times.tcp!);
    expect(dialed!.socket.listenerCount("error")).toBe(0);
  });

  it("a forward proxy's connection is plain TCP to the proxy, borrowed", async () => {
    const s = await serve(rawServer(() => {}));
    const { dialed } = await dial(forwardOrigin(parseProxy(`http://127.0.0.1:${s.port}`, "the test"))).result;
    expect(dialed!.borrowed).toBe(true);
  });

  it("bytes through the tunnel before the client spoke: a ProxyError, the tunnel not used", async () => {
    const proxy = await connectProxy(0, { answer: "HTTP/1.1 200 OK\r\n\r\nhello?" });
    const { error } = await dial(via("http://target.test/", proxy.port)).result;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error!.message).toBe(`the tunnel through http://127.0.0.1:${proxy.port} carried 6 bytes before the client spoke`);
  });

  it("the proxy closing before it answers: a ProxyError saying so, naming the target", async () => {
    const proxy = await serve(rawServer((socket) => socket.once("data", () => socket.end())));
    const { error } = await dial(via("http://target.test:8080/", proxy.port)).result;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error!.message).toBe(`the proxy http://127.0.0.1:${proxy.port} closed the connection before the tunnel to target.test:8080 was open`);
  });

  it("the proxy resetting before it answers: a ProxyError with the socket's error", async () => {
    const proxy = await serve(rawServer((socket) => socket.once("data", () => socket.resetAndDestroy())));
    const { error } = await dial(via("http://target.test/", proxy.port)).result;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error!.message).toBe(`the proxy http://127.0.0.1:${proxy.port} failed (read ECONNRESET) before the tunnel to target.test:80 was open`);
    expect((error!.cause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
  });

  it("the tunnel reset during the target's TLS handshake: a ConnectError, reported once, nothing thrown", async () => {
    const proxy = await connectProxy(0, { then: (client) => client.once("data", () => client.resetAndDestroy()) });
    const d = dial(via("https://localhost/", proxy.port));
    const { error } = await d.result;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.message).toMatch(/^the TLS handshake with localhost failed: /);
    expect(d.reports).toBe(1);
  });

  it("cancelled during the target's handshake inside the tunnel, then the tunnel reset: nothing is reported", async () => {
    let proxySide!: net.Socket;
    const proxy = await connectProxy(0, { then: (client) => client.once("data", () => (proxySide = client)) });
    const d = dial(via("https://localhost/", proxy.port));
    await eventually(() => proxySide !== undefined && d.dialing.stage === "tls");
    d.dialing.cancel();
    proxySide.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 30));
    expect(d.reports).toBe(0);
  });

  it("cancelled while the proxy thinks: its late answer is ignored", async () => {
    let answer!: () => void;
    const proxy = await serve(rawServer((socket) => socket.once("data", () => (answer = () => socket.write("HTTP/1.1 200 OK\r\n\r\n")))));
    const d = dial(via("http://target.test/", proxy.port));
    await eventually(() => d.dialing.stage === "tunnel" && answer !== undefined);
    d.dialing.cancel();
    answer();
    await new Promise((r) => setTimeout(r, 30));
    expect(d.reports).toBe(0);
  });
});

describe("an https:// proxy", () => {
  it("its certificate not trusted: a ConnectError about the proxy, in the proxy-TLS step", async () => {
    const { port } = await serve(tlsServer());
    const proxy = parseProxy(`https://localhost:${port}`, "the test");
    const { error } = await dial(forwardOrigin(proxy), {}).result;
    expect(error).toBeInstanceOf(ConnectError);
    expect(error!.message).toBe("the proxy's certificate for localhost was issued by an unknown authority (pass its CA in tls.ca or SSL_CERT_FILE)");
  });

  it("hanging up during its handshake: said of the proxy, with the cause", async () => {
    const s = await serve(rawServer((socket) => socket.once("data", () => socket.destroy())));
    const proxy = parseProxy(`https://localhost:${s.port}`, "the test");
    const { error } = await dial(forwardOrigin(proxy)).result;
    expect(error!.message).toBe(`TLS to the proxy https://localhost:${s.port} failed: Client network socket disconnected before secure TLS connection was established`);
  });
});
