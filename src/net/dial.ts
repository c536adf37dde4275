/**
 * Dialing: open a socket for an origin and say when it can carry HTTP. The one
 * place that knows how a server is reached. A dial is up to four steps, each on
 * the socket the step before made:
 *
 *   1. connect   TCP (node:net) to the server, its proxy, or a Unix socket    "connect"
 *                (straight to TLS when that is the first layer)
 *   2. proxy tls TLS to an https:// proxy itself                             "secureConnect"
 *   3. tunnel    CONNECT (http-tunnel.ts) or SOCKS5 (socks5.ts) to the target  a 2xx / 00 reply
 *   4. tls       TLS to an https:// target, SNI, ALPN http/1.1, resumed        "secureConnect"
 *                sessions (tls-config.ts)
 *
 *   origin                                 steps
 *   http://host                            connect
 *   https://host                           connect + tls (one tls.connect)
 *   http://  through an http proxy         connect (to the proxy; absolute-form requests)
 *   https:// through an http proxy         connect, tunnel, tls
 *   any      through an https proxy        connect + proxy tls, [tunnel, tls]
 *   any      through a socks5(h) proxy     connect, tunnel, [tls]
 *
 * The Connection above sees only the finished socket: while dialing, failures are
 * reported once, as a ConnectError (or a ProxyError: the proxy refused) in words.
 */
import { createRequire } from "node:module";
import type net from "node:net";
import type tlsModule from "node:tls";
import { ConnectError, HTTPError, ProxyError } from "../errors.js";
import { openHttpTunnel } from "./http-tunnel.js";
import type { Origin } from "./origin.js";
import { lookup, openSocksTunnel } from "./socks5.js";
import { loadTls, type TlsConfig } from "./tls-config.js";
import { describeTlsError } from "./tls-errors.js";

export interface DialOptions {
  readonly tls: TlsConfig;
  /** Connect to this Unix socket instead of host:port (the origin still names the Host). */
  readonly socketPath?: string | undefined;
  /** The local address to connect from. */
  readonly localAddress?: string | undefined;
  /** 4 or 6 to use only that IP version; 0 (default) for either, with happy eyeballs. */
  readonly family?: 0 | 4 | 6 | undefined;
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
  /**
   * Stops handing reads to the reader: from now on the socket's bytes arrive as its own
   * 'data' events, for whoever owns it next (after a 101 Switching Protocols).
   */
  handOver(): void;
}

export interface DialReport {
  /** The socket can carry a request: every step is done. */
  connected(dialed: Dialed): void;
  /** A step failed; the socket is destroyed. Called at most once, never after `connected`. */
  failed(error: Error): void;
}

export type DialStage = "connect" | "proxy tls" | "tunnel" | "tls" | "done";

// node:net costs about 2 ms to import: loaded by the first connection, so that importing wirepool stays cheap.
const require = createRequire(import.meta.url);
let netModule: typeof net | undefined;
const loadNet = (): typeof net => (netModule ??= require("node:net") as typeof net);

export class Dialing {
  /** The step under way: the connect timeout's message names it. */
  stage: DialStage = "connect";
  /** When TCP was up and when TLS was done (performance.now()): for the events and the timeline. */
  readonly times: { tcp?: number; tls?: number } = {};
  /** The outermost socket so far. */
  private socket: net.Socket;
  private readonly onError = (err: Error): void => this.fail(err);
  /** Set by Dialed.handOver(). */
  private handedOver = false;
  private readonly onData = (chunk: Buffer): void => this.reader.onData(chunk);
  private readonly onClose = (): void => this.fail(undefined);

  constructor(
    private readonly origin: Origin,
    private readonly options: DialOptions,
    private readonly reader: SocketReader,
    private readonly report: DialReport,
  ) {
    const proxy = origin.proxy;
    const net = loadNet();
    const family = options.family ?? 0;
    const where: net.NetConnectOpts =
      proxy !== undefined
        ? { host: proxy.hostname, port: proxy.port }
        : options.socketPath !== undefined
          ? { path: options.socketPath }
          : { host: origin.hostname, port: origin.port };
    if (!("path" in where)) Object.assign(where, { localAddress: options.localAddress, family, autoSelectFamily: family === 0 });
    const tlsFirst = proxy !== undefined ? proxy.scheme === "https" : origin.scheme === "https";
    if (tlsFirst) {
      // TCP and TLS in one socket: the handshake starts as soon as TCP is up.
      const host = proxy ?? origin;
      const t = this.tlsOptions(host.hostname, proxy?.key ?? origin.key);
      const socket = loadTls().connect({ ...(where as object), ...t });
      this.remember(socket, proxy?.key ?? origin.key);
      this.socket = this.watch(socket);
      socket.once("connect", () => {
        this.times.tcp = performance.now();
        this.stage = proxy !== undefined ? "proxy tls" : "tls";
      });
      socket.once("secureConnect", () => {
        if (proxy !== undefined) return this.afterProxy();
        this.times.tls = performance.now();
        this.finish(false);
      });
    } else if (proxy === undefined || !origin.tunnel) {
      // Direct, or a forward proxy (always http:// here: an https:// one took the TLS branch above).
      // Plain TCP to the end: reads go into a buffer of the reader's (`onread`) instead of a new
      // one per read pushed through a Readable stream, which cost more CPU per response than our
      // parser (conc 1.24 -> 1.40 x undici, docs/performance.md).
      const callback = (n: number, buf: Uint8Array): boolean => {
        // Handed over: the bytes become the socket's own, copied out of the buffer the next read reuses.
        if (this.handedOver) socket.push(Buffer.from(buf.subarray(0, n)));
        else reader.onData((buf as Buffer).subarray(0, n));
        return true; // false would pause the socket; backpressure goes through pause() instead
      };
      const socket = net.connect({ ...where, onread: { buffer: () => reader.readBuffer(), callback } });
      this.socket = this.watch(socket);
      socket.once("connect", () => {
        this.times.tcp = performance.now();
        this.finish(true);
      });
    } else {
      const socket = net.connect(where);
      this.socket = this.watch(socket);
      socket.once("connect", () => {
        this.times.tcp = performance.now();
        this.afterProxy();
      });
    }
    this.socket.setNoDelay(true);
  }

