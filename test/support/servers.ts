/**
 * Real servers on 127.0.0.1 for integration tests: Node's own http server and raw
 * `net` servers whose bytes the test controls. Both count connections on the
 * server side, which is the only honest way to tell whether a client reused one.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { testCerts } from "./certs.js";

export interface TestServer {
  readonly port: number;
  readonly origin: string;
  url(path?: string): string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
  /** Largest number of connections open at once. */
  readonly peak: number;
  close(): Promise<void>;
}

function track(server: net.Server): { sockets: Set<net.Socket>; stats: { accepted: number; peak: number } } {
  const sockets = new Set<net.Socket>();
  const stats = { accepted: 0, peak: 0 };
  server.on("connection", (socket: net.Socket) => {
    stats.accepted++;
    sockets.add(socket);
    stats.peak = Math.max(stats.peak, sockets.size);
    socket.on("close", () => sockets.delete(socket));
  });
  return { sockets, stats };
}

/** The port a listening server is on. */
export function portOf(server: net.Server): number {
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it holds (an http(s) server's keep-alive ones too). */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    (server as Partial<http.Server>).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Listens on a free port of `host` (127.0.0.1 unless given) and resolves with the port. */
export async function listenOn(server: net.Server, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

async function listen(server: net.Server, sockets: Set<net.Socket>, stats: { accepted: number; peak: number }, scheme = "http", host = "127.0.0.1"): Promise<TestServer> {
  const port = await listenOn(server);
  const origin = `${scheme}://${host}:${port}`;
  return {
    port,
    origin,
    url: (path = "/") => origin + path,
    get accepted() {
      return stats.accepted;
    },
    get open() {
      return sockets.size;
    },
    get peak() {
      return stats.peak;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function httpServer(handler: http.RequestListener, configure?: (s: http.Server) => void): Promise<TestServer> {
  const server = http.createServer(handler);
  configure?.(server);
  const { sockets, stats } = track(server);
  return listen(server, sockets, stats);
}

/** A server that hands each raw socket to `onSocket`, with the index of the connection. */
export async function rawServer(onSocket: (socket: net.Socket, index: number) => void): Promise<TestServer> {
  let index = 0;
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    onSocket(socket, index++);
  });
  const { sockets, stats } = track(server);
  return listen(server, sockets, stats);
}

/**
 * A raw TLS server (the test CA's certificate for localhost unless `options` gives another) that
 * hands each socket to `onSecure` once its handshake is done. Its `origin` is https://localhost:port.
 * Handshakes that fail are the client's to report. A TLS server has no closeAllConnections(), so
 * close() destroys its sockets first (or it would wait for a half-closed one).
 */
export async function tlsServer(options: tls.TlsOptions = {}, onSecure: (socket: tls.TLSSocket) => void = () => {}): Promise<TestServer> {
  const { cert, key } = testCerts().valid;
  const server = tls.createServer({ cert, key, ...options }, (socket) => {
    socket.on("error", () => {});
    onSecure(socket);
  });
  server.on("tlsClientError", () => {});
  const { sockets, stats } = track(server);
  return listen(server, sockets, stats, "https", "localhost");
}

/**
 * Calls `onRequest` with the text of each complete request head, in order, with its index on
 * the socket. A Content-Length body is skipped, however it is cut across reads; the test servers
 * read no chunked request bodies.
 */
export function onRequests(socket: net.Socket, onRequest: (head: string, n: number) => void): void {
  let buffered = "";
  let skip = 0;
  let n = 0;
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (;;) {
      if (skip > 0) {
        const taken = Math.min(skip, buffered.length);
        skip -= taken;
        buffered = buffered.slice(taken);
        if (skip > 0) return;
      }
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      skip = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      onRequest(head, n++);
    }
  });
}

/** A client socket connected to `port` on 127.0.0.1 (for tests that drive a handshake on it themselves). */
export async function connectedSocket(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((ok, fail) => socket.once("connect", ok).once("error", fail));
  return socket;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true or `ms` pass. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(5);
  }
}
