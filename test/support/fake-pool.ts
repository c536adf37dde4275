/**
 * A pool with no sockets: fake connections the test drives by hand and a fake
 * clock it advances, so the pool's decisions can be tested step by step with no
 * sleeps and no wall-clock thresholds (like hyper-util's pool tests).
 */
import { ConnectError, ReadError, type TransportError } from "../../src/errors.js";
import type { ResponseHead } from "../../src/http/parser.js";
import { ResponseBody } from "../../src/net/body.js";
import type { ExchangeHandler, OutgoingRequest } from "../../src/net/exchange.js";
import { originOf, type Origin } from "../../src/net/origin.js";
import type { CloseReason, ConnectionOwner, ConnectionState } from "../../src/net/types.js";
import type { PoolEvent } from "../../src/pool/events.js";
import { ConnectionPool, type PoolOptions } from "../../src/pool/pool.js";
import type { Clock, PooledConnection, PoolRequest, Timeouts } from "../../src/pool/types.js";

export class FakeClock implements Clock {
  private time = 1000;
  private timers: { at: number; callback: () => void; live: boolean }[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): { clear(): void } {
    const timer = { at: this.time + ms, callback, live: true };
    this.timers.push(timer);
    return { clear: () => void (timer.live = false) };
  }

  /** Moves time forward, running every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let runs = 0; ; runs++) {
      // A timer that keeps setting itself for "now" would spin forever: a bug to report, not to hang on.
      if (runs > 10_000) throw new Error("FakeClock: more than 10,000 timers fell due in one advance()");
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    this.timers = this.timers.filter((t) => t.live);
  }

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

let nextId = 1;

const HEAD = (status: number, keepAliveTimeout?: number): ResponseHead =>
  ({ status, reason: "OK", httpVersion: "1.1", rawHeaders: [], keepAlive: true, keepAliveTimeout }) as unknown as ResponseHead;

/** A connection that does what the test says, when it says so. */
export class FakeConnection implements PooledConnection {
  readonly id = nextId++;
  readonly createdAt: number;
  state: ConnectionState = "connecting";
  closeReason: CloseReason | undefined;
  idleSince = 0;
  requests = 0;
  keepAliveHint: number | undefined;
  /** False once the "server" has closed it while idle (the socket shows it). */
  alive = true;
  /** The request being served and who hears of it. */
  current: { request: OutgoingRequest; handler: ExchangeHandler } | undefined;
  /** Every request sent on it, in order. */
  readonly sent: OutgoingRequest[] = [];

  constructor(
    readonly origin: Origin,
    private readonly clock: FakeClock,
    private readonly owner: ConnectionOwner<PooledConnection>,
  ) {
    this.createdAt = clock.now();
  }

  get inFlight(): number {
    return this.current === undefined ? 0 : 1;
  }

  /** Set by respond(), cleared by finish(). */
  streaming = false;

  isUsable(): boolean {
    return this.state === "idle" && this.alive;
  }

  canTake(): boolean {
    return this.isUsable();
  }

  send(request: OutgoingRequest, _timeouts: unknown, handler: ExchangeHandler): void {
    if (!this.canTake()) throw new Error(`fake connection ${this.id} (${this.state}) cannot take a request`);
    this.requests++;
    this.state = "active";
    this.current = { request, handler };
    this.sent.push(request);
  }

  abort(error: Error): void {
    if (this.state === "connecting") return this.close("aborted", error);
    const current = this.current;
    this.current = undefined;
    current?.handler.onError(error, { error: error as TransportError, reused: this.requests > 1, beforeResponse: true, dropped: false });
    this.close("aborted");
  }

  close(reason: CloseReason, error?: Error): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeReason = reason;
    const current = this.current;
    this.current = undefined;
    if (current !== undefined && this.streaming) current.handler.onEnd("aborted");
    this.streaming = false;
    this.owner.connectionClosed(this, error);
  }

  // --- what the test makes happen

  /** The connection is up. */
  connected(): void {
    this.state = "idle";
    this.idleSince = this.clock.now();
    this.owner.connectionReady(this);
  }

  /** It could not connect. */
  refuse(error: Error = new ConnectError("connection refused")): void {
    this.close("error", error);
  }

