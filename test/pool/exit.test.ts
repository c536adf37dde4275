import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpServer, type TestServer } from "../support/servers.js";

const child = fileURLToPath(new URL("../support/exit-child.ts", import.meta.url));

function run(url: string, mode: string): Promise<{ code: number | null; ms: number; out: string }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, ["--import", "tsx", child, url, mode], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  const killer = setTimeout(() => p.kill("SIGKILL"), 10_000);
  return new Promise((resolve) => p.on("exit", (code) => {
    clearTimeout(killer);
    resolve({ code, ms: performance.now() - t0, out });
  }));
}

describe("process exit", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The server keeps connections open for a long time: only the client can let the child exit.
    server = await httpServer((_req, res) => res.end("ok"), (s) => (s.keepAliveTimeout = 60_000));
  });
  afterAll(() => server.close());

  it("exits by itself after close()", async () => {
    const r = await run(server.url(), "close");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ connections: 0 });
    expect(r.ms).toBeLessThan(8000);
  });

  it("exits by itself with idle connections still open (they are unref'd)", async () => {
    const r = await run(server.url(), "forget");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ connections: 5, idle: 5 });
    expect(r.ms).toBeLessThan(8000);
  });
});
