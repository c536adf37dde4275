/**
 * The `wirepool` command, run as a child process against local servers: what it
 * prints where, its exit codes, `--repeat --compare` checked against the server's
 * own connection count, and once under a real terminal (util-linux's `script`
 * gives it a pty) for the progress bar and pretty JSON.
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { closeServer, httpServer, listenOn, portOf } from "../support/servers.js";

const { defer, serve } = useCleanup();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(root, "src/cli/bin.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wirepool ...args` from the source (through tsx), as a user runs `npx wirepool`. */
function wirepool(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", BIN, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr }),
    );
  });
}

/** A server that answers by path, recording every request. */
async function site(): Promise<{ url: (p?: string) => string; seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[]; accepted: () => number }> {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const s = await serve(
    httpServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === "/missing") return void (res.writeHead(404, { "Content-Type": "text/plain" }), res.end("not here"));
        if (req.url === "/json") return void (res.writeHead(200, { "Content-Type": "application/json" }), res.end('{"a":1,"b":[2,3]}'));
        if (req.url === "/big") return void (res.writeHead(200, { "Content-Length": 3 * 1024 * 1024 }), res.end(Buffer.alloc(3 * 1024 * 1024, "z")));
        res.writeHead(200, { "Content-Type": "text/plain", "X-Served": "yes" });
        res.end(`hello ${req.method} ${req.url}`);
      });
    }),
  );
  return { url: (p = "/") => s.url(p), seen, accepted: () => s.accepted };
}