  /** Gives up: the socket is destroyed and nothing more is reported. */
  cancel(): void {
    this.unwatch(this.socket);
    this.stage = "done";
    this.socket.destroy();
  }

  /** Connected to the proxy (over TLS for an https:// one): tunnel to the target, or, forwarding, done. */
  private afterProxy(): void {
    const { origin } = this;
    const proxy = origin.proxy!;
    if (!origin.tunnel) return this.finish(false);
    this.stage = "tunnel";
    const next = (error: Error | undefined, rest?: Buffer): void => {
      if (this.stage !== "tunnel") return;
      if (error !== undefined) return this.fail(error);
      // Nothing may come through before we speak (TLS and HTTP both wait for the client).
      if (rest !== undefined && rest.length > 0) return this.fail(new ProxyError(`the tunnel through ${proxy.key} carried ${rest.length} bytes before the client spoke`));
      if (origin.scheme === "https") this.targetTls();
      else this.finish(false);
    };
    if (proxy.scheme === "socks5" || proxy.scheme === "socks5h") openSocksTunnel(this.socket, origin, proxy, lookup(this.options.family ?? 0), next);
    else openHttpTunnel(this.socket, origin, proxy, next);
  }

  /** TLS to the target inside the tunnel. */
  private targetTls(): void {
    this.stage = "tls";
    const inner = this.socket;
    this.unwatch(inner);
    // Errors of the tunnel's socket still end the dial; its close shows up as the TLS socket's.
    // (A net.Socket under TLS hands its handle to the TLS socket, whose errors these then are: these
    // listeners are for a tunnel that is not a net.Socket, and no tunnel here is one.)
    // Stryker disable next-line StringLiteral: see above
    inner.on("error", this.onError);
    const socket = loadTls().connect({ socket: inner, ...this.tlsOptions(this.origin.hostname, this.origin.key) });
    this.remember(socket, this.origin.key);
    this.socket = this.watch(socket);
    socket.once("secureConnect", () => {
      // From now on a failure of the tunnel's socket is the TLS socket's, which the Connection watches.
      // Stryker disable next-line StringLiteral: see above
      inner.off("error", this.onError);
      // Stryker disable next-line StringLiteral,ArrowFunction: see above
      inner.on("error", (err) => socket.destroy(err));
      this.times.tls = performance.now();
      this.finish(false);
    });
  }

  private tlsOptions(hostname: string, key: string): tlsModule.ConnectionOptions {
    return this.options.tls.connectOptions(hostname, loadNet().isIP(hostname) !== 0, key);
  }

  private remember(socket: tlsModule.TLSSocket, key: string): void {
    this.options.tls.remember(socket, key);
  }

  private finish(borrowed: boolean): void {
    if (this.stage === "done") return;
    this.stage = "done";
    const socket = this.socket;
    this.unwatch(socket);
    if (!borrowed) {
      socket.on("data", this.onData);
      socket.resume(); // a tunnel's handshake left it paused
    }
    const handOver = (): void => {
      this.handedOver = true;
      if (!borrowed) socket.off("data", this.onData).pause();
    };
    this.report.connected({ socket, borrowed, handOver });
  }

  private fail(err: Error | undefined): void {
    if (this.stage === "done") return;
    const stage = this.stage;
    this.cancel();
    this.report.failed(this.describe(stage, err));
  }

  /** The error a failed step is reported as, in words, with Node's own error as its cause. */
  private describe(stage: DialStage, err: Error | undefined): Error {
    if (err instanceof HTTPError) return err; // the tunnel's own ProxyError
    const { origin } = this;
    const proxy = origin.proxy;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const context = err === undefined ? {} : { cause: err };
    switch (stage) {
      case "connect": {
        const to = proxy !== undefined ? `the proxy ${proxy.key}` : this.options.socketPath !== undefined ? `the Unix socket ${this.options.socketPath}` : origin.key;
        return new ConnectError(err === undefined ? `the connection to ${to} closed while connecting` : `could not connect to ${to}: ${err.message}`, context);
      }
      case "proxy tls":
        return new ConnectError(describeTlsError(code, proxy!.hostname, "proxy") ?? `TLS to the proxy ${proxy!.key} failed: ${err?.message ?? "the proxy closed the connection"}`, context);
      case "tunnel":
        return new ProxyError(`the proxy ${proxy!.key} ${err === undefined ? "closed the connection" : `failed (${err.message})`} before the tunnel to ${origin.hostname}:${origin.port} was open`, context);
      default: {
        // A server that checks client certificates itself (Node's) may just hang up on one it refuses.
        const hungUp = (code === "ECONNRESET" || err === undefined) && this.options.tls.clientCertificate;
        const words = hungUp
          ? `the server ${origin.hostname} closed the connection during the TLS handshake: it probably refused our client certificate`
          : (describeTlsError(code, origin.hostname) ?? `the TLS handshake with ${origin.hostname} failed: ${err?.message ?? "the server closed the connection"}`);
        return new ConnectError(words, context);
      }
    }
  }

  private watch<S extends net.Socket>(socket: S): S {
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    return socket;
  }

  private unwatch(socket: net.Socket): void {
    socket.off("error", this.onError);
    socket.off("close", this.onClose);
  }
}
