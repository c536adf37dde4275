/**
 * ConnectionPool: who gets which connection, when new ones open, and when old
 * ones go. docs/pooling.md walks through it with a diagram.
 *
 * The data (each field's writers are the functions named):
 *   - `connections`: every open connection (connecting, idle or busy): open(), connectionClosed();
 *   - `origins`: per origin an OriginEntry with its waiters (FIFO), its idle connections and
 *     its open ones: entryFor(), enqueue(), take(), open(), connectionClosed(), release();
 *   - `idle`: every idle connection, on its origin's list and on one across origins, least
 *     recently used first (IdleConnections): parked by connectionIdle(), taken off by
 *     takeIdle(), open() (making room), trimIdle(), sweep() and connectionClosed();
 *   - `blocked`: origins whose waiters wait only for a free slot under the total limit, in
 *     turn (the one waiting longest first): updateBlocked(), fillSlots();
 *   - `opening`: connections still connecting, and the job each was opened for: handOver(),
 *     connectionReady(), connectionClosed();
 *   - `deadlines`: when each waiter's pool timeout runs out: enqueue(), take().
 * Every structure is a linked list or a map, so each event costs the same at any queue
 * depth and any number of origins. checkInvariants() recounts them all in tests.
 *
 * The rule: a connection is given to a request only by handOver(). What to hand over
 * is decided where something changes, each a numbered rule in docs/pooling.md:
 *   - a request arrives (dispatch): an idle connection of its origin, a new one, room made
 *     by closing another origin's least recently used idle one, a pipeline slot; else it waits;
 *   - a connection goes idle (connectionIdle): it serves its own origin's oldest waiter
 *     (no churn), unless the fairness rule says an origin waiting for a slot has waited long
 *     enough; else it is parked, and may be closed to make room for a waiting origin;
 *   - a connection closes (connectionClosed): its slot goes to the waiting origins in turn.
 */
import {
  AbortError,
  ConnectError,
  ConnectTimeout,
  type Outcome,
  outcomeOf,
  PoolTimeout,
  type RequestError,
  TransportError,
} from "../errors.js";
import { Connection } from "../net/connection.js";
import type { DialOptions } from "../net/dial.js";
import { TlsConfig } from "../net/tls-config.js";
import { type Failure, IDEMPOTENT, type IncomingResponse } from "../net/exchange.js";
import type { Origin } from "../net/origin.js";
import type { ConnectionOwner, TlsOptions } from "../net/types.js";
import { DeadlineTimer, SYSTEM_CLOCK } from "./deadline-timer.js";
import { EventSink, type PoolEventType, type PoolListener } from "./events.js";
import { Job, type JobOwner } from "./job.js";
import { type Limits, type LimitsInit, resolveLimits, wholeNumber } from "./limits.js";
import { IdleConnections } from "./idle-connections.js";
import { LinkedQueue } from "./linked-queue.js";
import { OriginEntry } from "./origin-entry.js";
import type { Clock, ConnectionFactory, OriginStats, PoolCaller, PooledConnection, PoolRequest, PoolStats } from "./types.js";
import { WaitDeadlines } from "./wait-deadlines.js";

export interface PoolOptions {
  readonly limits?: LimitsInit | undefined;
  /** How connections are dialed (TLS, proxies' sockets, local address). Default: from `tls` and `socketPath`. */
  readonly dial?: DialOptions | undefined;
  readonly tls?: TlsOptions | undefined;
  readonly socketPath?: string | undefined;
  readonly maxHeaderSize?: number | undefined;
  readonly onEvent?: PoolListener | undefined;
  /**
   * Requests in flight per connection (HTTP/1.1 pipelining). Default 1: none.
   * Only idempotent requests with bodies held whole are pipelined, never behind a
   * streamed body; new connections are opened first, up to the limits.
   */
  readonly pipelining?: number | undefined;
  /** With `Expect: 100-continue`, ms to wait for the 100 before sending the body anyway. Default 1000. */
  readonly expectContinueTimeout?: number | undefined;
  /** How many times a request tries another new connection when one could not be opened. Default 0. */
  readonly connectRetries?: number | undefined;
  /** Where connections come from; default: real sockets (net/connection.ts). Tests pass fakes. */
  readonly connect?: ConnectionFactory | undefined;
  /** The pool's time; default: performance.now() and unref'd timers. Tests pass a fake clock. */
  readonly clock?: Clock | undefined;
}

