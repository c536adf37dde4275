/**
 * The CONNECT handshake (src/net/http-tunnel.ts) against a scripted proxy on a real socket: the
 * request we send, and every answer a proxy can give, in words. test/net/proxy.test.ts runs it
 * against squid; this file reaches what squid never says.
 */
import { describe, expect, it } from "vitest";
import { ProxyError } from "../../src/errors.js";
import { openHttpTunnel } from "../../src/net/http-tunnel.js";
import { originOf } from "../../src/net/origin.js";
import { parseProxy } from "../../src/net/proxy.js";
import { useCleanup } from "../support/cleanup.js";
import { connectedSocket, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

interface Outcome {
  /** The CONNECT request as the proxy received it. */
  request: string;
  error?: Error;
  rest?: string;
}

/** A proxy that reads the CONNECT head and answers with `answer`, written in the pieces given. */
async function connect(answer: string[], target = "https://target.test/", proxyURL = "http://127.0.0.1:PORT"): Promise<Outcome> {
  let request = "";
  const server = await serve(rawServer((socket) => {
    socket.on("data", (chunk) => {
      request += chunk.toString("latin1");
      if (!request.includes("\r\n\r\n")) return;
      for (const piece of answer) socket.write(piece, "latin1");
    });
  }));
  const socket = await connectedSocket(server.port);
  defer(() => socket.destroy());
  const proxy = parseProxy(proxyURL.replace("PORT", String(server.port)), "the test");
  return new Promise((ok) => {
    openHttpTunnel(socket, originOf(new URL(target)), proxy, (error, rest) => ok({ request, ...(error ? { error } : {}), ...(rest?.length ? { rest: rest.toString("latin1") } : {}) }));
  });
}

const refused = (o: Outcome): string => {
  expect(o.error).toBeInstanceOf(ProxyError);
  return o.error!.message.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:P");
};

describe("CONNECT", () => {
  it("asks for the target's authority, with the proxy's header lines, and hands on what follows the answer", async () => {
    const o = await connect(["HTTP/1.1 200 Connection established\r\n", "Via: test\r\n\r\nearly"], "https://target.test/", "http://u:p@127.0.0.1:PORT");
    expect(o.error).toBeUndefined();
    expect(o.request).toBe(`CONNECT target.test:443 HTTP/1.1\r\nHost: target.test:443\r\nProxy-Authorization: Basic ${Buffer.from("u:p").toString("base64")}\r\n\r\n`);
    expect(o.rest).toBe("early");
    const v6 = await connect(["HTTP/1.0 200\r\n\r\n"], "https://[::1]:8443/");
    expect(v6.error).toBeUndefined();
    expect(v6.request.split("\r\n")[0]).toBe("CONNECT [::1]:8443 HTTP/1.1");
    expect((await connect(["HTTP/1.1 299 Fine\r\n\r\n"])).error).toBeUndefined();
  });

  it("a refusal says what the proxy answered and what it means", async () => {
    const P = "the proxy http://127.0.0.1:P answered CONNECT target.test:443 with";
    expect(refused(await connect(["HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"]))).toBe(`${P} 407 Proxy Authentication Required: proxy authentication required (no credentials were given: put them in the proxy URL)`);
    expect(refused(await connect(["HTTP/1.1 407 Nope\r\n\r\n"], "https://target.test/", "http://u:p@127.0.0.1:PORT"))).toBe(`${P} 407 Nope: proxy authentication required (the credentials given were refused)`);
    expect(refused(await connect(["HTTP/1.1 403 Forbidden\r\n\r\n"]))).toBe(`${P} 403 Forbidden: the proxy does not allow a tunnel to target.test:443`);
    for (const status of [502, 503, 504]) expect(refused(await connect([`HTTP/1.1 ${status} X\r\n\r\n`]))).toBe(`${P} ${status} X: the proxy could not reach target.test:443`);
    expect(refused(await connect(["HTTP/1.1 500\r\n\r\n"]))).toBe(`${P} 500`);
    expect(refused(await connect(["HTTP/1.1 300 Multiple Choices\r\n\r\n"]))).toBe(`${P} 300 Multiple Choices`);
    expect(refused(await connect(["HTTP/1.1 199 Early\r\n\r\n"]))).toBe(`${P} 199 Early`);
  });

  it("an answer that is not an HTTP status line, or a head that never ends, is refused", async () => {
    for (const line of ["SSH-2.0-OpenSSH_9.2", "XHTTP/1.1 200 OK", "HTTP/1.1 2000 OK", "HTTP/2 200"]) {
      expect(refused(await connect([`${line}\r\n\r\n`])), line).toBe(`the proxy http://127.0.0.1:P answered CONNECT with something that is not HTTP: ${JSON.stringify(line)}`);
    }
    // Only the first 80 characters of a long one are quoted; an empty head is no status line either.
    const long = "x".repeat(200);
    expect(refused(await connect([`${long}\r\n\r\n`]))).toBe(`the proxy http://127.0.0.1:P answered CONNECT with something that is not HTTP: "${"x".repeat(80)}"`);
    expect(refused(await connect(["\r\n\r\n"]))).toBe('the proxy http://127.0.0.1:P answered CONNECT with something that is not HTTP: ""');
    const endless = await connect(["HTTP/1.1 200 OK\r\n", ...Array<string>(40).fill(`X-Pad: ${"p".repeat(500)}\r\n`)]);
    expect(refused(endless)).toBe("the proxy's reply is longer than 16384 bytes");
  });
});
