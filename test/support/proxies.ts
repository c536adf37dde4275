/**
 * Real proxies for the tests, started on free ports with their config in a temp
 * dir: squid (HTTP forward proxy and CONNECT, optionally with basic auth through
 * its basic_ncsa_auth helper) and microsocks (SOCKS5, optionally with a username
 * and password). Each is stopped by its pid, and its dir removed.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./nginx.js";
import { eventually } from "./servers.js";

export const SQUID = "/usr/sbin/squid";
export const MICROSOCKS = "/usr/bin/microsocks";
const NCSA_AUTH = "/usr/lib/squid/basic_ncsa_auth";

export const hasSquid = (): boolean => fs.existsSync(SQUID) && fs.existsSync(NCSA_AUTH);
export const hasMicrosocks = (): boolean => fs.existsSync(MICROSOCKS);

export interface RunningProxy {
  readonly port: number;
  /** `http://127.0.0.1:port` (or socks5://...), without credentials. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface Squid extends RunningProxy {
  /** Lines of squid's access log so far: `METHOD URL STATUS USER` each. */
  log(): string[];
  /** Waits until the access log has a line matching `pattern` and returns it (squid logs a request when it ends: a CONNECT when its tunnel closes). */
  logged(pattern: RegExp): Promise<string>;
}

/** `auth`: basic auth with this user; `tls`: listen with https_port (TLS to the proxy itself) using this certificate and key (files). */
export async function startSquid(auth?: { user: string; password: string }, tls?: { cert: string; key: string }): Promise<Squid> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-squid-"));
  // squid, started as root, runs as the unprivileged `proxy` user: it must be able to write here.
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const access = path.join(dir, "access.log");
  const lines = [
    tls === undefined ? `http_port 127.0.0.1:${port}` : `https_port 127.0.0.1:${port} tls-cert=${tls.cert} tls-key=${tls.key}`,
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    "logformat wp %rm %ru %>Hs %un",
    "strip_query_terms off",
    `access_log stdio:${access} wp`,
    "cache deny all",
    "cache_mem 4 MB",
    `coredump_dir ${dir}`,
    "shutdown_lifetime 0 seconds",
    "via off",
    "forwarded_for delete",
    "dns_v4_first on",
    "acl local src 127.0.0.1/32 ::1",
  ];
  if (auth !== undefined) {
    const hash = execFileSync("openssl", ["passwd", "-apr1", auth.password], { encoding: "utf8" }).trim();
    fs.writeFileSync(path.join(dir, "passwd"), `${auth.user}:${hash}\n`, { mode: 0o644 });
    lines.push(`auth_param basic program ${NCSA_AUTH} ${dir}/passwd`, "auth_param basic children 2", "acl authed proxy_auth REQUIRED", "http_access allow local authed");
  } else {
    lines.push("http_access allow local");
  }
  lines.push("http_access deny all");
  fs.writeFileSync(path.join(dir, "squid.conf"), lines.join("\n") + "\n", { mode: 0o644 });
  const child = spawn(SQUID, ["-N", "-f", path.join(dir, "squid.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await waitForPort(port, child, () => `${stderr}\n${readIf(path.join(dir, "cache.log"))}`);
  const log = (): string[] => readIf(access).split("\n").filter(Boolean);
  return {
    port,
    url: tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`,
    log,
    logged: async (pattern) => {
      await eventually(() => log().some((l) => pattern.test(l)), 5000);
      return log().find((l) => pattern.test(l))!;
    },
    stop: () => stop(child, dir),
  };
}

export async function startMicrosocks(auth?: { user: string; password: string }): Promise<RunningProxy> {
  const port = await freePort();
  const args = ["-i", "127.0.0.1", "-p", String(port), ...(auth === undefined ? [] : ["-u", auth.user, "-P", auth.password])];
  const child = spawn(MICROSOCKS, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await waitForPort(port, child, () => stderr);
  return { port, url: `socks5://127.0.0.1:${port}`, stop: () => stop(child, undefined) };
}

function readIf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

async function waitForPort(port: number, child: ChildProcess, err: () => string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited: ${err()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${child.spawnfile} did not start listening: ${err()}`);
}

async function stop(child: ChildProcess, dir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}
