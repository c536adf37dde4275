import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectError } from "../../src/errors.js";
import { ConnectionPool } from "../../src/pool/pool.js";
import { useCleanup } from "../support/cleanup.js";
import { wire } from "../support/wire.js";
import { closeServer, listenOn, portOf } from "../support/servers.js";
import { testCerts } from "../support/certs.js";

// A self-signed certificate for localhost, 127.0.0.1 and ::1, made for this run (support/certs.ts).
const { cert, key } = testCerts().selfSigned;

const { defer } = useCleanup();

async function get(p: ConnectionPool, url: string): Promise<string> {
  const res = await p.request(wire("GET", url));
  return Buffer.concat(await res.body.readAll()).toString();
}

describe("TLS", () => {
  it("speaks HTTPS with SNI and a custom CA, reusing the connection", async () => {
    let connections = 0;
    let servername: string | undefined;
    const server = https.createServer({ cert, key }, (req, res) => res.end(`secure ${req.url}`));
    server.on("secureConnection", (s) => {
      connections++;
      servername = (s as unknown as { servername?: string }).servername;
    });
    const port = await listenOn(server);
    defer(() => closeServer(server));
    const p = new ConnectionPool({ tls: { ca: cert } });
    defer(() => p.close());
    expect(await get(p, `https://localhost:${port}/a`)).toBe("secure /a");
    expect(await get(p, `https://localhost:${port}/b`)).toBe("secure /b");
    expect(connections).toBe(1);
    expect(servername).toBe("localhost");
    server.closeAllConnections();
  });

  it("rejects an untrusted certificate with ConnectError, keeping the cause", async () => {
    const server = https.createServer({ cert, key }, (_req, res) => res.end("x"));
    const port = await listenOn(server);
    defer(() => closeServer(server));
    const p = new ConnectionPool();
    defer(() => p.close());
    const err = await get(p, `https://localhost:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(((err as Error).cause as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect((err as Error).message).toMatch(/self-signed/);
    expect(p.stats().connections).toBe(0);
  });
});

describe("Unix sockets and refused connections", () => {
  it("connects over a Unix socket path", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-"));
    const sock = path.join(dir, "s.sock");
    const server = http.createServer((req, res) => res.end(`unix ${req.headers.host}`));
    await new Promise<void>((r) => server.listen(sock, r));
    defer(() => closeServer(server));
    const p = new ConnectionPool({ socketPath: sock });
    defer(() => p.close());
    expect(await get(p, "http://api.local/x")).toBe("unix api.local");
  });

  it("ECONNREFUSED is a ConnectError with the system error as cause", async () => {
    const server = http.createServer();
    const port = await listenOn(server);
    await closeServer(server);
    const p = new ConnectionPool();
    defer(() => p.close());
    const err = await get(p, `http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect(p.stats()).toMatchObject({ connections: 0, queued: 0 });
  });
});