describe("wirepool (the command)", () => {
  it("GET: the body on stdout; -i puts the status line and headers on stderr", async () => {
    const s = await site();
    const plain = await wirepool(s.url("/a"));
    expect(plain).toEqual({ code: 0, stdout: "hello GET /a", stderr: "" });
    const inc = await wirepool("-i", s.url("/b"));
    expect(inc.stdout).toBe("hello GET /b");
    expect(inc.stderr).toMatch(/^< HTTP\/1\.1 200 OK\n(< .+\n)*< X-Served: yes\n/m);
  });

  it("METHOD, -H, --json, --data, --data @file and --form send what they say", async () => {
    const s = await site();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cli-")), "body.txt");
    fs.writeFileSync(file, "from a file");
    const runs = await Promise.all([
      wirepool("DELETE", s.url("/d"), "-H", "X-One: 1", "-H", "X-Two: two words"),
      wirepool(s.url("/j"), "--json", '{"name":"x"}'),
      wirepool("PUT", s.url("/raw"), "--data", "raw body"),
      wirepool(s.url("/f"), "-d", `@${file}`),
      wirepool(s.url("/form"), "-F", "user=alice", "-F", "q=a b"),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const by = (url: string) => s.seen.find((x) => x.url === url)!;
    expect(by("/d")).toMatchObject({ method: "DELETE", headers: { "x-one": "1", "x-two": "two words" } });
    expect(by("/j")).toMatchObject({ method: "POST", body: '{"name":"x"}', headers: { "content-type": "application/json" } });
    expect(by("/raw")).toMatchObject({ method: "PUT", body: "raw body" });
    expect(by("/f")).toMatchObject({ method: "POST", body: "from a file" });
    expect(by("/form")).toMatchObject({ body: "user=alice&q=a+b", headers: { "content-type": "application/x-www-form-urlencoded" } });
  });

  it("-v: the request head and every pool event, on stderr", async () => {
    const s = await site();
    const r = await wirepool("-v", s.url("/v"));
    expect(r.stdout).toBe("hello GET /v");
    expect(r.stderr).toContain("> GET /v HTTP/1.1\n> Host: 127.0.0.1:");
    expect(r.stderr).toMatch(/\* connection \d+ opened to http:\/\/127\.0\.0\.1:\d+\n/);
    expect(r.stderr).toMatch(/\* request \d+ finished \(response, status 200\)\n/);
    expect(r.stderr).toMatch(/\* connection \d+ closed \(pool closed\)\n/);
    expect(r.stderr).toContain("< HTTP/1.1 200 OK");
  });

  it("exit codes: 1 for a transport error (its message, naming the phase), 2 for usage, 22 with --fail", async () => {
    const s = await site();
    const [refused, noUrl, badFlag, fail, noFail, help] = await Promise.all([
      wirepool("http://127.0.0.1:1/"),
      wirepool(),
      wirepool("--frobnicate", s.url()),
      wirepool("--fail", s.url("/missing")),
      wirepool(s.url("/missing")),
      wirepool("--help"),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^wirepool: could not connect to http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED .*\(GET http:\/\/127\.0\.0\.1:1\/, during connect\)\n$/);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/^wirepool: no URL given\n\nusage: wirepool \[METHOD\] URL/);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect(fail.code).toBe(22);
    expect(fail.stderr).toMatch(/the server answered 404 Not Found \(--fail\)/);
    expect(noFail).toMatchObject({ code: 0, stdout: "not here" });
    expect(help.code).toBe(0);
    for (const flag of ["--header", "--json", "--data", "--form", "--include", "--verbose", "--output", "--follow", "--timeout", "--insecure", "--proxy", "--unix-socket", "--repeat", "--concurrency", "--compare", "--fail", "--timeline", "--help"]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it("--repeat N --compare: the figures match what the server counted", async () => {
    const s = await site();
    const r = await wirepool("--repeat", "20", "--compare", s.url("/n"));
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      ["one-shot get() per call", "20", "0", "20", "0"],
      ["one shared Client", "20", "0", "1", "19"],
    ]);
    expect(s.accepted()).toBe(21); // 20 one-shot connections and 1 shared
    expect(s.seen).toHaveLength(40);
    const c = await wirepool("--repeat", "40", "--concurrency", "4", s.url("/c"));
    const [row] = c.stdout.trim().split("\n").slice(1).map((line) => line.split(/\s{2,}/));
    expect(Number(row![3])).toBe(s.accepted() - 21);
    expect(Number(row![3])).toBeLessThanOrEqual(4);
  });

  it("--timeline FILE draws what the pools did: one lane per connection the server saw, one bar per request", async () => {
    const s = await site();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cli-"));
    const r = await wirepool("--repeat", "12", "--concurrency", "3", "--timeline", path.join(dir, "pool.svg"), s.url("/t"));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/timeline of 12 requests on \d+ connections written to .*pool\.svg/);
    const { groupsOf } = await import("../support/svg.js");
    const groups = groupsOf(fs.readFileSync(path.join(dir, "pool.svg"), "utf8"));
    expect(groups.filter((g) => g.class === "lane")).toHaveLength(s.accepted());
    expect(groups.filter((g) => g.class === "request")).toHaveLength(12);
  });

  it("-o FILE writes the body, with no progress bar when stderr is not a terminal", async () => {
    const s = await site();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cli-")), "big.bin");
    const r = await wirepool("-o", out, s.url("/big"));
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(fs.statSync(out).size).toBe(3 * 1024 * 1024);
  });

  it("--insecure and --unix-socket reach what they say", async () => {
    const certs = testCerts();
    const tlsServer = https.createServer(certs.selfSigned, (_req, res) => res.end("secure"));
    await listenOn(tlsServer);
    defer(() => closeServer(tlsServer));
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cli-")), "s.sock");
    const unix = http.createServer((req, res) => res.end(`unix ${req.headers.host}`));
    await new Promise<void>((r) => unix.listen(sock, r));
    defer(() => closeServer(unix));
    const url = `https://localhost:${portOf(tlsServer)}/`;
    const [strict, insecure, viaSocket] = await Promise.all([wirepool(url), wirepool("-k", url), wirepool("--unix-socket", sock, "http://docker/info")]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/self-signed/);
    expect(insecure).toMatchObject({ code: 0, stdout: "secure" });
    expect(viaSocket).toMatchObject({ code: 0, stdout: "unix docker" });
  });

  it.skipIf(spawnSync("script", ["--version"]).status !== 0)("under a real terminal: a progress bar for -o, and JSON pretty-printed", async () => {
    const s = await site();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-cli-")), "big.bin");
    // script(1) runs the command on a pty: stdout and stderr are a terminal, and both come back in its output.
    const run = (args: string[]): Promise<string> =>
      new Promise((resolve) => {
        const command = [process.execPath, "--import", "tsx", BIN, ...args].map((a) => `'${a}'`).join(" ");
        execFile("script", ["-qec", command, "/dev/null"], { cwd: root }, (_err, stdout) => resolve(stdout));
      });
    const [progress, json] = await Promise.all([run(["-o", out, s.url("/big")]), run([s.url("/json")])]);
    expect(fs.statSync(out).size).toBe(3 * 1024 * 1024);
    expect(progress).toMatch(/\r3\.0 MiB \/ 3\.0 MiB 100%  [\d.]+ (KiB|MiB)\/s/);
    expect(json.replace(/\r/g, "")).toContain('{\n  "a": 1,\n  "b": [\n    2,\n    3\n  ]\n}');
  });
});
