/**
 * ConnectionPool: who gets which connection, when new ones open, and when old
 * ones go. docs/pooling.md walks through it with a diagram.
 *
 * The data (each field's writers are the functions named):
 *   - `connections`: every open connection (connecting, idle or busy): open(), connectionClosed();
 *   - `idle`: per origin, a stack of idle connections, most recently used on top:
 *     park(), takeIdle(), removeIdle();
 *   - `queue`: requests waiting for a connection, oldest first: dispatch(), assign(),
 *     handToOldestWaiter(), giveUp();
 *   - `opening`: connections still connecting, and the job each was opened for: handOver(),
 *     connectionReady(), connectionClosed().
 * Two caches, kept in step with those sets and checked by checkInvariants() in tests:
 * `idleCount` (the idle stacks' sizes summed) and `perOrigin` (connections per origin).
 *
 * The rule: a connection is given to a request only by handOver(). assign() calls
 * it for every waiter that can be served, and runs whenever anything changes (a
 * request arrives, a connection goes idle or closes), so the limits hold by
 * construction. Two measured shortcuts call handOver() without a pass of assign(),
 * each giving the answer assign() would: dispatch() when nobody waits and an idle
 * connection is at hand, and handToOldestWaiter() when a freed connection's origin
 * is the oldest waiter's.
 *
 * A request's path, as a Job: an idle connection at once, or the queue → handed a
 * connection (idle, new and connecting, or with pipelining a busy one) → sent →
 * response head → body read → the connection reports idle or closed → `assign()`
 * again. If the caller gives up at any point (abort, timeout), the job leaves the
 * queue, or the connection it holds is closed: either way the books balance,
 * because the sets change only through the functions above.
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
import { type Failure, IDEMPOTENT, type IncomingResponse } from "../net/exchange.js";
import type { Origin } from "../net/origin.js";
import type { ConnectionOwner, TlsOptions } from "../net/types.js";
import { DeadlineTimer, SYSTEM_CLOCK } from "./deadline-timer.js";
import { EventSink, type PoolListener } from "./events.js";
import { Job, type JobOwner } from "./job.js";
import { type Limits, type LimitsInit, resolveLimits, wholeNumber } from "./limits.js";
import type { Clock, ConnectionFactory, OriginStats, PoolCaller, PooledConnection, PoolRequest, PoolStats } from "./types.js";

export interface PoolOptions {
  readonly limits?: LimitsInit | undefined;
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
  /** How many times a request tries another new connection when one could not be opened. Default 0. */
  readonly connectRetries?: number | undefined;
  /** Where connections come from; default: real sockets (net/connection.ts). Tests pass fakes. */
  readonly connect?: ConnectionFactory | undefined;
  /** The pool's time; default: performance.now() and unref'd timers. Tests pass a fake clock. */
  readonly clock?: Clock | undefined;
}

/** The caller that wants the response head and body as they come. */
const AS_IS: PoolCaller<IncomingResponse> = { respond: (response) => response, annotate() {} };

export class ConnectionPool implements ConnectionOwner<PooledConnection>, JobOwner {
  readonly limits: Limits;
  private readonly pipelining: number;
  private readonly connectRetries: number;
  private readonly connect: ConnectionFactory;
  private readonly clock: Clock;
  private readonly events: EventSink;

  private readonly connections = new Set<PooledConnection>();
  private readonly idle = new Map<string, PooledConnection[]>();
  private readonly queue: Job[] = [];
  private readonly opening = new Map<PooledConnection, Job>();
  private readonly perOrigin = new Map<string, number>();
  private idleCount = 0;

  private readonly totals = { opened: 0, closed: 0, requests: 0, reused: 0, retried: 0 };
  /** Closes idle connections when they expire. */
  private readonly expiry: DeadlineTimer;
  /** Fails waiters whose pool timeout passed. */
  private readonly waitLimit: DeadlineTimer;
  private assigning = false;
  private assignAgain = false;
  private closing: Promise<void> | undefined;
  private finishClose: (() => void) | undefined;

