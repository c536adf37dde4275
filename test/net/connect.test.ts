/** How a connection is reached: a Unix socket (nginx listening on a socket file), a local address, an IP family, IPv6 literals. */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Client, ConnectError } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { nginxBinary, startNginx } from "../support/nginx.js";
import { closeServer, listenOn, portOf } from "../support/servers.js";

const { defer } = useCleanup();

function client(options: ConstructorParameters<typeof Client>[0] = {}): Client {
  const c = new Client({ trustEnv: false, timeout: 3000, ...options });
  defer(() => c.close());
  return c;
}

/** A Node server on `host` that answers with what it saw of the connection and the request. */
async function server(host: string): Promise<{ port: number; seen: { remote: string; host: string }[] }> {
  const seen: { remote: string; host: string }[] = [];
  const s = http.createServer((req, res) => {
    seen.push({ remote: req.socket.remoteAddress!, host: req.headers.host! });
    res.end("ok");
  });
  await listenOn(s, host);
  defer(() => closeServer(s));
  return { port: portOf(s), seen };
}

describe.skipIf(nginxBinary() === undefined)("Unix sockets", () => {
  it("Client({ socketPath }) talks to nginx on a socket file, the way people talk to the Docker daemon; the URL gives Host", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-sock-"));
    const socketPath = path.join(dir, "api.sock");
    const nginx = await startNginx({ unixSocket: socketPath, servers: [`location / { return 200 "unix $host $request_uri"; }`] });
    defer(async () => {
      await nginx.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const c = client({ socketPath });
    expect(await (await c.get("http://docker/v1.43/info")).text()).toBe("unix docker /v1.43/info");
    expect(await (await c.get("http://docker/containers/json?all=1")).text()).toBe("unix docker /containers/json?all=1");
    expect(c.stats().totals).toMatchObject({ opened: 1, reused: 1 });
  });

  it("a socket file nobody listens on: a ConnectError naming it", async () => {
    const err = await client({ socketPath: "/nonexistent/wirepool.sock" }).get("http://docker/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/^could not connect to the Unix socket \/nonexistent\/wirepool\.sock: connect ENOENT/);
  });
});

describe("addresses", () => {
  it("localAddress: the server sees the connection come from it", async () => {
    const s = await server("127.0.0.1");
    await client({ localAddress: "127.0.0.2" }).get(`http://127.0.0.1:${s.port}/`);
    expect(s.seen[0]!.remote).toBe("127.0.0.2");
  });

  it("family picks the IP version `localhost` resolves to (a dual-stack server sees which)", async () => {
    const s = await server("::");
    expect((await client({ family: 4 }).get(`http://localhost:${s.port}/`)).status).toBe(200);
    expect(s.seen[0]!.remote).toBe("::ffff:127.0.0.1");
    // Where localhost has an IPv6 address (::1 in /etc/hosts) family 6 reaches the server over it;
    // where it has none, the lookup finds nothing. Either way, never over IPv4.
    const six = await client({ family: 6 }).get(`http://localhost:${s.port}/`).catch((e: unknown) => e);
    if (six instanceof ConnectError) expect((six.cause as NodeJS.ErrnoException).code).toBe("ENOTFOUND");
    else expect(s.seen[1]!.remote).toBe("::1");
    expect(() => new Client({ family: 5 as never })).toThrow(/family must be 0, 4 or 6, got 5/);
  });

  it("an IPv6 literal URL works end to end; Host keeps the brackets", async () => {
    const s = await server("::1");
    const c = client();
    expect((await c.get(`http://[::1]:${s.port}/six`)).status).toBe(200);
    expect(s.seen[0]).toEqual({ remote: "::1", host: `[::1]:${s.port}` });
    expect(Object.keys(c.stats().origins)).toEqual([`http://[::1]:${s.port}`]);
  });
});
