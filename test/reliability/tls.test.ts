/**
 * TLS servers that close without close_notify (the TCP connection just ends).
 * A body whose length was known and fully received is fine; one cut short is an
 * error, exactly as over plain TCP.
 */
import { describe, expect, it } from "vitest";
import { Client, HTTPTransport, RemoteProtocolError } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { tlsServer } from "../support/servers.js";
import { testCerts } from "../support/certs.js";

// A self-signed certificate for localhost, 127.0.0.1 and ::1, made for this run (support/certs.ts).
const { cert, key } = testCerts().selfSigned;

const { defer, serve } = useCleanup();

/** A TLS server that writes `bytes` for the first request, then drops the TCP connection without close_notify. */
async function abrupt(bytes: string): Promise<{ url: string; accepted: () => number }> {
  let accepted = 0;
  const server = await serve(tlsServer({ cert, key }, (socket) => {
    const first = accepted++ === 0;
    socket.once("data", () => {
      if (!first) return void socket.end("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine");
      socket.write(bytes, "latin1", () => {
        // Destroying the raw TCP socket underneath skips the TLS close_notify alert.
        (socket as unknown as { _parent?: { destroy(): void } })._parent?.destroy();
        socket.destroy();
      });
    });
  }));
  return { url: server.url(), accepted: () => accepted };
}

function client(): Client {
  const c = new Client({ transport: new HTTPTransport({ tls: { ca: cert } }), timeout: 3000 });
  defer(() => c.close());
  return c;
}

describe("TLS without close_notify", () => {
  it("a complete Content-Length response stands; the connection is not reused", async () => {
    const s = await abrupt("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole");
    const c = client();
    const closed = new Promise<void>((resolve) => {
      const stop = c.observe((e) => e.type === "connection:closed" && (stop(), resolve()), ["connection:closed"]);
    });
    expect(await (await c.get(s.url)).text()).toBe("whole");
    await closed; // the server's drop, seen by the client before the next request
    expect(await (await c.get(s.url)).text()).toBe("fine");
    expect(s.accepted()).toBe(2);
  });

  it("a Content-Length body cut short is an error", async () => {
    const s = await abrupt("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\ncut");
    const err = await client().get(s.url).catch((e: unknown) => e);
    // The TLS socket ends without close_notify: a clean EOF to us, before the 50 bytes.
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect(err).toMatchObject({ code: "INCOMPLETE_RESPONSE", phase: "read body" });
  });

  it("a chunked body cut short is an error", async () => {
    const s = await abrupt("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ncut\r\n");
    const err = await client().get(s.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect(err).toMatchObject({ code: "INCOMPLETE_RESPONSE", phase: "read body" });
  });
});
