/**
 * Connection: one socket, one response parser, one request at a time (or, with
 * opt-in pipelining, a few in flight whose responses are read in order).
 *
 *   connecting ──► idle ◄──► active
 *        │          │          │
 *        └──────────┴──────────┴──► closed (final, with a reason)
 *
 * A connection knows nothing about queues or limits: its owner (the pool) tells
 * it to send a request and hears back when it is ready, idle or closed. What it
 * does know is whether it can be trusted with another request: `afterResponse()`,
 * the reuse verdict, below.
 *
 * Its rooms: dial.ts opens the socket, request-writer.ts writes requests,
 * phase-timer.ts is the one timer for connect/write/read, read-buffer.ts is where
 * plain TCP reads go; this file keeps the
 * lifecycle, the queue of exchanges, the read loop and the verdict. Socket
 * listeners are attached once per connection, not per request: the per-request
 * cost here is one Exchange object, no promise.
 */
import type net from "node:net";
import type { TLSSocket } from "node:tls";
import {
  ConnectError,
  ConnectTimeout,
  type Outcome,
  outcomeOf,
  type Phase,
  ReadError,
  ReadTimeout,
  RemoteProtocolError,
  StreamClosed,
  type TransportError,
  WriteError,
  WriteTimeout,
} from "../errors.js";
import { ResponseParser, type ResponseHead } from "../http/parser.js";
import { type BodySource, ResponseBody } from "./body.js";
import { type DialOptions, type Dialed, Dialing } from "./dial.js";
import { Exchange, type ExchangeHandler, type ExchangeTimeouts, type Failure, type OutgoingRequest, pipelinable } from "./exchange.js";
import type { Origin } from "./origin.js";
import { PhaseTimer, type TimerPhase } from "./phase-timer.js";
import { ReadBuffer } from "./read-buffer.js";
import { RequestWriter } from "./request-writer.js";
import { describeTlsError, isClientCertAlert } from "./tls-errors.js";
import type { CloseReason, ConnectionOwner, ConnectionState } from "./types.js";

export interface ConnectOptions extends DialOptions {
  readonly maxHeaderSize?: number | undefined;
  readonly connectTimeout: number | null;
  /** Requests that may be in flight at once (HTTP/1.1 pipelining); 1 means none. */
  readonly pipelining: number;
  /** With `Expect: 100-continue`, ms to wait for the 100 before sending the body anyway. */
  readonly expectContinueTimeout?: number | undefined;
}

/** After the reader gives up on a body, this much more may be read to keep the connection. */
const DRAIN_LIMIT = 64 * 1024;
/** Errors that mean the peer dropped the connection, as opposed to a timeout or bad bytes. */
const DROP_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/**
 * The reuse verdict, once a response has ended (RFC 9112 §9.3): keep the connection
 * only if the response ended cleanly, both sides want to keep it, the whole request
 * was written and not answered early, and nothing we did not ask for followed.
 *   "close"  not reusable;
 *   "next"   a pipelined request is waiting for its response: read on (the leftover bytes are its);
 *   "idle"   reusable, nothing in flight.
 */
export function afterResponse(ended: Pick<Exchange, "keepAlive" | "written" | "early">, leftover: number, waiting: number): "close" | "next" | "idle" {
  if (!ended.keepAlive || !ended.written || ended.early) return "close";
  if (waiting > 0) return "next";
  // Bytes after the last response we asked for: junk, or an answer to nothing. Poisoned.
  return leftover > 0 ? "close" : "idle";
}

let nextId = 1;

function withContext(error: Error, origin: string, phase: Phase): void {
  const e = error as TransportError;
  if (typeof e.withContext === "function") e.withContext({ origin, phase });
}

export class Connection implements BodySource {
  readonly id = nextId++;
  readonly origin: Origin;
  readonly createdAt = performance.now();
  /** Written by this class only. */
  state: ConnectionState = "connecting";
  closeReason: CloseReason | undefined;
  /** When the connection last became idle (performance.now()). */
  idleSince = 0;
  /** Requests sent on this connection, the current ones included. */
  requests = 0;
  /** The server's Keep-Alive timeout hint, in ms, from the latest response. */
  keepAliveHint: number | undefined;