/** The caller that wants the response head and body as they come. */
const AS_IS: PoolCaller<IncomingResponse> = { respond: (response) => response, annotate() {} };

/**
 * The fairness bound: while origins wait for a slot under the total limit, the first of them
 * gets one after at most this many hand-overs of freed connections to their own origins, per
 * connection the pool may hold (each connection serves about this many more of its own
 * requests first). The next waiting origin's count starts then.
 */
const FAIR_TURNS_PER_CONNECTION = 4;

export class ConnectionPool implements ConnectionOwner<PooledConnection>, JobOwner {
  readonly limits: Limits;
  private readonly pipelining: number;
  private readonly connectRetries: number;
  private readonly connect: ConnectionFactory;
  private readonly clock: Clock;
  private readonly events: EventSink;
  /** See FAIR_TURNS_PER_CONNECTION. */
  private readonly fairTurns: number;

  private readonly connections = new Set<PooledConnection>();
  private readonly origins = new Map<string, OriginEntry>();
  private readonly idle = new IdleConnections();
  private readonly blocked = new LinkedQueue<OriginEntry>();
  private readonly opening = new Map<PooledConnection, Job>();
  private readonly deadlines = new WaitDeadlines<Job>();
  /** Waiters in all origins (the sum of their queue sizes). */
  private waiting = 0;
  /** Jobs waiting out a backoff before their next connect attempt. */
  private readonly backingOff = new Set<Job>();
  /** Freed connections handed to their own origin while origins waited for a slot, since one last got a slot (the fairness rule). */
  private sinceGrant = 0;

  private readonly totals = { opened: 0, closed: 0, requests: 0, reused: 0, retried: 0 };
  /** Closes idle connections when they expire. */
  private readonly expiry: DeadlineTimer;
  /** Fails waiters whose pool timeout passed. */
  private readonly waitLimit: DeadlineTimer;
  private filling = false;
  // Stryker disable next-line BooleanLiteral: fillSlots() clears it before it is first read
  private fillAgain = false;
  private closing: Promise<void> | undefined;
  private finishClose: (() => void) | undefined;

  constructor(options: PoolOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.pipelining = wholeNumber("pipelining", options.pipelining ?? 1, 1);
    this.connectRetries = wholeNumber("connectRetries", options.connectRetries ?? 0, 0);
    this.fairTurns = FAIR_TURNS_PER_CONNECTION * Math.min(this.limits.maxConnections, 1_000_000);
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.events = new EventSink(options.onEvent, () => this.clock.now());
    const { maxHeaderSize, expectContinueTimeout = 1000 } = options;
    const dial = options.dial ?? { tls: new TlsConfig(options.tls ?? {}, true), socketPath: options.socketPath };
    const pipelining = this.pipelining;
    this.connect = options.connect ?? ((origin, connectTimeout, owner) => new Connection(origin, { ...dial, maxHeaderSize, connectTimeout, pipelining, expectContinueTimeout }, owner));
    this.expiry = new DeadlineTimer(this.clock, (now) => this.sweep(now));
    this.waitLimit = new DeadlineTimer(this.clock, (now) => this.deadlines.expire(now, (job) => this.giveUp(job, poolTimeout(job))));
  }

  /**
   * Sends a request on a pooled connection and resolves with the response head
   * (or with what `caller` makes of it); the connection returns to the pool when
   * the body has been read.
   *
   * A request that died on a reused connection before any response byte arrived is
   * retried once, on a new connection, if its method is idempotent and its body
   * `replayable`.
   */
  request(spec: PoolRequest): Promise<IncomingResponse>;
  request<T>(spec: PoolRequest, caller: PoolCaller<T>): Promise<T>;
  request(spec: PoolRequest, caller: PoolCaller<unknown> = AS_IS): Promise<unknown> {
    if (this.closing) {
      const error = new TransportError("the connection pool is closed", { origin: spec.origin.key });
      caller.annotate(error);
      return Promise.reject(error);
    }
    this.totals.requests++;
    return new Promise((resolve, reject) => {
      const job = new Job(this, spec, caller, resolve, reject);
      // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
      if (this.events.wants("request:queued")) {
        const { method, head } = spec;
        const target = head.slice(method.length + 1, head.indexOf(" HTTP/1.1\r\n"));
        this.events.emit({ type: "request:queued", origin: spec.origin.key, request: job.id, method, target });
      }
      this.dispatch(job);
    });
  }

