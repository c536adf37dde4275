/**
 * TlsConfig (src/net/tls-config.ts): the options each handshake gets, which transports share a
 * secure context and which make their own, what a context trusts (checked by a real handshake to a
 * server with a certificate from the test CA), and the bounded store of sessions to resume.
 */
import { EventEmitter } from "node:events";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { TlsConfig } from "../../src/net/tls-config.js";
import type { TlsOptions } from "../../src/net/types.js";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { tlsServer } from "../support/servers.js";

const { serve } = useCleanup();
const certs = testCerts();

const contextOf = (config: TlsConfig): tls.SecureContext | undefined => config.connectOptions("localhost", false, "k").secureContext;

describe("what each handshake is given", () => {
  it("SNI for a name, never for an IP literal; the configured servername wins; ALPN asks for http/1.1", () => {
    const config = new TlsConfig({}, true);
    expect(config.connectOptions("example.com", false, "k")).toMatchObject({ servername: "example.com", ALPNProtocols: ["http/1.1"] });
    expect(config.connectOptions("127.0.0.1", true, "k").servername).toBeUndefined();
    expect(new TlsConfig({ servername: "api.internal" }, true).connectOptions("10.0.0.1", true, "k").servername).toBe("api.internal");
  });

  it("the certificate is checked unless verify is false or rejectUnauthorized is false", () => {
    const check = (options: TlsOptions, verify: boolean) => new TlsConfig(options, verify).connectOptions("h", false, "k").rejectUnauthorized;
    expect(check({}, true)).toBe(true);
    expect(check({ rejectUnauthorized: true }, true)).toBe(true);
    expect(check({}, false)).toBe(false);
    expect(check({ rejectUnauthorized: true }, false)).toBe(false);
    expect(check({ rejectUnauthorized: false }, true)).toBe(false);
  });

  it("says whether it presents a client certificate", () => {
    expect(new TlsConfig({}, true).clientCertificate).toBe(false);
    expect(new TlsConfig({ cert: certs.client.cert, key: certs.client.key }, true).clientCertificate).toBe(true);
  });
});

describe("secure contexts: made once, shared only when nothing of their own sets them apart", () => {
  it("one context per config, made on the first handshake and reused by the next", () => {
    const config = new TlsConfig({ ca: certs.ca }, true);
    expect(contextOf(config)).toBe(contextOf(config));
  });

  it("configs with no options of their own share one context, per set of extra CAs", () => {
    const env = [certs.ca];
    expect(contextOf(new TlsConfig({}, true))).toBe(contextOf(new TlsConfig({}, false)));
    expect(contextOf(new TlsConfig({}, true, () => env))).toBe(contextOf(new TlsConfig({}, true, () => env)));
    expect(contextOf(new TlsConfig({}, true, () => env))).not.toBe(contextOf(new TlsConfig({}, true)));
  });

  it("a CA, a client certificate, ciphers or a minimum version each make a context of the config's own", () => {
    const plain = contextOf(new TlsConfig({}, true));
    const own: TlsOptions[] = [
      { ca: certs.ca },
      { cert: certs.client.cert, key: certs.client.key },
      { key: certs.client.key }, // each of the pair on its own counts
      { cert: certs.client.cert },
      { ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" },
      { minVersion: "TLSv1.3" },
    ];
    for (const options of own) {
      const a = contextOf(new TlsConfig(options, true));
      const b = contextOf(new TlsConfig(options, true));
      expect(a, JSON.stringify(Object.keys(options))).not.toBe(plain);
      expect(a).not.toBe(b);
    }
  });
});

describe("what a context trusts (a real handshake)", () => {
  async function handshake(config: TlsConfig): Promise<string> {
    const { port } = await serve(tlsServer({}, (s) => s.end()));
    return new Promise((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, ...config.connectOptions("localhost", false, "k") });
      socket.once("secureConnect", () => {
        socket.destroy();
        resolve("trusted");
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  }

  it("Node's store alone does not know the test CA", async () => {
    expect(await handshake(new TlsConfig({}, true))).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("a CA given in the options, alone or in a list, is trusted besides the store", async () => {
    expect(await handshake(new TlsConfig({ ca: certs.ca }, true))).toBe("trusted");
    expect(await handshake(new TlsConfig({ ca: [certs.ca] }, true))).toBe("trusted");
  });

  it("a CA from the environment (SSL_CERT_FILE) is trusted, shared context or not", async () => {
    expect(await handshake(new TlsConfig({}, true, () => [certs.ca]))).toBe("trusted");
    expect(await handshake(new TlsConfig({ minVersion: "TLSv1.2" }, true, () => [certs.ca]))).toBe("trusted");
  });

  it("an own context with no CA given still trusts only what the store does", async () => {
    expect(await handshake(new TlsConfig({ minVersion: "TLSv1.2" }, true))).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(await handshake(new TlsConfig({ minVersion: "TLSv1.2" }, false))).toBe("trusted");
  });
});

describe("sessions to resume", () => {
  /** Stands in for a TLS socket: remember() only listens for its "session" events. */
  const socket = (): tls.TLSSocket => new EventEmitter() as tls.TLSSocket;
  const session = (n: number): Buffer => Buffer.from(`session ${n}`);
  const resumed = (config: TlsConfig, key: string): string | undefined => config.connectOptions("h", false, key).session?.toString();

  it("the latest session an origin's socket was given is offered to its next handshake, and only to its own", () => {
    const config = new TlsConfig({}, true);
    const s = socket();
    config.remember(s, "https://a");
    expect(resumed(config, "https://a")).toBeUndefined();
    s.emit("session", session(1));
    s.emit("session", session(2));
    expect(resumed(config, "https://a")).toBe("session 2");
    expect(resumed(config, "https://b")).toBeUndefined();
  });

  it("sessions are kept for 256 origins; the one remembered longest ago goes first", () => {
    const config = new TlsConfig({}, true);
    const sockets = Array.from({ length: 257 }, () => socket());
    for (let i = 0; i < 256; i++) {
      config.remember(sockets[i]!, `o${i}`);
      sockets[i]!.emit("session", session(i));
    }
    expect(resumed(config, "o0")).toBe("session 0"); // 256: all kept
    sockets[0]!.emit("session", session(1000)); // o0 is now the newest
    config.remember(sockets[256]!, "o256");
    sockets[256]!.emit("session", session(256));
    expect(resumed(config, "o256")).toBe("session 256");
    expect(resumed(config, "o0")).toBe("session 1000");
    expect(resumed(config, "o1")).toBeUndefined(); // the oldest went
    expect(resumed(config, "o2")).toBe("session 2");
  });
});
