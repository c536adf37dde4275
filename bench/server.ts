/**
 * The benchmark's server: nginx with one worker when it is installed (a config
 * generated in a temp dir), else a small Node `net` server answering fixed bytes.
 *
 * Endpoints: GET /small (13-byte body), GET /1mb (1 MiB file), POST /echo (reads
 * the whole body, then answers "ok").
 */
import net from "node:net";
import zlib from "node:zlib";
import { testCerts } from "../test/support/certs.js";
import { hasEchoModule, nginxBinary, startNginx } from "../test/support/nginx.js";

export interface BenchServer {
  readonly kind: string;
  readonly origin: string;
  /** The same endpoints over HTTPS (nginx only), and the CA file that signed its certificate. */
  readonly tls?: { readonly origin: string; readonly caFile: string };
  /** The processes that serve requests (for pinning them to a CPU). */
  pids(): number[];
  stop(): Promise<void>;
}

export const ONE_MB = 1024 * 1024;

/** 1 MiB of text that compresses like text does (about 3:1), the same every run: the gzip row's body. */
export const TEXT = (() => {
  const words = ["pool", "socket", "wire", "request", "response", "header", "body", "chunk", "origin", "idle", "reuse", "close", "timeout", "proxy", "tunnel", "stream"];
  let seed = 42;
  const out: string[] = [];
  let size = 0;
  while (size < ONE_MB) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const w = words[seed % words.length]! + (seed % 7 === 0 ? `-${seed % 1000}` : "") + (seed % 13 === 0 ? ".\n" : " ");
    out.push(w);
    size += w.length;
  }
  return out.join("").slice(0, ONE_MB);
})();

export async function startServer(prefer: "nginx" | "node" = "nginx"): Promise<BenchServer> {
  if (prefer === "nginx" && nginxBinary() !== undefined) return startBenchNginx();
  return startNode();
}

async function startBenchNginx(): Promise<BenchServer> {
  const echo = hasEchoModule();
  const options = {
    http: "keepalive_requests 10000000; keepalive_timeout 75s;",
    servers: [
      `location = /small { default_type text/plain; return 200 "Hello, world!"; }
    location = /1mb { try_files /1mb.bin =404; }
    location = /echo { client_body_buffer_size 64k; ${echo ? "echo_read_request_body; echo -n ok;" : 'return 200 "ok";'} }
    location = /text.txt { gzip_static on; default_type text/plain; }`,
    ],
    files: { "1mb.bin": Buffer.alloc(ONE_MB, "b"), "text.txt": TEXT, "text.txt.gz": zlib.gzipSync(TEXT, { level: 6 }) },
  };
  const nginx = await startNginx(options);
  // A second nginx, the same endpoints over TLS, when openssl can make its certificate.
  let secure: Awaited<ReturnType<typeof startNginx>> | undefined;
  let caFile = "";
  try {
    const certs = testCerts();
    caFile = certs.caFile;
    secure = await startNginx({ ...options, http: `${options.http} ssl_session_cache shared:bench:1m;`, tls: { cert: certs.valid.certFile, key: certs.valid.keyFile } });
  } catch {
    secure = undefined;
  }
  return {
    kind: `nginx (1 worker${echo ? ", echo module reads POST bodies" : ", POST bodies discarded by return"}${secure ? "; the tls row: a second nginx with its ssl module" : ""})`,
    origin: nginx.origins[0]!,
    ...(secure ? { tls: { origin: secure.origins[0]!.replace("127.0.0.1", "localhost"), caFile } } : {}),
    pids: () => [...nginx.pids(), ...(secure?.pids() ?? [])],
    stop: async () => {
      await nginx.stop();
      await secure?.stop();
    },
  };
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
    pids: () => [process.pid],
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