  stats(): PoolStats {
    const origins: Record<string, OriginStats> = {};
    const all: OriginStats = { connections: 0, idle: 0, active: 0, connecting: 0, queued: this.waiting };
    for (const [key, entry] of this.origins) {
      const o: OriginStats = { connections: entry.connections.size, idle: 0, active: 0, connecting: 0, queued: entry.waiters.size };
      for (const c of entry.connections) {
        // Outside the pool's callbacks an idle connection is always on its idle list (see ConnectionState).
        const kind = c.state === "connecting" ? "connecting" : c.state === "idle" ? "idle" : "active";
        o[kind]++;
        all[kind]++;
      }
      all.connections += o.connections;
      origins[key] = o;
    }
    return { ...all, origins, totals: { ...this.totals } };
  }

  /**
   * Stops taking requests, lets the ones already accepted (queued, or waiting for
   * their response head) finish within their own timeouts, closes the connections of
   * responses whose bodies are still open (their readers' next read rejects with
   * StreamClosed: a stream nobody reads would otherwise hold close() forever), then
   * closes every connection. Resolves when nothing is left open.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = new Promise<void>((resolve) => (this.finishClose = resolve));
      for (const c of [...this.connections]) if (c.streaming) c.close("pool closed");
      this.maybeFinishClose();
    }
    return this.closing;
  }

  // Stryker disable all: a test aid; its checks never fire while the pool is right, so a mutant
  // of one can only be seen by breaking the pool at the same time (docs/testing.md).
  /**
   * Recounts everything the structures claim and throws on the first mismatch: for
   * tests, after each step. Cheap enough, but never on a hot path.
   */
  checkInvariants(): void {
    const fail = (what: string): never => {
      throw new Error(`pool invariant broken: ${what}`);
    };
    let inEntries = 0;
    let waiters = 0;
    let idle = 0;
    for (const [key, entry] of this.origins) {
      if (entry.origin.key !== key) fail(`entry ${entry.origin.key} filed under ${key}`);
      if (entry.empty) fail(`an empty entry is kept for ${key}`);
      if (entry.connections.size > this.limits.maxConnectionsPerHost) fail(`${entry.connections.size} connections to ${key}, limit ${this.limits.maxConnectionsPerHost}`);
      inEntries += entry.connections.size;
      waiters += entry.waiters.size;
      for (const c of entry.connections) {
        if (!this.connections.has(c)) fail(`connection ${c.id} of ${key} is not open`);
        if ((c.state === "idle") !== this.idle.has(c)) fail(`connection ${c.id} is ${c.state} but ${this.idle.has(c) ? "" : "not "}on the idle lists`);
      }
      for (const c of entry.idle) {
        idle++;
        if (c.origin !== entry.origin) fail(`connection ${c.id} idle under the wrong origin`);
      }
      for (const job of entry.waiters) if (job.stage !== "waiting") fail(`job ${job.id} in the queue is ${job.stage}`);
      const wantsSlot = entry.waiters.size > 0 && entry.connections.size < this.limits.maxConnectionsPerHost;
      if (entry.blockedNode !== undefined && entry.blockedNode.queue !== this.blocked) fail(`${key}'s blocked node is stale`);
      if (entry.blockedNode !== undefined && !wantsSlot) fail(`${key} is listed as waiting for a slot but wants none`);
      if (entry.blockedNode === undefined && wantsSlot) fail(`${key} wants a slot but is not listed as waiting for one`);
    }
    if (inEntries !== this.connections.size) fail(`entries hold ${inEntries} connections, the pool ${this.connections.size}`);
    if (waiters !== this.waiting) fail(`waiting is ${this.waiting}, the queues hold ${waiters}`);
    if (idle !== this.idle.size || idle !== [...this.idle].length) fail(`idle lists disagree: ${idle} in the origins' lists, ${this.idle.size} in all`);
    if (this.connections.size > this.limits.maxConnections) fail(`${this.connections.size} connections open, limit ${this.limits.maxConnections}`);
    if (idle > this.limits.maxKeepAliveConnections) fail(`${idle} idle, keep-alive limit ${this.limits.maxKeepAliveConnections}`);
    for (const [c, job] of this.opening) if (c.state !== "connecting" || job.connection !== c || job.stage !== "connecting") fail(`connection ${c.id} in opening is ${c.state}`);
  }
  // Stryker restore all


