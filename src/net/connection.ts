/**
 * Connection: one socket, one response parser, one request at a time (or, with
 * opt-in pipelining, a few in flight whose responses are read in order).
 *
 *   connecting ──► idle ◄──► active
 *        │          │          │
 *        └──────────┴──────────┴──► closed (final, with a reason)
 *
 * A connection knows nothing about queues or limits: its owner (the pool) tells
 * it to send a request and hears back when it becomes idle or closes. What it
 * does know is whether it can be trusted with another request: only when the
 * response ended cleanly, both sides want to keep it, nothing followed the
 * response, and nothing arrived while it sat idle.
 *
 * Socket listeners are attached once per connection, not per request, a single
 * timer per connection is refreshed for the connect, write and read timeouts, and
 * each request reports to its ExchangeHandler: the per-request cost here is one
 * Exchange object, no promise.
 */
import { createRequire } from "node:module";
import type net from "node:net";
import type tlsModule from "node:tls";
import {
  ConnectError,
  ConnectTimeout,
  LocalProtocolError,
  type Phase,
  ReadError,
  ReadTimeout,
  RemoteProtocolError,
  type TransportError,
  WriteError,
  WriteTimeout,
} from "../errors.js";
import { CHUNK_END, chunkSizeLine, type Framing, LAST_CHUNK } from "../http/framing.js";
import { ResponseParser, type ResponseHead } from "../http/parser.js";
import { type BodySource, ResponseBody } from "./body.js";
import {
  BEHIND,
  Exchange,
  type ExchangeHandler,
  type ExchangeTimeouts,
  type Failure,
  type OutgoingRequest,
  pipelinable,
} from "./exchange.js";
import type { Origin } from "./origin.js";

export type ConnectionState = "connecting" | "idle" | "active" | "closed";

export type CloseReason =
  | "server closed"
  | "expired"
  | "keep-alive limit"
  | "making room"
  | "pool closed"
  | "not reusable"
  | "unexpected data"
  | "aborted"
  | "timeout"
  | "error";

export interface TlsOptions {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ConnectOptions {
  readonly tls?: TlsOptions | undefined;
  /** Connect to this Unix socket instead of host:port (the origin still names the Host). */
  readonly socketPath?: string | undefined;
  readonly maxHeaderSize?: number | undefined;
  readonly connectTimeout: number | null;
  /** Requests that may be in flight at once (HTTP/1.1 pipelining); 1, the default, means none. */
  readonly pipelining?: number | undefined;
}

export interface ConnectionOwner {
  connectionIdle(conn: Connection): void;
  connectionClosed(conn: Connection): void;
}

/** After the reader gives up on a body, this much more may be read to keep the connection. */
const DRAIN_LIMIT = 64 * 1024;
/** Errors that mean the peer dropped the connection, as opposed to a timeout or bad bytes. */
const DROP_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
type TimerKind = "connect" | "write" | "read";

let nextId = 1;

function withContext(error: Error, origin: string, phase: Phase): void {
  const e = error as TransportError;
  if (typeof e.withContext === "function") e.withContext({ origin, phase });
}

// node:net costs about 2 ms to import and node:tls (with the crypto it pulls in) more: they are
// loaded by the first connection that needs them, so that importing wirepool stays cheap.
const require = createRequire(import.meta.url);
let netModule: typeof net | undefined;
let tls: typeof tlsModule | undefined;
const loadNet = (): typeof net => (netModule ??= require("node:net") as typeof net);
const loadTls = (): typeof tlsModule => (tls ??= require("node:tls") as typeof tlsModule);

/** Size of a plain TCP connection's read buffer (see `onread` in the constructor). */
const READ_SIZE = 64 * 1024;
/** Body pieces smaller than this are copied out of the read buffer; larger ones take the buffer with them. */
const COPY_BELOW = 16 * 1024;

export class Connection implements BodySource {
  readonly id = nextId++;
  readonly origin: Origin;
  readonly createdAt = performance.now();
  state: ConnectionState = "connecting";
  closeReason: CloseReason | undefined;
  /** When the connection last became idle (performance.now()). */
  idleSince = 0;
  /** Requests sent on this connection, the current ones included. */
  requests = 0;
  /** The server's Keep-Alive timeout hint, in ms, from the latest response. */
  keepAliveHint: number | undefined;
  /** Resolves once connected; rejects with ConnectError or ConnectTimeout. */
  readonly ready: Promise<void>;