  /** The response head arrives (`keepAlive` seconds from a Keep-Alive header, if given). */
  respond(status = 200, keepAlive?: number): void {
    if (keepAlive !== undefined) this.keepAliveHint = keepAlive * 1000;
    this.streaming = true;
    this.current!.handler.onResponse({ head: HEAD(status, this.keepAliveHint), body: ResponseBody.of(new Uint8Array(0)) });
  }

  /** The response was read to its end: the exchange is over and the connection is idle again. */
  finish(): void {
    const { handler } = this.current!;
    this.current = undefined;
    this.streaming = false;
    handler.onEnd("response");
    this.state = "idle";
    this.idleSince = this.clock.now();
    this.owner.connectionIdle(this);
  }

  /** Head and body at once, then idle. */
  serve(status = 200, keepAlive?: number): void {
    this.respond(status, keepAlive);
    this.finish();
  }

  /** The exchange fails; the facts are the retry rule's inputs. */
  fail(facts: { beforeResponse?: boolean; dropped?: boolean; error?: TransportError } = {}): void {
    const { beforeResponse = true, dropped = true, error = new ReadError("read ECONNRESET", { origin: this.origin.key, phase: "read head" }) } = facts;
    const { handler } = this.current!;
    this.current = undefined;
    handler.onError(error, { error, reused: this.requests > 1, beforeResponse, dropped });
    this.close(dropped ? "server closed" : "error");
  }
}

export interface FakePool {
  pool: ConnectionPool;
  clock: FakeClock;
  /** Every connection the pool opened, in order. */
  opened: FakeConnection[];
  events: PoolEvent[];
  /** Sends a GET (or `method`) to `url`; the promise is observed so a rejection is never unhandled. */
  send(url: string, options?: { method?: string; signal?: AbortSignal; timeouts?: Partial<Timeouts>; replayable?: boolean }): Sent;
  /** The connection currently serving `sent`, if any. */
  connectionOf(sent: Sent): FakeConnection | undefined;
  /**
   * One connection per URL, each opened, used once and idle again, 5 ms apart (so the first
   * is the least recently used); then 5 ms more pass. Returns them in that order.
   */
  usedIdle(...urls: string[]): FakeConnection[];
}

export interface Sent {
  readonly spec: PoolRequest;
  readonly result: Promise<unknown>;
  /** "pending", "ok" or the error it failed with, as of now. */
  state(): "pending" | "ok" | Error;
}

const TIMEOUTS: Timeouts = { connect: null, read: null, write: null, pool: null };

export function fakePool(options: Omit<PoolOptions, "connect" | "clock" | "onEvent"> = {}): FakePool {
  const clock = new FakeClock();
  const opened: FakeConnection[] = [];
  const events: PoolEvent[] = [];
  const pool = new ConnectionPool({
    ...options,
    clock,
    onEvent: (e) => events.push(e),
    connect: (origin, _timeout, owner) => {
      const conn = new FakeConnection(origin, clock, owner);
      opened.push(conn);
      return conn;
    },
  });
  const send: FakePool["send"] = (url, o = {}) => {
    const method = o.method ?? "GET";
    const head = `${method} ${url} HTTP/1.1\r\n\r\n`;
    const spec: PoolRequest = {
      origin: originOf(new URL(url)),
      method,
      head,
      framing: { kind: "none" },
      body: null,
      timeouts: { ...TIMEOUTS, ...o.timeouts },
      signal: o.signal,
      replayable: o.replayable ?? true,
    };
    let state: "pending" | "ok" | Error = "pending";
    const result = pool.request(spec).then(
      (r) => {
        state = "ok";
        return r;
      },
      (e: Error) => {
        state = e;
      },
    );
    return { spec, result, state: () => state };
  };
  const connectionOf = (sent: Sent) => opened.find((c) => c.current?.request === sent.spec);
  const usedIdle = (...urls: string[]) => {
    const before = opened.length;
    for (const url of urls) send(url);
    const conns = opened.slice(before);
    if (conns.length !== urls.length) throw new Error("usedIdle: each URL should have opened a connection");
    for (const conn of conns) conn.connected();
    for (const conn of conns) {
      conn.serve();
      clock.advance(5);
    }
    return conns;
  };
  return { pool, clock, opened, events, send, connectionOf, usedIdle };
}
