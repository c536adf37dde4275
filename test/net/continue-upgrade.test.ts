/**
 * Expect: 100-continue (the body waits for the server's word) and protocol upgrades
 * (a WebSocket handshake against the `ws` package's server, then a frame written by
 * hand on the socket the pool gave up).
 */
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { Client, HTTPTransport, type PoolEvent, RemoteProtocolError } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { httpServer, onRequests, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

function client(options: ConstructorParameters<typeof HTTPTransport>[0] = {}, events?: PoolEvent[]): Client {
  const c = new Client({ transport: new HTTPTransport({ trustEnv: false, ...options, ...(events ? { trace: (e: PoolEvent) => void events.push(e) } : {}) }), timeout: 5000 });
  defer(() => c.close());
  return c;
}

const EXPECT = { headers: { Expect: "100-continue" } };

describe("Expect: 100-continue", () => {
  it("the body is sent after the server's 100 (Node's checkContinue), and the connection is reused", async () => {
    const order: string[] = [];
    const s = await serve(
      httpServer(
        () => {},
        (server) =>
          server.on("checkContinue", (req, res) => {
            order.push("asked");
            res.writeContinue();
            let body = "";
            req.on("data", (c: Buffer) => (body += c));
            req.on("end", () => res.end(`got ${body}`));
          }),
      ),
    );
    const c = client({ expectContinueTimeout: 60_000 }); // only the 100 can release the body in time
    const res = await c.post(s.url("/up"), { content: "hello", ...EXPECT });
    expect(await res.text()).toBe("got hello");
    expect(await (await c.post(s.url("/up"), { content: "again", ...EXPECT })).text()).toBe("got again");
    expect(order).toEqual(["asked", "asked"]);
    expect(s.accepted).toBe(1);
  });

  it("a final answer before the body (417): it resolves, the body never reaches the server, the connection is closed", async () => {
    let received = "";
    const closed = new Promise<void>((resolve) => {
      void serve(
        rawServer((socket) => {
          socket.setEncoding("latin1");
          socket.on("data", (d: string) => {
            if (received === "") socket.write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope");
            received += d;
          });
          socket.on("close", () => resolve());
        }),
      ).then((srv) => (url = srv.url("/big")));
    });
    let url = "";
    while (url === "") await new Promise((r) => setImmediate(r));
    const events: PoolEvent[] = [];
    const c = client({ expectContinueTimeout: 60_000 }, events);
    const res = await c.post(url, { content: "B".repeat(10_000), ...EXPECT });
    expect(res.status).toBe(417);
    expect(await res.text()).toBe("nope");
    await closed; // the client closed it: a server may still be waiting for the body
    expect(received.endsWith("\r\n\r\n")).toBe(true);
    expect(received).not.toContain("B");
    expect(events.find((e) => e.type === "connection:closed")).toMatchObject({ reason: "not reusable" });
  });

  it("a server that never says 100: the body goes after expectContinueTimeout", async () => {
    const s = await serve(
      rawServer((socket) => {
        let data = "";
        socket.setEncoding("latin1");
        socket.on("data", (d: string) => {
          data += d;
          if (data.endsWith("hello")) socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n${data}`);
        });
      }),
    );
    const c = client({ expectContinueTimeout: 30 });
    const res = await c.post(s.url("/slow"), { content: "hello", ...EXPECT });
    const echoed = await res.text();
    expect(echoed).toMatch(/^POST \/slow HTTP\/1\.1\r\n[\s\S]*Expect: 100-continue\r\n[\s\S]*\r\n\r\nhello$/);
  });
});

describe("client.upgrade()", () => {
  it("a WebSocket handshake with ws's server; a masked text frame written by hand is echoed", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    defer(() => new Promise<void>((r) => (wss.clients.forEach((w) => w.terminate()), wss.close(() => r()))));
    wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
    const events: PoolEvent[] = [];
    const c = client({}, events);
    const key = randomBytes(16).toString("base64");
    const { response, socket, head } = await c.upgrade(`http://127.0.0.1:${(wss.address() as AddressInfo).port}/chat`, {
      protocol: "websocket",
      headers: { "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" },
    });
    defer(() => socket.destroy());
    expect(response.status).toBe(101);
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    expect(response.headers.get("sec-websocket-accept")).toBe(accept);
    expect(head.length).toBe(0);
    // The connection has left the pool for good.
    expect(c.stats()).toMatchObject({ connections: 0 });
    expect(events.find((e) => e.type === "connection:closed")).toMatchObject({ reason: "upgraded" });

    const payload = Buffer.from("hello over a socket", "utf8");
    const mask = randomBytes(4);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]);
    socket.write(frame);
    const reply = await new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      socket.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 2 && got.length >= 2 + (got[1]! & 0x7f)) resolve(got);
      });
    });
    expect(reply[0]).toBe(0x81); // FIN, text
    expect(reply.subarray(2, 2 + (reply[1]! & 0x7f)).toString("utf8")).toBe("hello over a socket");
  });

  it("bytes of the new protocol that came with the 101 are in `head`", async () => {
    const s = await serve(
      rawServer((socket) =>
        onRequests(socket, () => socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nEARLY")),
      ),
    );
    const { socket, head } = await client().upgrade(s.url("/"), { protocol: "echo" });
    defer(() => socket.destroy());
    expect(Buffer.from(head).toString()).toBe("EARLY");
  });

  it("any other final status rejects with RemoteProtocolError naming it, holding the read response", async () => {
    const s = await serve(httpServer((_req, res) => res.end("no upgrades here")));
    const err = await client().upgrade(s.url("/"), { protocol: "websocket" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect((err as RemoteProtocolError).code).toBe("UPGRADE_REFUSED");
    expect((err as Error).message).toMatch(/^UPGRADE_REFUSED: the server answered 200 OK instead of 101 Switching Protocols to Upgrade: websocket \(GET http:\/\/127\.0\.0\.1:\d+\/\)$/);
    expect(await (err as RemoteProtocolError).response!.text()).toBe("no upgrades here");
  });

  it("a 101 nobody asked for is still an error", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"))));
    const err = await client().get(s.url("/")).catch((e: unknown) => e);
    expect((err as RemoteProtocolError).code).toBe("UNEXPECTED_UPGRADE");
  });
});
