/**
 * Request-side injection: CR, LF and NUL smuggled through the method, the path,
 * header names and values (also via toString()), and the Host. Each must be
 * refused with LocalProtocolError before a single byte reaches the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, LocalProtocolError, Request } from "../../src/index.js";
import { rawServer, sleep, type TestServer } from "../support/servers.js";

let server: TestServer;
let received = 0;
beforeAll(async () => {
  server = await rawServer((socket) => {
    socket.on("data", (d: Buffer) => {
      received += d.length;
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
  });
});
afterAll(() => server.close());

const evil = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u0000b", "a\r\n\r\nGET /smuggled HTTP/1.1"];
const sneaky = (s: string) => ({ toString: () => s }) as unknown as string;

async function refused(send: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client();
  const before = received;
  try {
    await expect(send(client)).rejects.toBeInstanceOf(LocalProtocolError);
  } finally {
    await client.close();
  }
  await sleep(5);
  expect(received - before, "bytes reached the server").toBe(0);
  expect(server.accepted, "no connection should even be opened").toBe(0);
}

describe("injection is refused before anything is written", () => {
  for (const v of evil) {
    const label = JSON.stringify(v);
    it(`header value ${label}`, () => refused((c) => c.get(server.url(), { headers: { "X-A": v } })));
    it(`header value via toString() ${label}`, () => refused((c) => c.get(server.url(), { headers: { "X-A": sneaky(v) } })));
    it(`header name ${label}`, () => refused((c) => c.get(server.url(), { headers: [[`X${v}`, "1"]] })));
    it(`method ${label}`, () => refused((c) => c.request(`GET${v}`, server.url())));
    it(`Host header ${label}`, () => refused((c) => c.get(server.url(), { headers: { Host: `h${v}` } })));
    it(`path of a hand-built Request ${label}`, () =>
      refused((c) => {
        const req = new Request("GET", server.url());
        // URL objects percent-encode CR/LF; a caller could still hand over a raw target through a subclass.
        Object.defineProperty(req.url, "pathname", { value: `/x${v}` });
        return c.send(req);
      }));
  }

  it("a clean request right after still goes through", async () => {
    await using client = new Client();
    expect(await (await client.get(server.url("/clean"))).text()).toBe("ok");
    expect(received).toBeGreaterThan(0);
  });
});