  constructor(options: PoolOptions = {}) {
    this.limits = resolveLimits(options.limits);
    this.pipelining = wholeNumber("pipelining", options.pipelining ?? 1, 1);
    this.connectRetries = wholeNumber("connectRetries", options.connectRetries ?? 0, 0);
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.events = new EventSink(options.onEvent);
    const { tls, socketPath, maxHeaderSize } = options;
    const pipelining = this.pipelining;
    this.connect = options.connect ?? ((origin, connectTimeout, owner) => new Connection(origin, { tls, socketPath, maxHeaderSize, connectTimeout, pipelining }, owner));
    this.expiry = new DeadlineTimer(this.clock, (now) => this.sweep(now));
    this.waitLimit = new DeadlineTimer(this.clock, (now) => this.expireWaiters(now));
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
      if (this.events.wants("request:queued")) this.events.emit({ type: "request:queued", origin: spec.origin.key, request: job.id });
      this.dispatch(job);
    });
  }

  stats(): PoolStats {
    const origins: Record<string, OriginStats> = {};
    const all: OriginStats = { connections: 0, idle: 0, active: 0, connecting: 0, queued: 0 };
    const entry = (key: string): OriginStats => (origins[key] ??= { connections: 0, idle: 0, active: 0, connecting: 0, queued: 0 });
    for (const c of this.connections) {
      const o = entry(c.origin.key);
      // Outside the pool's callbacks an idle connection is always on its idle stack (see ConnectionState).
      const kind = c.state === "connecting" ? "connecting" : c.state === "idle" ? "idle" : "active";
      o.connections++;
      o[kind]++;
      all.connections++;
      all[kind]++;
    }
    for (const job of this.queue) {
      entry(job.spec.origin.key).queued++;
      all.queued++;
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

  /**
   * Recounts everything the caches and states claim and throws on the first
   * mismatch: for tests, after each step. Cheap enough, but never on a hot path.
   */
  checkInvariants(): void {
    const fail = (what: string): never => {
      throw new Error(`pool invariant broken: ${what}`);
    };
    let onStacks = 0;
    const perOrigin = new Map<string, number>();
    for (const c of this.connections) perOrigin.set(c.origin.key, (perOrigin.get(c.origin.key) ?? 0) + 1);
    for (const [key, stack] of this.idle) {
      if (stack.length === 0) fail(`an empty idle stack is kept for ${key}`);
      for (const c of stack) {
        onStacks++;
        if (!this.connections.has(c)) fail(`idle connection ${c.id} is not open`);
        if (c.state !== "idle") fail(`connection ${c.id} on the idle stack is ${c.state}`);
      }
    }
    for (const c of this.connections) if (c.state === "idle" && !this.idle.get(c.origin.key)?.includes(c)) fail(`idle connection ${c.id} is not on its stack`);
    if (onStacks !== this.idleCount) fail(`idleCount ${this.idleCount}, idle stacks hold ${onStacks}`);
    if (perOrigin.size !== this.perOrigin.size || [...perOrigin].some(([k, n]) => this.perOrigin.get(k) !== n)) fail("perOrigin disagrees with the open connections");
    if (this.connections.size > this.limits.maxConnections) fail(`${this.connections.size} connections open, limit ${this.limits.maxConnections}`);
    for (const n of perOrigin.values()) if (n > this.limits.maxConnectionsPerHost) fail(`${n} connections to one origin, limit ${this.limits.maxConnectionsPerHost}`);
    if (this.idleCount > this.limits.maxKeepAliveConnections) fail(`${this.idleCount} idle, keep-alive limit ${this.limits.maxKeepAliveConnections}`);
    for (const job of this.queue) if (job.stage !== "waiting") fail(`job ${job.id} in the queue is ${job.stage}`);
    for (const [c, job] of this.opening) if (c.state !== "connecting" || job.connection !== c || job.stage !== "connecting") fail(`connection ${c.id} in opening is ${c.state}`);
  }

  // --- a request's way through the pool

  /** A job looks for a connection: at once, or in the queue. */
  private dispatch(job: Job): void {
    const { signal, origin } = job.spec;
    if (signal?.aborted) return this.settle(job, abortError(signal, origin, "pool wait"));
    job.stage = "waiting";
    // Common case: nobody is queued and an idle connection is at hand, which is assign()'s
    // step 1 for the only waiter there would be (seq and conc benches, docs/performance.md).
    if (this.queue.length === 0) {
      const conn = this.takeIdle(origin, job.retry?.notBefore);
      if (conn !== undefined) return this.handOver(job, conn);
    }
    const poolTimeout = job.spec.timeouts.pool;
    if (poolTimeout !== null) {
      job.deadline = this.clock.now() + poolTimeout;
      this.waitLimit.require(job.deadline);
    }
    if (signal !== undefined && job.onAbort === undefined) {
      job.onAbort = () => this.giveUp(job, abortError(signal, origin, job.stage === "connecting" ? "connect" : "pool wait"));
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    this.queue.push(job);
    this.assign();
  }

  /**
   * The one place a job is given a connection: an idle one (sent on at once), a new
   * one (sent on when ready), or with pipelining a busy one.
   */
  private handOver(job: Job, conn: PooledConnection): void {
    job.connection = conn;
    if (this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: job.spec.origin.key, request: job.id, connection: conn.id });
    if (conn.state === "connecting") {
      job.stage = "connecting";
      this.opening.set(conn, job);
    } else {
      this.begin(job, conn);
    }
  }

  /** Sends the job's request on `conn`, which is connected and spoken for. */
  private begin(job: Job, conn: PooledConnection): void {
    const { signal, origin, request, timeouts } = job.spec;
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
      if (this.events.wants("connection:reused")) this.events.emit({ type: "connection:reused", origin: origin.key, connection: conn.id, request: job.id });
    }
    job.stage = "exchanging";
    if (signal !== undefined) {
      // From now on the signal aborts the exchange itself: the connection is closed, never reused.
      if (job.onAbort !== undefined) signal.removeEventListener("abort", job.onAbort);
      job.onAbort = () => conn.abort(abortError(signal, origin, undefined), job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    conn.send(request, timeouts, job);
    // A busy connection that can still pipeline is a new chance for the waiters.
    if (this.queue.length > 0 && this.pipelining > 1) this.assign();
  }

  // --- JobOwner: how an exchange ended

  /** The exchange is over (body read, abandoned or failed after the head). */
  exchangeEnded(job: Job, outcome: Outcome): void {
    this.finished(job, outcome);
  }

  /** The exchange failed before the response head: retry once if that is safe, else report. */
  exchangeFailed(job: Job, error: Error, f: Failure): void {
    const { method } = job.spec.request;
    if (error instanceof TransportError) error.withContext({ connectionReused: f.reused });
    if (f.reused && f.beforeResponse && f.dropped) {
      const retryable = job.spec.replayable && IDEMPOTENT.has(method);
      if (retryable && job.retry === undefined) {
        this.totals.retried++;
        this.unlisten(job); // the listener aborted that exchange; dispatch() listens again
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
    if (job.stage === "done") throw new Error(`job ${job.id} finished twice`);
    job.stage = "done";
    this.unlisten(job);
    if (this.events.wants("request:finished")) {
      const connection = job.connection?.id;
      this.events.emit({ type: "request:finished", origin: job.spec.origin.key, request: job.id, outcome, ...(connection === undefined ? {} : { connection }) });
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
      this.queue.splice(this.queue.indexOf(job), 1);
      this.settle(job, error);
      this.maybeFinishClose();
    } else if (job.stage === "connecting") {
      // The connection was opened for this job alone; it goes with it. Its close reaches
      // connectionClosed(), which settles the job and runs assign(), so the slot is not lost.
      job.connection!.abort(error);
    }
  }

  /** Fails the jobs whose pool timeout passed; returns the next deadline. */
  private expireWaiters(now: number): number {
    let next = Infinity;
    for (const job of [...this.queue]) {
      if (job.deadline <= now) {
        this.giveUp(job, new PoolTimeout(`no connection became available within ${job.spec.timeouts.pool} ms`, { origin: job.spec.origin.key, phase: "pool wait" }));
      } else {
        next = Math.min(next, job.deadline);
      }
    }
    return next;
  }

  /**
   * The assignment function. For each waiting request, oldest first:
   *   1. an idle connection to its origin, most recently used first (a retry takes only
   *      one opened since its failure);
   *   2. else a new connection, if the total and per-origin limits allow;
   *   3. else, if only the total limit is in the way and some other origin has an
   *      idle connection, close the least recently used of those and open one;
   *   4. else, with pipelining, the busy connection of its origin with the fewest
   *      requests in flight that can take it;
   *   5. else it keeps waiting, and the requests behind it are still considered,
   *      so a busy origin never blocks the others.
   * Then idle connections beyond maxKeepAliveConnections are closed, oldest first.
   */
  private assign(): void {
    // Closing a connection calls back into the pool; one pass at a time, repeated if needed.
    if (this.assigning) {
      this.assignAgain = true;
      return;
    }
    this.assigning = true;
    try {
      do {
        this.assignAgain = false;
        // Once an origin can get nothing in this pass, its later waiters cannot either: skip them
        // cheaply (a long queue for one busy origin is the common case under load). A retry is
        // pickier than the rest (step 1), so it blocks nobody.
        let blocked: string | undefined;
        for (let i = 0; i < this.queue.length; ) {
          const job = this.queue[i]!;
          const { origin } = job.spec;
          const conn = origin.key === blocked ? undefined : (this.takeIdle(origin, job.retry?.notBefore) ?? this.open(job) ?? this.pipelineOnto(job));
          if (conn === undefined) {
            if (job.retry === undefined) blocked = origin.key;
            i++;
            continue;
          }
          this.queue.splice(i, 1);
          this.handOver(job, conn);
        }
        this.trimIdle();
      } while (this.assignAgain);
    } finally {
      this.assigning = false;
    }
  }

  /**
   * Step 1: the most recently used idle connection to `origin` opened at or after
   * `openedSince`. Dead or expired ones met on the way are closed.
   */
  private takeIdle(origin: Origin, openedSince = -Infinity): PooledConnection | undefined {
    for (;;) {
      // Looked up again after each close: closing calls back into the pool, which may change the stack.
      const stack = this.idle.get(origin.key);
      if (stack === undefined) return undefined;
      let i = stack.length - 1; // the top, unless a retry skips older ones
      while (i >= 0 && stack[i]!.createdAt < openedSince) i--;
      if (i < 0) return undefined;
      const conn = stack[i]!;
      this.removeIdleAt(stack, i);
      if (conn.isUsable() && !this.expired(conn, this.clock.now())) return conn;
      conn.close(conn.isUsable() ? "expired" : "server closed");
    }
  }

  /** Steps 2 and 3: a new connection for the job, making room under the total limit if it must. */
  private open(job: Job): PooledConnection | undefined {
    const { origin, timeouts } = job.spec;
    const { maxConnections, maxConnectionsPerHost } = this.limits;
    if ((this.perOrigin.get(origin.key) ?? 0) >= maxConnectionsPerHost) return undefined;
    if (this.connections.size >= maxConnections) {
      const victim = this.oldestIdle(origin.key);
      if (victim === undefined) return undefined;
      this.removeIdle(victim);
      victim.close("making room");
    }
    const conn = this.connect(origin, timeouts.connect, this);
    this.connections.add(conn);
    this.perOrigin.set(origin.key, (this.perOrigin.get(origin.key) ?? 0) + 1);
    this.totals.opened++;
    if (this.events.wants("connection:opened")) this.events.emit({ type: "connection:opened", origin: origin.key, connection: conn.id });
    return conn;
  }

  /** Step 4: with pipelining, the busy connection of the job's origin with the fewest requests in flight that can take it. */
  private pipelineOnto(job: Job): PooledConnection | undefined {
    if (this.pipelining <= 1) return undefined;
    const { origin, request } = job.spec;
    const notBefore = job.retry?.notBefore ?? -Infinity;
    let best: PooledConnection | undefined;
    for (const conn of this.connections) {
      if (conn.origin !== origin || conn.state !== "active" || conn.createdAt < notBefore || !conn.canTake(request)) continue;
      if (best === undefined || conn.inFlight < best.inFlight) best = conn;
    }
    return best;
  }

  /** The least recently used idle connection, of any origin but `except`. */
  private oldestIdle(except?: string): PooledConnection | undefined {
    let oldest: PooledConnection | undefined;
    for (const [key, stack] of this.idle) {
      if (key === except) continue;
      const bottom = stack[0]!;
      if (oldest === undefined || bottom.idleSince < oldest.idleSince) oldest = bottom;
    }
    return oldest;
  }

  private trimIdle(): void {
    while (this.idleCount > this.limits.maxKeepAliveConnections) {
      const victim = this.oldestIdle();
      if (victim === undefined) return;
      this.removeIdle(victim);
      victim.close("keep-alive limit");
    }
  }

  // --- ConnectionOwner: the only three ways a connection's state reaches the pool

  connectionReady(conn: PooledConnection): void {
    const job = this.opening.get(conn);
    this.opening.delete(conn);
    if (job !== undefined) this.begin(job, conn);
    else this.connectionIdle(conn);
  }

  connectionIdle(conn: PooledConnection): void {
    if (this.events.wants("connection:idle")) this.events.emit({ type: "connection:idle", origin: conn.origin.key, connection: conn.id });
    if (this.closing !== undefined && this.queue.length === 0) {
      conn.close("pool closed");
      return;
    }
    if (this.expired(conn, conn.idleSince)) {
      conn.close("expired");
      return;
    }
    if (this.handToOldestWaiter(conn)) return;
    this.park(conn);
    this.assign();
  }

  connectionClosed(conn: PooledConnection, error?: Error): void {
    if (!this.connections.delete(conn)) return;
    this.removeIdle(conn);
    const key = conn.origin.key;
    const n = this.perOrigin.get(key);
    if (n === undefined) throw new Error(`pool invariant broken: connection ${conn.id} closed but ${key} has no connections`);
    if (n === 1) this.perOrigin.delete(key);
    else this.perOrigin.set(key, n - 1);
    this.totals.closed++;
    if (this.events.wants("connection:closed")) this.events.emit({ type: "connection:closed", origin: key, connection: conn.id, reason: conn.closeReason! });
    const job = this.opening.get(conn);
    if (job !== undefined) {
      this.opening.delete(conn);
      this.connectFailed(job, error ?? new ConnectError("the connection closed before it was established", { origin: key, phase: "connect" }));
    }
    this.assign();
    this.maybeFinishClose();
  }

  /** The connection opened for `job` never connected. Nothing was sent, so any request may try again. */
  private connectFailed(job: Job, error: Error): void {
    job.connection = undefined;
    if ((error instanceof ConnectError || error instanceof ConnectTimeout) && job.connectFailures++ < this.connectRetries) return this.dispatch(job);
    this.settle(job, error);
  }

  /**
   * Common case of a busy pool: the oldest waiter is for the freed connection's origin,
   * so assign() would hand it this very connection (its step 1, top of the stack).
   * Handing it over directly skips the stop on the idle stack (measured in the conc
   * bench, docs/performance.md "straight handoff"). Returns false when that is not the case.
   */
  private handToOldestWaiter(conn: PooledConnection): boolean {
    const oldest = this.queue[0];
    if (oldest === undefined || this.assigning || oldest.spec.origin !== conn.origin) return false;
    if (conn.createdAt < (oldest.retry?.notBefore ?? -Infinity)) return false;
    this.queue.shift();
    this.handOver(oldest, conn);
    return true;
  }

  // --- the idle stacks

  private park(conn: PooledConnection): void {
    let stack = this.idle.get(conn.origin.key);
    if (stack === undefined) this.idle.set(conn.origin.key, (stack = []));
    stack.push(conn);
    this.idleCount++;
    this.expiry.require(this.deadline(conn));
  }

  private removeIdle(conn: PooledConnection): void {
    const stack = this.idle.get(conn.origin.key);
    const i = stack?.lastIndexOf(conn) ?? -1;
    if (i !== -1) this.removeIdleAt(stack!, i);
  }

  private removeIdleAt(stack: PooledConnection[], i: number): void {
    const conn = stack[i]!;
    stack.splice(i, 1);
    if (this.idleCount-- === 0) throw new Error("pool invariant broken: idleCount below zero");
    if (stack.length === 0) this.idle.delete(conn.origin.key);
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
    let next = Infinity;
    for (const stack of [...this.idle.values()]) {
      for (const c of [...stack]) {
        if (this.expired(c, now)) {
          this.removeIdle(c);
          c.close("expired");
        } else {
          next = Math.min(next, this.deadline(c));
        }
      }
    }
    return next;
  }

  private maybeFinishClose(): void {
    if (this.closing === undefined || this.queue.length > 0) return;
    for (const stack of [...this.idle.values()]) {
      for (const c of [...stack]) {
        this.removeIdle(c);
        c.close("pool closed");
      }
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