  private readonly owner: ConnectionOwner<Connection>;
  /** The dial under way, until the socket is connected (dial.ts). */
  private readonly dialing: Dialing;
  /** Set once connected; before that every method that uses it is unreachable (the state is "connecting"). */
  private socket!: net.Socket;
  /** Plain TCP reads into this buffer of ours, which the next read overwrites; TLS reads into Node's. */
  private readBuffer: ReadBuffer | undefined;
  private readonly parser: ResponseParser;
  private writer!: RequestWriter;
  private readonly timer: PhaseTimer;
  /** Requests sent and not yet answered, oldest first: the parser is reading the first one's response. */
  private exchanges: Exchange[] = [];
  private readonly maxInFlight: number;
  private readonly expectContinueTimeout: number | undefined;
  /** The connected socket, as dial.ts handed it over. */
  private dialed: Dialed | undefined;
  /** Ours on the socket, attached once; taken off only when the socket is handed over (upgraded()). */
  private readonly listeners: [string, (err: NodeJS.ErrnoException) => void][] = [
    ["end", () => this.onEof()],
    ["error", (err: NodeJS.ErrnoException) => this.onSocketError(err)],
    ["close", () => this.onSocketClose()],
    ["drain", () => this.onDrain()],
  ];

  constructor(origin: Origin, options: ConnectOptions, owner: ConnectionOwner<Connection>) {
    this.origin = origin;
    this.owner = owner;
    this.maxInFlight = options.pipelining;
    this.expectContinueTimeout = options.expectContinueTimeout;
    this.parser = new ResponseParser(
      {
        onHead: (h) => this.onHead(h),
        onInformational: (status) => {
          if (status === 100) this.writer.proceed(this.exchanges[0]!);
        },
        onBody: (c) => this.onBody(c),
        onEnd: () => this.exchanges[0]?.body?.end(),
      },
      options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize },
    );
    this.timer = new PhaseTimer((phase, ms) => this.onTimeout(phase, ms));
    const readBuffer = new ReadBuffer();
    this.dialing = new Dialing(
      origin,
      options,
      // Stryker disable next-line ConditionalExpression,EqualityOperator: which buffer a read lands in is a speed-up; keep() copies what it must from either
      { readBuffer: () => readBuffer.next(this.state === "active"), onData: (c) => this.onData(c) },
      { connected: (dialed) => this.onConnect(dialed, readBuffer), failed: (error) => this.fail(error, "error") },
    );
    this.timer.arm("connect", options.connectTimeout);
  }

  /** When TCP was up and when TLS was done (performance.now()), for the events. */
  get dialTimes(): { tcp?: number; tls?: number } {
    return this.dialing.times;
  }

  /** Whether the connection can take a request right now: idle, and the socket shows no sign of closing. */
  isUsable(): boolean {
    const s = this.socket;
    if (this.state !== "idle" || s.destroyed || !s.writable) return false;
    // (`readableEnded` is set as "end" is emitted, which closes the connection at once, and an idle
    // socket flows, so nothing waits unread in it: these two are for a socket in a state we never see.)
    return !s.readableEnded && s.readableLength === 0;
  }

  /**
   * Whether `request` can be sent now: on an idle, usable connection, or (with
   * pipelining) behind requests in flight when all of them, and this one, are
   * idempotent with bodies held whole, and nothing has gone wrong so far.
   */
  canTake(request: OutgoingRequest): boolean {
    if (this.state === "idle") return this.isUsable();
    const n = this.exchanges.length;
    // No exchange: connecting, closed, or between a response's end and the verdict on the connection.
    if (n === 0 || n >= this.maxInFlight || !pipelinable(request)) return false;
    const last = this.exchanges[n - 1]!;
    const s = this.socket;
    return last.pipelinable && last.written && !this.exchanges[0]!.early && !s.destroyed && s.writable && !s.readableEnded;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.exchanges.length;
  }

  get streaming(): boolean {
    const response = this.exchanges[0]?.response;
    return response === "body" || response === "draining";
  }

  /**
   * Sends a request; `handler` hears how it went (see ExchangeHandler). The
   * connection becomes idle again (and tells its owner) once every response was
   * read to the end and the verdict is "idle". Only when canTake(request).
   */
  send(request: OutgoingRequest, timeouts: ExchangeTimeouts, handler: ExchangeHandler): void {
    if (!this.canTake(request)) throw new Error(`connection ${this.id} (${this.state}) cannot take this request now`);
    this.requests++;
    const ex = new Exchange(request.method, timeouts, handler, pipelinable(request), this.requests);
    this.exchanges.push(ex);
    if (this.exchanges.length === 1) {
      this.state = "active";
      this.socket.ref();
      this.parser.expect(request.method, request.upgrade === true);
    }
    this.writer.write(ex, request);
  }

  /**
   * Fails the request `handler` is waiting for with `error` and closes the
   * connection (a request that was sent cannot be taken back). Other requests in
   * flight fail as dropped, which the pool may retry.
   */
  abort(error: Error, handler?: ExchangeHandler): void {
    // (Closed, it has no exchanges left: fail() then only calls close(), which does nothing.)
    this.fail(error, "aborted", false, handler === undefined ? undefined : (ex) => ex.handler === handler);
  }

  /**
   * Closes the connection now. Idempotent. The owner hears `error` (or a ConnectError)
   * when it never connected. Exchanges still in flight here are ones whose reader gave
   * up (past DRAIN_LIMIT) or, in principle, any other: they end as abandoned.
   */
  close(reason: CloseReason, error?: Error): void {
    if (this.state === "closed") return;
    const wasConnecting = this.state === "connecting";
    this.state = "closed";
    this.closeReason = reason;
    this.timer.clear();
    if (wasConnecting) this.dialing.cancel();
    else this.socket.destroy();
    this.parser.destroy();
    for (const ex of this.exchanges.splice(0)) {
      const err = new ReadError(`the connection was closed (${reason})`, { origin: this.origin.key, phase: ex.phase });
      if (ex.body !== undefined && reason === "pool closed") {
        // The client was closed with this body still open: its reader's next read says so (as httpx does).
        ex.body.fail(new StreamClosed("the response body was closed: the client was closed before it was read to the end"));
        this.end(ex, "aborted");
      } else if (ex.body === undefined) {
        this.stop(ex);
        ex.handler.onError(err, { error: err, reused: ex.sequence > 1, beforeResponse: false, dropped: false });
      } else {
        ex.body.fail(err);
        this.end(ex, "aborted");
      }
    }
    // A streamed body's writer asleep until drain wakes, sees its exchange is over, and exits.
    this.writer?.release();
    this.writer?.wake();
    if (wasConnecting) error ??= new ConnectError(`connection closed before it was established (${reason})`, { origin: this.origin.key, phase: "connect" });
    this.owner.connectionClosed(this, error);
  }

  // --- BodySource: the reader's backpressure and cancellation

  pause(): void {
    this.socket.pause();
    // A slow reader is not a slow server: the read timeout waits until we read again.
    this.timer.disarm();
  }

  resume(): void {
    const ex = this.exchanges[0];
    if (ex === undefined) return;
    this.timer.arm("read", ex.timeouts.read);
    this.socket.resume();
  }

  discard(): void {
    if (this.state === "active") this.close("not reusable");
  }

  cancel(): void {
    const ex = this.exchanges[0];
    if (ex === undefined || this.state !== "active") return;
    // Reading a small remainder is cheaper than a new connection; onData gives up past DRAIN_LIMIT.
    ex.response = "draining";
    this.resume();
  }

  // --- writing (the RequestWriter's reports)

  private written(ex: Exchange): void {
    ex.request = "sent";
    ex.handler.onWritten();
    // The read timeout runs for the response being read, which is the first one's.
    if (ex === this.exchanges[0]) this.timer.arm("read", ex.timeouts.read);
  }

  private onDrain(): void {
    if (this.writer.wake() || this.state !== "active") return;
    // Everything queued has reached the kernel: every request held whole and still being sent now is.
    for (const ex of this.exchanges) if (ex.request === "sending") this.written(ex);
  }

  // --- reading

  private onData(chunk: Buffer): void {
    const ex = this.exchanges[0];
    // No exchange means idle (or connecting): a connection is active exactly while it has one.
    if (ex === undefined) {
      // Bytes nobody asked for: the connection is out of step with the server. Never reuse it.
      this.close("unexpected data");
      return;
    }
    if (ex.response === "draining" && (ex.drained += chunk.length) > DRAIN_LIMIT) {
      this.close("not reusable");
      return;
    }
    // One chunk may end one response and begin the next (pipelining): feed what is left to the next.
    for (let data = chunk; ; ) {
      let state;
      try {
        state = this.parser.feed(data);
      } catch (err) {
        // On a reused connection, bytes that are not even the start of a response (junk a server
        // dribbled after the last one) mean it was out of step before this request was sent:
        // the request fails as if the connection had been dropped, so a GET is retried (#11).
        // (notAResponse implies this response's head had not begun: it is about a message's first bytes.)
        const stale = this.parser.notAResponse && ex.sequence > 1;
        // A TLS record (handshake 0x16, alert 0x15) where "HTTP/" belongs: an http:// URL for a TLS port.
        const tls = this.parser.notAResponse && ex.sequence === 1 && this.parser.received === data.length && (data[0] === 0x15 || data[0] === 0x16);
        const error = tls
          ? new RemoteProtocolError("TLS_RESPONSE", "the server answered in TLS: is this an https:// port?")
          : err instanceof RemoteProtocolError
            ? err
            : new ReadError("reading the response failed", { cause: err });
        this.fail(error, "error", stale ? "stale" : false);
        return;
      }
      if (state !== "done") {
        // More of this response to come: the read timeout starts again. (A response that ended
        // needs no refresh: responseEnded() stops the timer or arms it for the next one.)
        this.timer.refresh("read");
        return;
      }
      const leftover = this.parser.leftover;
      if (ex.switched !== undefined) return this.upgraded(ex, ex.switched, data.subarray(data.length - leftover));
      if (this.responseEnded(leftover) !== "next" || leftover === 0) return;
      data = data.subarray(data.length - leftover);
    }
  }

  private onHead(head: ResponseHead): void {
    const ex = this.exchanges[0]!;
    if (head.status === 101) {
      // Asked for (the parser refuses any other 101): handed over once its head is known to have ended.
      ex.switched = head;
      ex.response = "body";
      return;
    }
    this.keepAliveHint = head.keepAliveTimeout;
    if (ex.request === "sending") {
      // The server answered before taking the whole request (e.g. 413, or a 417 to Expect:
      // 100-continue before the body left): hand over the answer, stop sending.
      ex.request = "abandoned";
      this.writer.release();
      this.writer.wake();
    }
    ex.response = "body";
    ex.keepAlive = head.keepAlive;
    ex.body = new ResponseBody(this);
    ex.handler.onResponse({ head, body: ex.body });
  }

  private onBody(chunk: Uint8Array): void {
    const body = this.exchanges[0]?.body;
    if (body === undefined || body.done) return;
    body.push(this.readBuffer === undefined ? chunk : this.readBuffer.keep(chunk));
  }

  /**
   * The first response ended, and `leftover` bytes followed it in the chunk. Acts on
   * the reuse verdict and returns it: on "next", the caller parses the leftover bytes
   * as the next pipelined response.
   */
  private responseEnded(leftover: number): "close" | "next" | "idle" {
    const ex = this.exchanges.shift()!;
    this.end(ex, "response");
    const verdict = this.state === "active" ? afterResponse(ex, leftover, this.exchanges.length) : "close";
    switch (verdict) {
      case "close":
        this.closeBehind("not reusable");
        break;
      case "next": {
        const next = this.exchanges[0]!;
        this.parser.expect(next.method);
        // The timer times it now: its response, or the rest of its request if that is still waiting to drain.
        if (next.written) this.timer.arm("read", next.timeouts.read);
        else this.timer.arm("write", next.timeouts.write);
        break;
      }
      case "idle":
        this.timer.disarm();
        this.becomeIdle();
        this.owner.connectionIdle(this);
        break;
    }
    return verdict;
  }

  /**
   * The server switched protocols (101) as the request asked: the connection leaves the pool
   * for good and its socket goes to the caller, with the bytes already read past the head.
   */
  private upgraded(ex: Exchange, head: ResponseHead, rest: Uint8Array): void {
    this.exchanges.shift();
    this.state = "closed";
    this.closeReason = "upgraded";
    this.timer.clear();
    this.parser.destroy();
    this.writer.release();
    const socket = this.socket;
    for (const [event, listener] of this.listeners) socket.off(event, listener);
    this.dialed!.handOver();
    const body = new ResponseBody(this);
    body.end();
    ex.response = "done";
    // Copied: the chunk may live in a read buffer that the next read overwrites.
    ex.handler.onResponse({ head, body, upgrade: { socket, head: Buffer.from(rest) } });
    ex.handler.onEnd("response");
    this.owner.connectionClosed(this);
  }

  private becomeIdle(): void {
    this.readBuffer?.release();
    this.state = "idle";
    this.idleSince = performance.now();
    // An idle connection must not keep the process alive (the pool may simply be forgotten).
    this.socket.unref();
  }

  /** Closes the connection; requests still waiting behind the last response fail as dropped (retryable). */
  private closeBehind(reason: CloseReason): void {
    // Nobody owns the error: each request behind fails as dropped before any response (see fail()).
    // Stryker disable next-line BooleanLiteral: `dropped` is read for the owner's failure only, and there is none
    this.fail(new ReadError("the connection closed before this pipelined request was answered"), reason, true, () => false);
  }

  private onEof(): void {
    if (this.exchanges.length === 0) {
      this.close("server closed");
      return;
    }
    if (this.refusedClientCertificate()) {
      const error = new ConnectError(
        `the server ${this.origin.hostname} closed the connection right after the TLS handshake, before any answer: it probably refused our client certificate`,
        { phase: "connect" },
      );
      this.fail(error, "server closed");
      return;
    }
    try {
      // With a request in flight the parser is inside its response: finish() ends a body delimited
      // by the close, or throws for anything cut short.
      this.parser.finish();
    } catch (err) {
      this.fail(err as RemoteProtocolError, "server closed", true);
      return;
    }
    this.responseEnded(0);
    this.closeBehind("server closed");
  }

  // --- failures

  /**
   * TLS 1.3 ends the client's handshake before the server has checked the client's
   * certificate; a server that refuses it may send an alert (onSocketError words it) or,
   * as Node's does, just close. A first request on a connection that presented a
   * certificate, ended by EOF before a single byte: that is what it looks like.
   */
  private refusedClientCertificate(): boolean {
    // (http:// needs no check of its own: a plain socket has no getCertificate().)
    if (this.exchanges[0]?.sequence !== 1 || this.parser.received !== 0) return false;
    const mine = (this.socket as Partial<TLSSocket>).getCertificate?.();
    return mine !== null && mine !== undefined && Object.keys(mine).length > 0;
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.state === "closed") return;
    const ex = this.exchanges[0];
    if (ex === undefined) {
      this.close("error");
      return;
    }
    if (ex.sequence === 1 && isClientCertAlert(err.code)) {
      // TLS 1.3 finishes the client's handshake before the server checks the client's
      // certificate: its refusal arrives as the first read fails. It is a failure to connect.
      const error = new ConnectError(describeTlsError(err.code, this.origin.hostname)!, { cause: err, phase: "connect" });
      this.fail(error, "error");
      return;
    }
    // Our write failing after the server already answered (it closed after a 413, say) is not
    // the caller's problem: the response is still read to its end.
    if (ex.early && err.code === "EPIPE") return;
    // Stryker disable next-line StringLiteral: no code is in DROP_CODES whatever stands in for it
    const dropped = DROP_CODES.has(err.code ?? "");
    const error = ex.phase === "write" ? new WriteError(`write failed: ${err.message}`, { cause: err }) : new ReadError(`read failed: ${err.message}`, { cause: err });
    this.fail(error, "error", dropped);
  }

  /** Closed with neither EOF nor error (destroyed under us): whatever is in flight was dropped; idle, it just closes. */
  private onSocketClose(): void {
    if (this.state === "closed") return;
    this.fail(new ReadError("connection closed unexpectedly"), "server closed", true);
  }

  /**
   * Fails whatever is in progress (connecting, or the exchanges in flight) and
   * closes the connection. `error` goes to the exchange `owns` picks (by default the
   * first, whose response was being read); the others were pipelined behind it and
   * fail as dropped before any response, which the pool may retry. `dropped` says the peer
   * dropped the connection; "stale", that what came was not a response at all (see onData).
   */
  private fail(error: Error, reason: CloseReason, dropped: boolean | "stale" = false, owns?: (ex: Exchange) => boolean): void {
    if (this.state === "connecting") {
      withContext(error, this.origin.key, "connect");
      this.close(reason, error);
      return;
    }
    const exchanges = this.exchanges.splice(0);
    const noneOwn = owns !== undefined && !exchanges.some(owns);
    // Read before the loop gives `error` its context: the others' messages quote it bare, all alike.
    const said = error.message;
    for (let i = 0; i < exchanges.length; i++) {
      const ex = exchanges[i]!;
      const own = owns === undefined ? i === 0 : owns(ex);
      const err = own ? error : noneOwn ? new ReadError(said) : new ReadError(`the connection failed before this pipelined request was answered: ${said}`, { cause: error });
      withContext(err, this.origin.key, ex.phase);
      if (ex.body !== undefined) {
        ex.body.fail(err);
        this.end(ex, outcomeOf(err));
        continue;
      }
      const failure: Failure = own
        ? { error: err as TransportError, reused: ex.sequence > 1, beforeResponse: dropped === "stale" || i > 0 || this.parser.received === 0, dropped: dropped !== false }
        : { error: err as TransportError, reused: true, beforeResponse: true, dropped: true };
      this.stop(ex);
      ex.handler.onError(err, failure);
    }
    this.close(reason);
  }

  /** Nothing more happens to `ex`: the writer stops, the reader is done. */
  private stop(ex: Exchange): void {
    if (ex.request === "sending") ex.request = "abandoned";
    ex.response = "done";
  }

  /** The terminal call of an exchange whose head was delivered. */
  private end(ex: Exchange, outcome: Outcome): void {
    this.stop(ex);
    ex.handler.onEnd(outcome);
  }

  private onConnect(dialed: Dialed, readBuffer: ReadBuffer): void {
    const { socket, borrowed } = dialed;
    if (this.state !== "connecting") return;
    this.timer.disarm();
    this.socket = socket;
    this.readBuffer = borrowed ? readBuffer : undefined;
    this.writer = new RequestWriter(
      socket,
      {
        written: (ex) => this.written(ex),
        stalled: (ex) => {
          // The timer times the first exchange: one pipelined behind it waits under its read timeout.
          if (ex === this.exchanges[0]) this.timer.arm("write", ex.timeouts.write);
        },
        failed: (_ex, error) => this.fail(error, "error"),
      },
      this.expectContinueTimeout,
    );
    this.dialed = dialed;
    for (const [event, listener] of this.listeners) socket.on(event, listener);
    this.becomeIdle();
    this.owner.connectionReady(this);
  }

  private onTimeout(phase: TimerPhase, ms: number): void {
    if (this.state === "closed") return;
    switch (phase) {
      case "connect":
        // Each step of the dial stalls for its own reasons: the message names the one that did.
        this.fail(new ConnectTimeout(connectTimeoutMessage(this.dialing.stage, this.origin, ms)), "timeout");
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

/** What a connect timeout says, by the step of the dial that was under way. Exported for its test. */
export function connectTimeoutMessage(stage: Dialing["stage"], origin: Origin, ms: number): string {
  switch (stage) {
    case "proxy tls":
      return `the TLS handshake with the proxy ${origin.proxy!.key} timed out after ${ms} ms`;
    case "tunnel":
      return `the proxy ${origin.proxy!.key} did not open the tunnel within ${ms} ms`;
    case "tls":
      return `TLS handshake timed out after ${ms} ms`;
    default:
      return origin.proxy !== undefined ? `connecting to the proxy ${origin.proxy.key} timed out after ${ms} ms` : `connect timed out after ${ms} ms`;
  }
}
