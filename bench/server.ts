/**
 * The benchmark's server: nginx with one worker when it is installed (a config
 * generated in a temp dir), else a small Node `net` server answering fixed bytes.
 *
 * Endpoints: GET /small (13-byte body), GET /1mb (1 MiB file), POST /echo (reads
 * the whole body, then answers "ok").
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface BenchServer {
  readonly kind: string;
  readonly origin: string;
  stop(): Promise<void>;
}

const NGINX_PATHS = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];
const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";
export const ONE_MB = 1024 * 1024;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function startServer(prefer: "nginx" | "node" = "nginx"): Promise<BenchServer> {
  const nginx = NGINX_PATHS.find((p) => fs.existsSync(p));
  if (prefer === "nginx" && nginx) return startNginx(nginx);
  return startNode();
}

async function startNginx(binary: string): Promise<BenchServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-bench-"));
  // Run as root, nginx's worker drops to an unprivileged user that must be able to read the file.
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, "1mb.bin"), Buffer.alloc(ONE_MB, "b"), { mode: 0o644 });
  const port = await freePort();
  const echo = fs.existsSync(ECHO_MODULE);
  const conf = `
${echo ? `load_module ${ECHO_MODULE};` : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /small { return 200 "Hello, world!"; }
    location = /1mb { alias ${dir}/1mb.bin; }
    location = /echo {
      client_body_buffer_size 64k;
      ${echo ? "echo_read_request_body; echo -n ok;" : 'return 200 "ok";'}
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
  const child = spawn(binary, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await waitForPort(port, child, () => stderr);
  return {
    kind: `nginx (1 worker${echo ? ", echo module reads POST bodies" : ", POST bodies discarded by return"})`,
    origin: `http://127.0.0.1:${port}`,
    stop: () => stopChild(child, dir),
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

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    child.kill("SIGQUIT");
    await new Promise((r) => child.once("exit", r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Fallback: answers fixed bytes; parses just enough HTTP to frame requests and bodies. */
async function startNode(): Promise<BenchServer> {
  const small = Buffer.from("HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, world!");
  const bigHead = Buffer.from(`HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: ${ONE_MB}\r\n\r\n`);
  const big = Buffer.concat([bigHead, Buffer.alloc(ONE_MB, "b")]);
  const ok = Buffer.from("HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Length: 2\r\n\r\nok");
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        const head = buf.subarray(0, end).toString("latin1");
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (buf.length < total) return; // wait for the whole body
        buf = buf.subarray(total);
        socket.write(head.startsWith("GET /1mb") ? big : head.startsWith("POST") ? ok : small);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", 4096, r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    kind: "node net server (fixed bytes)",
    origin: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
