/**
 * What a new user, porting httpx habits, runs into in the first hour: each test
 * here failed before its fix (the packaging ones live in .ci/consume.sh).
 */
import { describe, expect, it } from "vitest";
import * as wirepool from "../../src/index.js";
import { Client, DecodingError, HTTPStatusError, RemoteProtocolError } from "../../src/index.js";
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
