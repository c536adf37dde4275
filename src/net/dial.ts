/**
 * Dialing: open a socket for an origin and say when it is connected. The one
 * place that knows how a server is reached:
 *
 *   origin / options           how                          "connected" when
 *   http://host:port           TCP (node:net)               "connect"
 *   https://host:port          TLS (node:tls), SNI, ALPN     "secureConnect" (handshake done)
 *   socketPath set             a Unix socket, either scheme  as above
 *
 * A new way to reach a server (a proxy, a tunnel, SOCKS) is another dialer that
 * hands back a connected socket; the Connection above does not change.
 */
import { createRequire } from "node:module";
import type net from "node:net";
import type tlsModule from "node:tls";
import type { Origin } from "./origin.js";
import type { TlsOptions } from "./types.js";

export interface DialOptions {
  readonly tls?: TlsOptions | undefined;
  /** Connect to this Unix socket instead of host:port (the origin still names the Host). */
  readonly socketPath?: string | undefined;
}

/** Where a dialed socket's bytes go. */
export interface SocketReader {
  /**
   * The buffer the next read goes into (plain TCP only, see `borrowed`).
   * Called by Node before each read.
   */
  readBuffer(): Buffer;
  /** Bytes arrived. With a borrowed buffer, `chunk` is a view that the next read overwrites. */
  onData(chunk: Buffer): void;
}

export interface Dialed {
  readonly socket: net.Socket;
  /** Chunks handed to `onData` live in the reader's own buffer (plain TCP), not in one Node made for them. */
  readonly borrowed: boolean;
}

// node:net costs about 2 ms to import and node:tls (with the crypto it pulls in) more: they are
// loaded by the first connection that needs them, so that importing wirepool stays cheap.
const require = createRequire(import.meta.url);
let netModule: typeof net | undefined;
let tls: typeof tlsModule | undefined;
const loadNet = (): typeof net => (netModule ??= require("node:net") as typeof net);
const loadTls = (): typeof tlsModule => (tls ??= require("node:tls") as typeof tlsModule);

/** Opens a socket to `origin`; `onConnected` runs once it can carry a request. */
export function dial(origin: Origin, options: DialOptions, reader: SocketReader, onConnected: () => void): Dialed {
  const where = options.socketPath !== undefined ? { path: options.socketPath } : { host: origin.hostname, port: origin.port };
  let dialed: Dialed;
  if (origin.scheme === "https") {
    const t = options.tls ?? {};
    const socket = loadTls().connect({
      ...where,
      ...t,
      // SNI carries a host name, never an IP address (RFC 6066 §3).
      servername: t.servername ?? (loadNet().isIP(origin.hostname) === 0 ? origin.hostname : undefined),
      ALPNProtocols: ["http/1.1"],
    });
    socket.once("secureConnect", onConnected);
    socket.on("data", (chunk: Buffer) => reader.onData(chunk));
    dialed = { socket, borrowed: false };
  } else {
    // Plain TCP reads into a buffer of the reader's (`onread`) instead of a new one per read
    // pushed through a Readable stream: that machinery cost more CPU per response than our
    // parser (conc 1.24 -> 1.40 x undici, docs/performance.md).
    const callback = (n: number, buf: Uint8Array): boolean => {
      reader.onData((buf as Buffer).subarray(0, n));
      return true; // false would pause the socket; backpressure goes through pause() instead
    };
    const socket = loadNet().connect({ ...where, onread: { buffer: () => reader.readBuffer(), callback } });
    socket.once("connect", onConnected);
    dialed = { socket, borrowed: true };
  }
  dialed.socket.setNoDelay(true);
  return dialed;
}