  // --- a request's way through the pool

  /**
   * A job looks for a connection. Rule A (docs/pooling.md), in order:
   *   1. an idle connection of its origin, most recently used first (a retry takes only
   *      one opened since its failure);
   *   2. if none of its origin's requests is waiting before it: a new connection, below both
   *      limits; under the total limit only, after closing the least recently used idle
   *      connection of another origin ("making room");
   *   3. with pipelining, the busy connection of its origin with the fewest requests in flight;
   *   4. else it waits in its origin's queue.
   */
  private dispatch(job: Job): void {
    const { signal, origin } = job.spec;
    if (signal?.aborted) return this.settle(job, abortError(signal, origin, "pool wait"));
    job.stage = "waiting";
    const idle = this.takeIdle(this.entryFor(origin), job.retry?.notBefore);
    if (idle !== undefined) return this.handOver(job, idle);
    // Looked up after takeIdle(): closing a dead idle connection may have dropped the entry.
    const entry = this.entryFor(origin);
    const conn = entry.waiters.size === 0 ? (this.open(entry, job) ?? this.pipelineOnto(entry, job)) : undefined;
    if (conn !== undefined) return this.handOver(job, conn);
    this.enqueue(entry, job);
  }

  private enqueue(entry: OriginEntry, job: Job): void {
    const { timeouts } = job.spec;
    job.waitNode = entry.waiters.push(job);
    this.waiting++;
    if (timeouts.pool !== null) {
      job.deadline = this.clock.now() + timeouts.pool;
      job.deadlineNode = this.deadlines.add(job, timeouts.pool);
      this.waitLimit.require(job.deadline);
    }
    this.listen(job);
    this.updateBlocked(entry);
  }

  /** While a job waits (queued, or for its new connection), its AbortSignal makes it give up. */
  private listen(job: Job): void {
    const { signal, origin } = job.spec;
    if (signal === undefined || job.onAbort !== undefined) return;
    job.onAbort = () => this.giveUp(job, abortError(signal, origin, job.stage === "connecting" || job.stage === "backoff" ? "connect" : "pool wait"));
    // Stryker disable next-line BooleanLiteral,ObjectLiteral: once is tidiness: unlisten() removes the listener when the job ends, fired or not
    signal.addEventListener("abort", job.onAbort, { once: true });
  }

  /** Takes a waiting job out of its origin's queue. */
  private take(entry: OriginEntry, job: Job): void {
    entry.waiters.remove(job.waitNode!);
    job.waitNode = undefined;
    if (job.deadlineNode !== undefined) this.deadlines.remove(job.deadlineNode);
    job.deadlineNode = undefined;
    this.waiting--;
    this.updateBlocked(entry);
  }

