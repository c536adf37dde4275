/**
 * Starts a real nginx for tests, the soak test and the benchmark: a config
 * generated in a temp dir, free ports on 127.0.0.1, stopped by its pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const BINARIES = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];
export const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";

export function nginxBinary(): string | undefined {
  return BINARIES.find((p) => fs.existsSync(p));
}

export function hasEchoModule(): boolean {
  return fs.existsSync(ECHO_MODULE);
}

export interface Nginx {
  /** One origin per server block, in order. */
  readonly origins: string[];
  /** The directory served files live in. */
  readonly dir: string;
  /** The master process and its workers. */
  pids(): number[];
  /** Connections nginx has open right now (from its stub_status page). */
  activeConnections(): Promise<number>;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** `http {}` directives besides the defaults. */
  http?: string;
  /** One entry per server block: the directives inside `server {}` (the listen line is added). */
  servers: string[];
  /** Files to create in the served directory. */
  files?: Record<string, Buffer | string>;
  /** Serve every server block over TLS with this certificate and key (files). */
  tls?: { cert: string; key: string };
  /** Listen on a Unix socket (this path) instead of a port: one server block only. */
  unixSocket?: string;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = nginxBinary();
  if (binary === undefined) throw new Error("nginx is not installed (apt-get install -y nginx libnginx-mod-http-echo)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-nginx-"));
  // Run as root, nginx's workers drop to an unprivileged user that must be able to read the files.
  fs.chmodSync(dir, 0o755);
  for (const [name, content] of Object.entries(options.files ?? {})) fs.writeFileSync(path.join(dir, name), content, { mode: 0o644 });
  const ports = await Promise.all(options.servers.map(() => freePort()));
  const statusPort = await freePort();
  const listen = (port: number): string =>
    options.unixSocket !== undefined
      ? `listen unix:${options.unixSocket};`
      : options.tls === undefined
        ? `listen 127.0.0.1:${port} backlog=4096;`
        : `listen 127.0.0.1:${port} ssl backlog=4096; ssl_certificate ${options.tls.cert}; ssl_certificate_key ${options.tls.key};`;
  const conf = `
${hasEchoModule() ? `load_module ${ECHO_MODULE};` : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  types { text/plain txt; text/html html; }
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${options.http ?? ""}
  server { listen 127.0.0.1:${statusPort}; location / { stub_status; } }
${options.servers.map((s, i) => `  server {\n    ${listen(ports[i]!)}\n    root ${dir};\n    ${s}\n  }`).join("\n")}
}
`;
  fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
  const child = spawn(binary, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await waitForPort(statusPort, child, () => stderr);
  return {
    origins: ports.map((p) => `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${p}`),
    dir,
    pids: () => {
      const master = child.pid!;
      const children = fs.readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim();
      return [master, ...children.split(/\s+/).filter(Boolean).map(Number)];
    },
    activeConnections: async () => {
      const text = await new Promise<string>((resolve, reject) => {
        const s = net.connect(statusPort, "127.0.0.1", () => s.end("GET / HTTP/1.0\r\n\r\n"));
        let out = "";
        s.on("data", (d) => (out += d));
        s.on("end", () => resolve(out));
        s.on("error", reject);
      });
      // The status request's own connection is counted too.
      return Number(/Active connections:\s*(\d+)/.exec(text)?.[1]) - 1;
    },
    stop: () => stop(child, dir),
  };
}

async function waitForPort(port: number, child: ChildProcess, err: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("nginx did not start listening");
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