  private readonly owner: ConnectionOwner;
  private readonly socket: net.Socket;
  /** Chunks handed to onData live in `readBuffer`, which the next read overwrites (plain TCP only). */
  private readonly borrowed: boolean;
  private readBuffer: Buffer | undefined;
  /** A body chunk still points into `readBuffer`: the next read needs a fresh one. */
  private readBufferTaken = false;
  private readonly parser: ResponseParser;
  /** Requests sent and not yet answered, oldest first: the parser is reading the first one's response. */
  private exchanges: Exchange[] = [];
  private readonly maxInFlight: number;
  private timer: NodeJS.Timeout | undefined;
  private timerKind: TimerKind = "connect";
  private timerMs = 0;
  private armed = false;
  private settleReady: ((e?: unknown) => void) | undefined;
  private drainWaiter: (() => void) | undefined;

  constructor(origin: Origin, options: ConnectOptions, owner: ConnectionOwner) {
    this.origin = origin;
    this.owner = owner;
    this.maxInFlight = options.pipelining ?? 1;
    this.parser = new ResponseParser(
      { onHead: (h) => this.onHead(h), onBody: (c) => this.onBody(c), onEnd: () => this.onEnd() },
      options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize },
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (e) => (e === undefined ? resolve() : reject(e));
    });
    // Nobody may be waiting on `ready` when it fails (the request was aborted); that is not an unhandled rejection.
    this.ready.catch(() => {});