  /**
   * The one place a job is given a connection: an idle one (sent on at once), a new
   * one (sent on when ready), or with pipelining a busy one.
   */
  private handOver(job: Job, conn: PooledConnection): void {
    job.connection = conn;
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: job.spec.origin.key, request: job.id, connection: conn.id });
    if (conn.state === "connecting") {
      job.stage = "connecting";
      this.opening.set(conn, job);
      this.listen(job);
    } else {
      this.begin(job, conn);
    }
  }

  /** Sends the job's request on `conn`, which is connected and spoken for. */
  private begin(job: Job, conn: PooledConnection): void {
    const { signal, origin, timeouts } = job.spec;
    const request = job.spec;
    if (signal?.aborted) {
      // Aborted in the instant between getting the connection and using it: give it back unused.
      this.settle(job, abortError(signal, origin, "pool wait"));
      if (conn.state === "idle") this.connectionIdle(conn);
      return;
    }
    if (!conn.canTake(request)) {
      // It died between being handed over and now (the server closed it), or its pipeline
      // filled up: not an attempt, ask again.
      if (conn.state === "idle") conn.close("server closed");
      job.connection = undefined;
      return this.dispatch(job);
    }
    if (conn.requests > 0) {
      this.totals.reused++;
      // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
      if (this.events.wants("connection:reused")) this.events.emit({ type: "connection:reused", origin: origin.key, connection: conn.id, request: job.id });
    }
    job.stage = "exchanging";
    if (signal !== undefined) {
      // From now on the signal aborts the exchange itself: the connection is closed, never reused.
      if (job.onAbort !== undefined) signal.removeEventListener("abort", job.onAbort);
      job.onAbort = () => conn.abort(abortError(signal, origin, undefined), job);
      // Stryker disable next-line BooleanLiteral,ObjectLiteral: once is tidiness: unlisten() removes the listener when the job ends, fired or not
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    conn.send(request, timeouts, job);
    // A busy connection that can still pipeline is a new chance for its origin's waiters.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: without pipelining a busy connection can take nothing, so pipelineWaiters() hands nothing over
    if (this.pipelining > 1) this.pipelineWaiters(conn);
  }

  /** With pipelining: sends waiters of `conn`'s origin behind the requests in flight on it, while it has room. */
  private pipelineWaiters(conn: PooledConnection): void {
    const entry = this.origins.get(conn.origin.key);
    if (entry === undefined) return;
    for (let job = entry.waiterFor(conn); job !== undefined && conn.canTake(job.spec); job = entry.waiterFor(conn)) {
      this.take(entry, job);
      this.handOver(job, conn);
    }
  }

  // --- JobOwner: how an exchange ended

  /** The exchange is over (body read, abandoned or failed after the head). */
  exchangeEnded(job: Job, outcome: Outcome): void {
    this.finished(job, outcome);
  }

  /** The job's request was written: noted for its request:finished event, when anyone listens. */
  exchangeWritten(job: Job): void {
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("request:finished")) (job.times ??= {}).written = this.clock.now();
  }

  /** The job's response head came: noted for its request:finished event, when anyone listens. */
  exchangeResponded(job: Job, status: number): void {
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (!this.events.wants("request:finished")) return;
    const times = (job.times ??= {});
    times.head = this.clock.now();
    times.status = status;
  }

  /** Adds a listener of this pool's events (a timeline recorder, say); returns the function that removes it. */
  observe(listener: PoolListener, types?: readonly PoolEventType[]): () => void {
    return this.events.observe(listener, types);
  }

  /** The exchange failed before the response head: retry once if that is safe, else report. */
  exchangeFailed(job: Job, error: Error, f: Failure): void {
    const { method } = job.spec;
    if (error instanceof TransportError) error.withContext({ connectionReused: f.reused });
    if (f.reused && f.beforeResponse && f.dropped) {
      const retryable = job.spec.replayable && IDEMPOTENT.has(method);
      if (retryable && job.retry === undefined) {
        this.totals.retried++;
        this.unlisten(job); // that listener aborted the exchange; dispatch() listens again while it waits
        job.retry = { notBefore: this.clock.now() };
        job.connection = undefined;
        return this.dispatch(job);
      }
      if (error instanceof TransportError) {
        error.withContext({ note: retryable ? "it failed again on a new connection" : `the connection had been reused and ${method} is not retried automatically` });
      }
    }
    this.settle(job, error);
  }

  /** Ends a job that will not reach a response: its terminal event, then its promise rejects. */
  private settle(job: Job, error: Error): void {
    this.finished(job, outcomeOf(error));
    job.reject(error);
  }

  /** The job's one terminal step: stop listening to its signal, and say how it ended. */
  private finished(job: Job, outcome: Outcome): void {
    // Stryker disable next-line all: an assertion, like checkInvariants(): it fires only if the pool is already wrong
    if (job.stage === "done") throw new Error(`job ${job.id} finished twice`);
    job.stage = "done";
    this.unlisten(job);
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("request:finished")) {
      // One literal, no spreads: built per request while anyone listens.
      const t = job.times;
      this.events.emit({ type: "request:finished", origin: job.spec.origin.key, request: job.id, outcome, connection: job.connection?.id, written: t?.written, head: t?.head, status: t?.status });
    }
  }

  private unlisten(job: Job): void {
    if (job.onAbort === undefined) return;
    job.spec.signal!.removeEventListener("abort", job.onAbort);
    job.onAbort = undefined;
  }

  /** A job stops waiting: out of the queue, or its half-made connection closed. */
  private giveUp(job: Job, error: RequestError): void {
    if (job.stage === "waiting") {
      const entry = this.origins.get(job.spec.origin.key)!;
      this.take(entry, job);
      this.release(entry);
      this.settle(job, error);
      this.maybeFinishClose();
    } else if (job.stage === "connecting") {
      // The connection was opened for this job alone; it goes with it. Its close reaches
      // connectionClosed(), which settles the job and gives the slot to the next waiter.
      job.connection!.abort(error);
    } else if (job.stage === "backoff") {
      this.endBackoff(job);
      this.settle(job, error);
      this.maybeFinishClose();
    }
  }

  // --- finding a connection

  /** The origin's entry, made when it is first needed. */
  private entryFor(origin: Origin): OriginEntry {
    let entry = this.origins.get(origin.key);
    if (entry === undefined) this.origins.set(origin.key, (entry = new OriginEntry(origin)));
    return entry;
  }

  /** Drops an origin's entry once nothing is left in it. */
  private release(entry: OriginEntry): void {
    if (entry.empty && this.origins.get(entry.origin.key) === entry) this.origins.delete(entry.origin.key);
  }

  /**
   * Rule A.1: the most recently used idle connection of the origin opened at or after
   * `openedSince`. Dead or expired ones met on the way are closed.
   */
  private takeIdle(entry: OriginEntry, openedSince = -Infinity): PooledConnection | undefined {
    for (;;) {
      const conn = this.idle.newest(entry, openedSince);
      if (conn === undefined) return undefined;
      this.idle.unpark(conn);
      if (conn.isUsable() && !this.expired(conn, this.clock.now())) return conn;
      // Closing calls back into the pool, which may change the list: look again afterwards.
      conn.close(conn.isUsable() ? "expired" : "server closed");
    }
  }

  /**
   * Rule A.2: a new connection for `job`, below both limits, making room under the total
   * limit by closing another origin's least recently used idle connection.
   */
  private open(entry: OriginEntry, job: Job): PooledConnection | undefined {
    const { maxConnections, maxConnectionsPerHost } = this.limits;
    if (entry.connections.size >= maxConnectionsPerHost) return undefined;
    if (this.connections.size >= maxConnections) {
      const victim = this.idle.oldest(entry.origin);
      if (victim === undefined) return undefined;
      this.idle.unpark(victim);
      victim.close("making room");
    }
    const { origin, timeouts } = job.spec;
    const conn = this.connect(origin, timeouts.connect, this);
    this.connections.add(conn);
    entry.connections.add(conn);
    this.totals.opened++;
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("connection:opened")) {
      const via = origin.proxy === undefined ? {} : { proxy: origin.proxy.key, tunnel: origin.tunnel === true };
      this.events.emit({ type: "connection:opened", origin: origin.key, connection: conn.id, ...via });
    }
    return conn;
  }

  /** Rule A.3: with pipelining, the busy connection of the job's origin with the fewest requests in flight that can take it. */
  private pipelineOnto(entry: OriginEntry, job: Job): PooledConnection | undefined {
    if (this.pipelining <= 1) return undefined;
    const notBefore = job.retry?.notBefore ?? -Infinity;
    let best: PooledConnection | undefined;
    for (const conn of entry.connections) {
      if (conn.state !== "active" || conn.createdAt < notBefore || !conn.canTake(job.spec)) continue;
      if (best === undefined || conn.inFlight < best.inFlight) best = conn;
    }
    return best;
  }

  /**
   * Keeps `blocked` true: an origin is listed while it has waiters and is below its
   * per-host limit, i.e. while only the total limit stands between it and a new connection.
   */
  private updateBlocked(entry: OriginEntry): void {
    const wantsSlot = entry.waiters.size > 0 && entry.connections.size < this.limits.maxConnectionsPerHost;
    if (wantsSlot && entry.blockedNode === undefined) {
      entry.blockedNode = this.blocked.push(entry);
    } else if (!wantsSlot && entry.blockedNode !== undefined) {
      this.blocked.remove(entry.blockedNode);
      entry.blockedNode = undefined;
    }
  }

  /**
   * Rule C: free slots (and idle connections of origins nobody waits for) go to the origins
   * waiting for a slot, in turn: the first listed gets one new connection for its oldest
   * waiter, then goes to the back of the list if it still wants more.
   */
  private fillSlots(): void {
    // Closing a connection to make room calls back here; one pass at a time, repeated if needed.
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.fillAgain = false;
        for (let entry = this.blocked.first(); entry !== undefined; entry = this.blocked.first()) {
          const job = entry.waiters.first()!;
          const conn = this.open(entry, job);
          if (conn === undefined) break; // no slot and nothing idle to close: wait for the next change
          this.blocked.remove(entry.blockedNode!);
          entry.blockedNode = undefined;
          this.sinceGrant = 0;
          this.take(entry, job); // puts the entry back at the end of the list if it still wants a slot
          this.handOver(job, conn);
        }
      } while (this.fillAgain);
    } finally {
      this.filling = false;
    }
  }

  /**
   * The fairness rule (B.2 in docs/pooling.md): the first origin waiting for a slot has waited
   * long enough when freed connections have been handed to their own origins `fairTurns` times
   * since an origin last got a slot. When that first origin is the freed connection's own, the
   * connection serves it here anyway, and closing it would only churn.
   */
  private slotOverdue(except: OriginEntry): boolean {
    if (this.sinceGrant < this.fairTurns) return false;
    const head = this.blocked.first();
    return head !== undefined && head !== except;
  }

  // --- ConnectionOwner: the only three ways a connection's state reaches the pool

  connectionReady(conn: PooledConnection): void {
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("connection:ready")) this.events.emit({ type: "connection:ready", origin: conn.origin.key, connection: conn.id, ...conn.dialTimes });
    const job = this.opening.get(conn);
    this.opening.delete(conn);
    if (job !== undefined) this.begin(job, conn);
    else this.connectionIdle(conn);
  }

  /**
   * Rule B, a connection is free:
   *   1. while the pool closes and nobody waits, or past its expiry: it closes;
   *   2. it serves the oldest waiter of its own origin, unless an origin waiting for a slot is
   *      overdue (the fairness rule): then it closes to make that origin's connection;
   *   3. else it is parked as idle; an origin waiting for a slot may take its place (rule C),
   *      and idle connections beyond maxKeepAliveConnections close, least recently used first.
   */
  connectionIdle(conn: PooledConnection): void {
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("connection:idle")) this.events.emit({ type: "connection:idle", origin: conn.origin.key, connection: conn.id });
    if (this.closing !== undefined && this.waiting === 0) return conn.close("pool closed");
    if (this.expired(conn, conn.idleSince)) return conn.close("expired");
    const entry = this.origins.get(conn.origin.key)!;
    const job = entry.waiterFor(conn);
    if (job !== undefined) {
      if (this.slotOverdue(entry)) return conn.close("making room"); // connectionClosed() gives the slot away
      if (this.blocked.size > 0) this.sinceGrant++;
      this.take(entry, job);
      return this.handOver(job, conn);
    }
    this.idle.park(conn, entry);
    this.expiry.require(this.deadline(conn));
    // Stryker disable next-line ConditionalExpression,EqualityOperator: fillSlots() with nobody blocked does nothing; the guard saves the call
    if (this.blocked.size > 0) this.fillSlots();
    this.trimIdle();
  }

  connectionClosed(conn: PooledConnection, error?: Error): void {
    if (!this.connections.delete(conn)) return;
    this.idle.unpark(conn);
    const key = conn.origin.key;
    const entry = this.origins.get(key);
    if (entry === undefined || !entry.connections.delete(conn)) throw new Error(`pool invariant broken: connection ${conn.id} closed but ${key} does not hold it`);
    this.totals.closed++;
    // Stryker disable next-line ConditionalExpression: the guard only saves building an event nobody hears (docs/performance.md, "The timeline recorder")
    if (this.events.wants("connection:closed")) this.events.emit({ type: "connection:closed", origin: key, connection: conn.id, reason: conn.closeReason! });
    const job = this.opening.get(conn);
    if (job !== undefined) {
      this.opening.delete(conn);
      this.connectFailed(job, error ?? new ConnectError("the connection closed before it was established", { origin: key, phase: "connect" }));
    }
    // Below its per-host limit again, its own waiters join the origins waiting for a slot.
    this.updateBlocked(entry);
    this.release(entry);
    this.fillSlots();
    this.maybeFinishClose();
  }

  /**
   * The connection opened for `job` never connected. Nothing was sent, so any request may
   * try again: with connectRetries, after a backoff (0 s, then 0.5 s, 1 s, 2 s... as httpx).
   * A proxy's refusal (ProxyError) is an answer, not a failure to connect: not retried.
   */
  private connectFailed(job: Job, error: Error): void {
    job.connection = undefined;
    if (!(error instanceof ConnectError || error instanceof ConnectTimeout) || job.connectFailures >= this.connectRetries) return this.settle(job, error);
    const delay = connectBackoff(++job.connectFailures);
    if (delay === 0) return this.dispatch(job);
    job.stage = "backoff";
    this.backingOff.add(job);
    this.listen(job);
    job.backoffTimer = this.clock.setTimer(() => {
      this.endBackoff(job);
      this.dispatch(job);
    }, delay);
  }

  private endBackoff(job: Job): void {
    job.backoffTimer?.clear();
    job.backoffTimer = undefined;
    this.backingOff.delete(job);
  }

  // --- the idle connections

  private trimIdle(): void {
    while (this.idle.size > this.limits.maxKeepAliveConnections) {
      const victim = this.idle.oldest()!;
      this.idle.unpark(victim);
      victim.close("keep-alive limit");
    }
  }

  // --- keep-alive expiry: one timer for the whole pool, set for the earliest deadline

  /** When an idle connection must be closed: our expiry, shortened by the server's Keep-Alive hint. */
  private deadline(conn: PooledConnection): number {
    let ttl = this.limits.keepAliveExpiry;
    // Keep a second of margin below the server's timeout, so we never race its close.
    if (conn.keepAliveHint !== undefined) ttl = Math.min(ttl, conn.keepAliveHint - 1000);
    return conn.idleSince + ttl;
  }

  private expired(conn: PooledConnection, now: number): boolean {
    return this.deadline(conn) <= now;
  }

  /** Closes expired idle connections; returns the next deadline. */
  private sweep(now: number): number {
    // Found first, closed after: closing calls back into the pool, which may change the list.
    const due: PooledConnection[] = [];
    let next = Infinity;
    for (const c of this.idle) {
      if (this.expired(c, now)) due.push(c);
      else next = Math.min(next, this.deadline(c));
    }
    for (const c of due) {
      this.idle.unpark(c);
      c.close("expired");
    }
    return next;
  }

  private maybeFinishClose(): void {
    if (this.closing === undefined || this.waiting > 0 || this.backingOff.size > 0) return;
    for (let c = this.idle.oldest(); c !== undefined; c = this.idle.oldest()) {
      this.idle.unpark(c);
      c.close("pool closed");
    }
    if (this.connections.size > 0) return; // busy ones report back when done
    this.expiry.clear();
    this.waitLimit.clear();
    this.finishClose?.();
    this.finishClose = undefined;
  }
}

function abortError(signal: AbortSignal, origin: Origin, phase: "pool wait" | "connect" | undefined): AbortError {
  return new AbortError("the request was aborted", { cause: signal.reason, origin: origin.key, ...(phase ? { phase } : {}) });
}

/** The wait before connect attempt `n + 1` after `n` failures: httpx's backoff, 0 s, 0.5 s, 1 s, 2 s..., at most 30 s. */
export function connectBackoff(failures: number): number {
  return failures <= 1 ? 0 : Math.min(500 * 2 ** (failures - 2), 30_000);
}

function poolTimeout(job: Job): PoolTimeout {
  return new PoolTimeout(`no connection became available within ${job.spec.timeouts.pool} ms`, { origin: job.spec.origin.key, phase: "pool wait" });
}