    const where = options.socketPath !== undefined ? { path: options.socketPath } : { host: origin.hostname, port: origin.port };
    if (origin.scheme === "https") {
      const t = options.tls ?? {};
      this.socket = loadTls().connect({
        ...where,
        ...t,
        servername: t.servername ?? (loadNet().isIP(origin.hostname) === 0 ? origin.hostname : undefined),
        ALPNProtocols: ["http/1.1"],
      });
      this.socket.once("secureConnect", () => this.onConnect());
      this.borrowed = false;
      this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    } else {
      // Plain TCP reads into a buffer of ours (`onread`) instead of a new one per read pushed
      // through a Readable stream: that machinery cost more CPU per response than our parser.
      // The buffer is reused until a large body chunk keeps a view of it (see onBody).
      const callback = (n: number, buf: Uint8Array): boolean => {
        this.onData((buf as Buffer).subarray(0, n));
        return true; // false would pause the socket; backpressure goes through pause() instead
      };
      this.socket = loadNet().connect({ ...where, onread: { buffer: () => this.nextReadBuffer(), callback } });
      this.socket.once("connect", () => this.onConnect());
      this.borrowed = true;
    }
    this.socket.setNoDelay(true);
    this.socket.on("end", () => this.onEof());
    this.socket.on("error", (err) => this.onSocketError(err));
    this.socket.on("close", () => this.onSocketClose());
    this.socket.on("drain", () => this.onDrain());
    this.arm("connect", options.connectTimeout);
  }

  /** Whether the connection can take a request right now: idle, and the socket shows no sign of closing. */
  isUsable(): boolean {
    const s = this.socket;
    return this.state === "idle" && !s.destroyed && s.writable && !s.readableEnded && s.readableLength === 0;
  }

  /**
   * Whether `request` can be sent now: on an idle, usable connection, or (with
   * pipelining) behind requests in flight when all of them, and this one, are
   * idempotent with bodies held whole, and nothing has gone wrong so far.
   */
  canTake(request: OutgoingRequest): boolean {
    if (this.state === "idle") return this.isUsable();
    const n = this.exchanges.length;
    if (this.state !== "active" || n === 0 || n >= this.maxInFlight || !pipelinable(request)) return false;
    const last = this.exchanges[n - 1]!;
    const s = this.socket;
    return last.pipelinable && last.written && !this.exchanges[0]!.early && !s.destroyed && s.writable && !s.readableEnded;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.exchanges.length;
  }

  /**
   * Sends a request; `handler` hears of the response head (with a body to read) or
   * of the error that came first, then that the exchange is over. The connection
   * becomes idle again (and tells its owner) once every response was read to the
   * end and the connection is still reusable. Only when canTake(request).
   */
  send(request: OutgoingRequest, timeouts: ExchangeTimeouts, handler: ExchangeHandler): void {
    if (!this.canTake(request)) throw new Error(`connection ${this.id} (${this.state}) cannot take this request now`);
    const first = this.exchanges.length === 0;
    this.requests++;
    const ex = new Exchange(request.method, timeouts, handler, pipelinable(request), this.requests);
    this.exchanges.push(ex);
    if (first) {
      this.state = "active";
      this.socket.ref();
      this.parser.expect(request.method);
    }
    const { head, body, framing } = request;
    const socket = this.socket;
    if (body === null || body instanceof Uint8Array) {
      if (body === null && framing.kind !== "chunked") {
        // The head alone: one write (corking would only buffer it on the way).
        socket.write(head, "latin1");
      } else {
        // Several pieces leave together, in one writev.
        socket.cork();
        socket.write(head, "latin1");
        if (body !== null && body.length > 0) {
          if (framing.kind === "chunked") {
            socket.write(chunkSizeLine(body.length), "latin1");
            socket.write(body);
            socket.write(CHUNK_END + LAST_CHUNK, "latin1");
          } else {
            socket.write(body);
          }
        } else if (framing.kind === "chunked") {
          socket.write(LAST_CHUNK, "latin1");
        }
        socket.uncork();
      }
      if (socket.writableNeedDrain) {
        if (first) this.arm("write", timeouts.write);
      } else {
        this.written(ex);
      }
    } else {
      this.arm("write", timeouts.write);
      void this.writeStream(ex, head, body, framing);
    }
  }

  /**
   * Fails the request `handler` is waiting for with `error` and closes the
   * connection (a request that was sent cannot be taken back). Other requests in
   * flight fail as dropped, which the pool may retry.
   */
  abort(error: TransportError | Error, handler?: ExchangeHandler): void {
    if (this.state === "closed") return;
    this.fail(error, "aborted", false, handler);
  }

  /** Closes the connection now. Idempotent. */
  close(reason: CloseReason): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeReason = reason;
    this.armed = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket.destroy();
    this.parser.destroy();
    this.settleReady?.(new ConnectError(`connection closed before it was established (${reason})`, { origin: this.origin.key, phase: "connect" }));
    this.settleReady = undefined;
    this.owner.connectionClosed(this);
  }

  // --- BodySource: the reader's backpressure and cancellation

  pause(): void {
    this.socket.pause();
    // A slow reader is not a slow server: the read timeout waits until we read again.
    this.disarm();
  }

  resume(): void {
    const ex = this.exchanges[0];
    if (ex === undefined) return;
    this.arm("read", ex.timeouts.read);
    this.socket.resume();
  }

  cancel(): void {
    const ex = this.exchanges[0];
    if (ex === undefined || this.state !== "active") return;
    // Reading a small remainder is cheaper than a new connection; onData gives up past DRAIN_LIMIT.
    ex.draining = 0;
    this.resume();
  }

  // --- writing

  private async writeStream(ex: Exchange, head: string, body: AsyncIterable<Uint8Array>, framing: Framing): Promise<void> {
    const socket = this.socket;
    const chunked = framing.kind === "chunked";
    let sent = 0;
    try {
      socket.write(head, "latin1");
      for await (const chunk of body) {
        if (ex.over || ex.early) return; // aborted, failed, or answered already
        if (chunk.length === 0) continue; // an empty chunk would end a chunked body early
        sent += chunk.length;
        if (framing.kind === "length" && sent > framing.length) {
          throw new LocalProtocolError(`the request body is longer than its Content-Length of ${framing.length}`);
        }
        let ok: boolean;
        if (chunked) {
          socket.cork();
          socket.write(chunkSizeLine(chunk.length), "latin1");
          socket.write(chunk);
          ok = socket.write(CHUNK_END, "latin1");
          socket.uncork();
        } else {
          ok = socket.write(chunk);
        }
        if (!ok) await this.waitForDrain(ex);
        if (ex.over || ex.early) return;
      }
      if (framing.kind === "length" && sent !== framing.length) {
        throw new LocalProtocolError(`the request body has ${sent} bytes but its Content-Length is ${framing.length}`);
      }
      if (chunked) socket.write(LAST_CHUNK, "latin1");
      if (socket.writableNeedDrain) await this.waitForDrain(ex);
      if (!ex.over && !ex.early) this.written(ex);
    } catch (err) {
      if (ex.over || ex.early) return;
      const error = err instanceof LocalProtocolError ? err : new WriteError("reading the request body failed", { cause: err });
      this.fail(error, "error");
    }
  }

  private waitForDrain(ex: Exchange): Promise<void> {
    return new Promise<void>((resolve) => {
      // Also woken when the exchange ends some other way, so the writer loop can exit.
      this.drainWaiter = resolve;
      this.arm("write", ex.timeouts.write);
    });
  }

  private onDrain(): void {
    const w = this.drainWaiter;
    if (w !== undefined) {
      this.drainWaiter = undefined;
      w();
      return;
    }
    // Everything queued has reached the kernel: every request not yet marked written now is.
    if (this.state !== "active") return;
    for (const ex of this.exchanges) if (!ex.written && !ex.early) this.written(ex);
  }

  private written(ex: Exchange): void {
    ex.written = true;
    if (ex.phase === "write") ex.phase = "read head";
    // The read timeout runs for the response being read, which is the first one's.
    if (ex === this.exchanges[0]) this.arm("read", ex.timeouts.read);
  }

  // --- reading

  private onData(chunk: Buffer): void {
    const ex = this.exchanges[0];
    if (this.state !== "active" || ex === undefined) {
      // Bytes nobody asked for: the connection is out of step with the server. Never reuse it.
      this.close("unexpected data");
      return;
    }
    if (ex.draining >= 0 && (ex.draining += chunk.length) > DRAIN_LIMIT) {
      this.close("not reusable");
      return;
    }
    // One chunk may end one response and begin the next (pipelining): feed what is left to the next.
    for (let data = chunk; ; ) {
      let state;
      try {
        state = this.parser.feed(data);
      } catch (err) {
        this.fail(err instanceof RemoteProtocolError ? err : new ReadError("reading the response failed", { cause: err }), "error");
        return;
      }
      if (state !== "done") {
        // More of this response to come: the read timeout starts again. (A response that ended
        // needs no refresh: complete() stops the timer or arms it for the next one.)
        if (this.armed && this.timerKind === "read") this.timer!.refresh();
        return;
      }
      const leftover = this.parser.leftover;
      if (!this.complete(leftover)) return;
      data = data.subarray(data.length - leftover);
    }
  }

  private onHead(head: ResponseHead): void {
    const ex = this.exchanges[0]!;
    this.keepAliveHint = head.keepAliveTimeout;
    if (!ex.written) {
      // The server answered before taking the whole request (e.g. 413): hand over the answer, stop sending.
      ex.early = true;
      this.wakeWriter();
    }
    ex.phase = "read body";
    ex.keepAlive = head.keepAlive;
    ex.body = new ResponseBody(this);
    ex.handler.onResponse({ head, body: ex.body });
  }

  private onBody(chunk: Uint8Array): void {
    const body = this.exchanges[0]?.body;
    if (body === undefined || body.done) return;
    if (this.borrowed) {
      // Small pieces are copied so the buffer can be read into again; a large one keeps the
      // buffer (no copy at all) and the next read gets a new one, as Node would have done.
      if (chunk.length < COPY_BELOW) chunk = Buffer.from(chunk);
      else this.readBufferTaken = true;
    }
    body.push(chunk);
  }

  /** Where the next read goes: the same buffer, unless a body chunk still needs it. */
  private nextReadBuffer(): Buffer {
    if (this.readBuffer === undefined || this.readBufferTaken) {
      this.readBuffer = Buffer.allocUnsafe(READ_SIZE);
      this.readBufferTaken = false;
    }
    return this.readBuffer;
  }

  private onEnd(): void {
    this.exchanges[0]?.body?.end();
  }

  /**
   * The first response ended, and `leftover` bytes followed it in the chunk. Keep
   * the connection only if every condition for reuse holds. Returns true when the
   * leftover bytes belong to the next pipelined response and should be parsed.
   */
  private complete(leftover: number): boolean {
    const ex = this.exchanges.shift()!;
    ex.over = true;
    ex.handler.onEnd();
    const reusable = ex.keepAlive && ex.written && !ex.early && this.state === "active";
    if (!reusable) {
      this.closeBehind("not reusable");
      return false;
    }
    const next = this.exchanges[0];
    if (next !== undefined) {
      this.parser.expect(next.method);
      if (next.written) this.arm("read", next.timeouts.read);
      return leftover > 0;
    }
    this.disarm();
    if (leftover > 0) {
      // Bytes after the last response we asked for: junk, or an answer to nothing. Poisoned.
      this.close("not reusable");
      return false;
    }
    this.state = "idle";
    this.idleSince = performance.now();
    // An idle connection must not keep the process alive (the pool may simply be forgotten).
    this.socket.unref();
    this.owner.connectionIdle(this);
    return false;
  }

  /** Closes the connection; requests still waiting behind the last response fail as dropped (retryable). */
  private closeBehind(reason: CloseReason): void {
    if (this.exchanges.length === 0) this.close(reason);
    else this.fail(new ReadError("the connection closed before this pipelined request was answered"), reason, true, BEHIND);
  }

  private onEof(): void {
    const ex = this.exchanges[0];
    if (this.state !== "active" || ex === undefined) {
      this.close("server closed");
      return;
    }
    let state;
    try {
      state = this.parser.finish();
    } catch (err) {
      this.fail(err as RemoteProtocolError, "server closed", true);
      return;
    }
    if (state === "done") {
      this.complete(0);
      this.closeBehind("server closed");
    }
  }

  // --- failures

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.state === "closed") return;
    const ex = this.exchanges[0];
    if (this.state === "connecting") {
      this.fail(new ConnectError(`could not connect to ${this.origin.key}: ${err.message}`, { cause: err }), "error");
      return;
    }
    if (ex === undefined) {
      this.close("error");
      return;
    }
    // Our write failing after the server already answered (it closed after a 413, say) is not
    // the caller's problem: the response is still read to its end.
    if (ex.early && err.code === "EPIPE") return;
    const dropped = DROP_CODES.has(err.code ?? "");
    const error = ex.phase === "write" && !ex.early ? new WriteError(`write failed: ${err.message}`, { cause: err }) : new ReadError(`read failed: ${err.message}`, { cause: err });
    this.fail(error, "error", dropped);
  }

  private onSocketClose(): void {
    if (this.state === "closed") return;
    const ex = this.exchanges[0];
    if (ex !== undefined || this.state === "connecting") {
      const error = this.state === "connecting" ? new ConnectError(`connection to ${this.origin.key} closed while connecting`) : new ReadError("connection closed unexpectedly");
      this.fail(error, "server closed", true);
      return;
    }
    this.close("server closed");
  }

  /**
   * Fails whatever is in progress (connecting, or the exchanges in flight) and
   * closes the connection. `error` goes to `target`'s exchange (by default the
   * first, whose response was being read); requests pipelined behind it fail as
   * dropped before any response, which the pool may retry.
   */
  private fail(error: Error, reason: CloseReason, dropped = false, target?: ExchangeHandler): void {
    const exchanges = this.exchanges;
    this.exchanges = [];
    if (this.state === "connecting") {
      withContext(error, this.origin.key, "connect");
      this.settleReady?.(error);
      this.settleReady = undefined;
    }
    for (let i = 0; i < exchanges.length; i++) {
      const ex = exchanges[i]!;
      ex.over = true;
      const own = target === undefined ? i === 0 : ex.handler === target;
      const err = own ? error : target === BEHIND ? new ReadError(error.message) : new ReadError(`the connection failed before this pipelined request was answered: ${error.message}`, { cause: error });
      withContext(err, this.origin.key, ex.phase);
      const failure: Failure = own
        ? { error: err as TransportError, reused: ex.sequence > 1, beforeResponse: ex.body === undefined && (i > 0 || this.parser.received === 0), dropped }
        : { error: err as TransportError, reused: true, beforeResponse: true, dropped: true };
      if (ex.body === undefined) ex.handler.onError(err, failure);
      else ex.body.fail(err);
      ex.handler.onEnd();
    }
    this.wakeWriter();
    this.close(reason);
  }

  private wakeWriter(): void {
    const w = this.drainWaiter;
    this.drainWaiter = undefined;
    w?.();
  }

  private onConnect(): void {
    if (this.state !== "connecting") return;
    this.disarm();
    this.state = "idle";
    this.idleSince = performance.now();
    this.socket.unref();
    this.settleReady?.();
    this.settleReady = undefined;
  }

  // --- the one timer
  // Created once and refreshed for each phase. Disarming only clears `armed`: a timer that
  // fires disarmed does nothing, which is cheaper than clearing and creating timers per request.

  private arm(kind: TimerKind, ms: number | null): void {
    if (ms === null || ms === Infinity) {
      this.disarm();
      return;
    }
    this.timerKind = kind;
    this.armed = true;
    if (this.timer !== undefined && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(() => this.onTimeout(), ms);
    this.timer.unref();
  }

  private disarm(): void {
    this.armed = false;
  }

  private onTimeout(): void {
    if (!this.armed || this.state === "closed") return;
    this.armed = false;
    const ms = this.timerMs;
    switch (this.timerKind) {
      case "connect":
        this.fail(new ConnectTimeout(`connect timed out after ${ms} ms`), "timeout");
        break;
      case "write":
        this.fail(new WriteTimeout(`write made no progress for ${ms} ms`), "timeout");
        break;
      case "read":
        this.fail(new ReadTimeout(`no data from the server for ${ms} ms`), "timeout");
        break;
    }
  }
}
