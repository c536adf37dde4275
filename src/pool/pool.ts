/**
 * ConnectionPool: who gets which connection, when new ones open, and when old
 * ones go. docs/pooling.md walks through it with a diagram.
 *
 * The data:
 *   - `connections`: every open connection (connecting, idle or busy);
 *   - `idle`: per origin, a stack of idle connections, most recently used on top;
 *   - `queue`: requests waiting for a connection, oldest first;
 *   - `perOrigin`: how many connections each origin has, for the per-host limit.
 *
 * The rule: all assignment happens in `assign()`, which runs whenever anything
 * changes (a request arrives, a connection goes idle or closes). Nothing else
 * hands out connections, so the limits hold by construction.
 *
 * A request's path, as a Job: an idle connection at once, or the queue → assigned
 * a connection (idle, new and connecting, or with pipelining a busy one) → sent →
 * response head → body read → the connection reports idle or closed → `assign()`
 * again. If the caller gives up at any point (abort, timeout), the job leaves the
 * queue, or the connection it holds is closed: either way the books balance,
 * because counts are derived from the sets above and the sets change only through
 * `connectionIdle` / `connectionClosed`.
 */
import {
  AbortError,
  ConnectError,
  ConnectTimeout,
  PoolTimeout,
  type RequestError,
  TransportError,
} from "../errors.js";
import { type CloseReason, Connection, type ConnectionOwner, type TlsOptions } from "../net/connection.js";
import { type Failure, IDEMPOTENT, type IncomingResponse, type OutgoingRequest } from "../net/exchange.js";
import type { Origin } from "../net/origin.js";
import { DeadlineTimer } from "./deadline-timer.js";
import { EventSink, type PoolListener } from "./events.js";
import { Job } from "./job.js";
import { type Limits, type LimitsInit, resolveLimits } from "./limits.js";

export interface Timeouts {
  readonly connect: number | null;
  readonly read: number | null;
  readonly write: number | null;
  readonly pool: number | null;
}

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
}

/**
 * What the pool's caller makes of the outcome: the value the request's promise
 * resolves with (HTTPTransport builds its Response here, so it needs no async
 * layer of its own), and a look at every error before it is thrown (to name the request).
 */
export interface PoolCaller<T> {
  respond(response: IncomingResponse): T;
  failing(error: unknown): void;
}

/** The caller that wants the response head and body as they come. */
const AS_IS: PoolCaller<IncomingResponse> = { respond: (response) => response, failing() {} };

export interface PoolRequestOptions {
  readonly timeouts: Timeouts;
  readonly signal?: AbortSignal | undefined;
}

export interface OriginStats {
  connections: number;
  idle: number;
  active: number;
  connecting: number;
  queued: number;
}

export interface PoolStats extends OriginStats {
  origins: Record<string, OriginStats>;
  totals: { opened: number; closed: number; requests: number; reused: number; retried: number };
}

export class ConnectionPool implements ConnectionOwner {
  readonly limits: Limits;
  private readonly options: PoolOptions;
  private readonly events: EventSink;

  private readonly connections = new Set<Connection>();
  private readonly idle = new Map<string, Connection[]>();
  private readonly perOrigin = new Map<string, number>();
  private readonly queue: Job[] = [];
  private idleCount = 0;

  private readonly totals = { opened: 0, closed: 0, requests: 0, reused: 0, retried: 0 };
  /** Closes idle connections when they expire. */
  private readonly expiry = new DeadlineTimer((now) => this.sweep(now));
  /** Fails waiters whose pool timeout passed. */
  private readonly waitLimit = new DeadlineTimer((now) => this.expireWaiters(now));
  private assigning = false;
  private assignAgain = false;
  private closing: Promise<void> | undefined;
  private finishClose: (() => void) | undefined;

  constructor(options: PoolOptions = {}) {
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.events = new EventSink(options.onEvent);
  }

  /**
   * Sends `request` to `origin` on a pooled connection and resolves with the
   * response head (or with what `caller` makes of it); the connection returns to
   * the pool when the body has been read.
   *
   * `replayable` says the body can be sent again: only then, and only for an
   * idempotent method, is a request that died on a reused connection before any
   * response byte arrived retried, once, on a new connection.
   */
  request(origin: Origin, request: OutgoingRequest, options: PoolRequestOptions, replayable: boolean): Promise<IncomingResponse>;
  request<T>(origin: Origin, request: OutgoingRequest, options: PoolRequestOptions, replayable: boolean, caller: PoolCaller<T>): Promise<T>;
  request(origin: Origin, request: OutgoingRequest, options: PoolRequestOptions, replayable: boolean, caller: PoolCaller<unknown> = AS_IS): Promise<unknown> {
    if (this.closing) {
      const error = new TransportError("the connection pool is closed", { origin: origin.key });
      caller.failing(error);
      return Promise.reject(error);
    }
    this.totals.requests++;
    return new Promise((resolve, reject) => this.dispatch(new Job(this, origin, request, options, replayable, caller, resolve, reject)));
  }

  stats(): PoolStats {
    const origins: Record<string, OriginStats> = {};
    const all: OriginStats = { connections: 0, idle: 0, active: 0, connecting: 0, queued: 0 };
    const entry = (key: string): OriginStats => (origins[key] ??= { connections: 0, idle: 0, active: 0, connecting: 0, queued: 0 });
    for (const c of this.connections) {
      const o = entry(c.origin.key);
      // A connection handed to a waiter but not yet sending counts as active: it is spoken for.
      const kind = c.state === "connecting" ? "connecting" : this.isIdle(c) ? "idle" : "active";
      o.connections++;
      o[kind]++;
      all.connections++;
      all[kind]++;
    }
    for (const job of this.queue) {
      entry(job.origin.key).queued++;
      all.queued++;
    }
    return { ...all, origins, totals: { ...this.totals } };
  }

  /**
   * Stops taking requests, lets the ones already accepted (queued or in flight)
   * finish, then closes every connection. Resolves when nothing is left open.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = new Promise<void>((resolve) => (this.finishClose = resolve));
      this.maybeFinishClose();
    }
    return this.closing;
  }

  // --- a request's way through the pool

  private dispatch(job: Job): void {
    const { signal } = job.options;
    if (signal?.aborted) return this.finish(job, () => job.reject(abortError(signal, job.origin, "pool wait")));
    // The common case needs no waiting: nobody is queued and an idle connection is at hand.
    if (this.queue.length === 0) {
      const conn = this.takeIdle(job.origin, job.retriedAt);
      if (conn !== undefined) {
        if (this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: job.origin.key, connection: conn.id });
        return this.begin(job, conn);
      }
    }
    const poolTimeout = job.options.timeouts.pool;
    if (poolTimeout !== null) {
      job.deadline = performance.now() + poolTimeout;
      this.waitLimit.require(job.deadline);
    }
    if (signal !== undefined && job.onAbort === undefined) {
      job.onAbort = () => this.giveUp(job, abortError(signal, job.origin, job.connection ? "connect" : "pool wait"));
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    this.queue.push(job);
    if (this.events.wants("request:queued")) this.events.emit({ type: "request:queued", origin: job.origin.key });
    this.assign();
  }

  /** A job gets its connection: send now, or once the new connection is up. */
  private assigned(job: Job, conn: Connection): void {
    job.connection = conn;
    if (this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: job.origin.key, connection: conn.id });
    if (conn.state === "connecting") {
      conn.ready.then(
        () => this.begin(job, conn),
        (err: unknown) => {
          // Nothing was sent on a connection that never opened, so any request may try again.
          if ((err instanceof ConnectError || err instanceof ConnectTimeout) && job.connectFailures++ < (this.options.connectRetries ?? 0)) {
            job.connection = undefined;
            return this.dispatch(job);
          }
          this.finish(job, () => job.reject(err));
        },
      );
    } else {
      this.begin(job, conn);
    }
  }

  /** Sends the job's request on `conn`, which is connected and spoken for. */
  private begin(job: Job, conn: Connection): void {
    const { signal } = job.options;
    if (signal?.aborted) {
      // Aborted in the instant between getting the connection and using it: give it back unused.
      this.finish(job, () => job.reject(abortError(signal, job.origin, "pool wait")));
      if (conn.state === "idle") this.connectionIdle(conn);
      return;
    }
    if (!conn.canTake(job.request)) {
      // It died between being handed over and now (the server closed it), or its pipeline
      // filled up: not an attempt, ask again.
      if (conn.state === "idle") conn.close("server closed");
      job.connection = undefined;
      return this.dispatch(job);
    }
    if (conn.requests > 0) {
      this.totals.reused++;
      if (this.events.wants("connection:reused")) this.events.emit({ type: "connection:reused", origin: job.origin.key, connection: conn.id });
    }
    job.connection = conn;
    if (signal !== undefined) {
      // From now on the signal aborts the exchange itself: the connection is closed, never reused.
      if (job.onAbort !== undefined) signal.removeEventListener("abort", job.onAbort);
      job.onAbort = () => conn.abort(abortError(signal, job.origin, undefined), job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    conn.send(job.request, job.options.timeouts, job);
    // A busy connection that can still pipeline is a new chance for the waiters.
    if (this.queue.length > 0 && (this.options.pipelining ?? 1) > 1) this.assign();
  }

  /** The exchange is over (body read, abandoned or failed): the caller's signal no longer matters. */
  ended(job: Job): void {
    this.detach(job);
    if (this.events.wants("request:finished")) this.events.emit({ type: "request:finished", origin: job.origin.key, connection: job.connection?.id ?? 0 });
  }

  /** The response head arrived. The lease (the abort listener) stays until the body is done. */
  succeeded(job: Job, response: IncomingResponse): void {
    job.resolve(response);
  }

  /** The exchange failed before the response head: retry once if that is safe, else report. */
  failed(job: Job, error: Error, f: Failure): void {
    if (f.reused && f.beforeResponse && f.dropped) {
      const retryable = job.replayable && IDEMPOTENT.has(job.request.method);
      if (retryable && job.retriedAt < 0) {
        this.totals.retried++;
        this.detach(job);
        job.retriedAt = performance.now();
        job.connection = undefined;
        return this.dispatch(job);
      }
      if (error instanceof TransportError) {
        error.message += retryable ? "; it failed again on a new connection" : `; the connection had been reused and ${job.request.method} is not retried automatically`;
      }
    }
    this.finish(job, () => job.reject(error));
  }

  /** Ends a job that will not reach a response: stop listening to its signal, then settle it. */
  private finish(job: Job, settle: () => void): void {
    this.detach(job);
    settle();
  }

  /** Stops listening to the job's AbortSignal, wherever the job is. */
  private detach(job: Job): void {
    if (job.onAbort === undefined) return;
    job.options.signal!.removeEventListener("abort", job.onAbort);
    job.onAbort = undefined;
  }

  /** A job stops waiting: out of the queue, or its half-made connection closed. */
  private giveUp(job: Job, error: RequestError): void {
    const i = this.queue.indexOf(job);
    if (i !== -1) {
      this.queue.splice(i, 1);
      this.finish(job, () => job.reject(error));
      this.maybeFinishClose();
    } else if (job.connection?.state === "connecting") {
      // The connection was opened for this job alone; it goes with it. Closing it
      // runs assign() again, so the slot it held is not lost.
      job.connection.abort(error);
    }
  }

  /** Fails the jobs whose pool timeout passed; returns the next deadline. */
  private expireWaiters(now: number): number {
    let next = Infinity;
    for (const job of [...this.queue]) {
      if (job.deadline <= now) {
        const error = new PoolTimeout(`no connection became available within ${job.options.timeouts.pool} ms`, { origin: job.origin.key, phase: "pool wait" });
        this.giveUp(job, error);
      } else {
        next = Math.min(next, job.deadline);
      }
    }
    return next;
  }

  /**
   * The assignment function. For each waiting request, oldest first:
   *   1. an idle connection to its origin, most recently used first;
   *   2. else a new connection, if the total and per-origin limits allow;
   *   3. else, if only the total limit is in the way and some other origin has an
   *      idle connection, close the least recently used of those and open one;
   *   4. else it keeps waiting, and the requests behind it are still considered,
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
        // cheaply (a long queue for one busy origin is the common case under load).
        let blocked: string | undefined;
        for (let i = 0; i < this.queue.length; ) {
          const job = this.queue[i]!;
          const key = job.origin.key;
          const conn = key === blocked ? undefined : (this.takeIdle(job.origin, job.retriedAt) ?? this.open(job) ?? this.pipelineOnto(job));
          if (conn === undefined) {
            if (job.retriedAt < 0) blocked = key;
            i++;
            continue;
          }
          this.queue.splice(i, 1);
          this.assigned(job, conn);
        }
        this.trimIdle();
      } while (this.assignAgain);
    } finally {
      this.assigning = false;
    }
  }

  /**
   * The most recently used idle connection to `origin` that was opened at or after
   * `openedSince` (a retry must not land on a connection as old as the one that
   * failed). Dead or expired ones met on the way are closed.
   */
  private takeIdle(origin: Origin, openedSince = -1): Connection | undefined {
    const stack = this.idle.get(origin.key);
    if (stack === undefined) return undefined;
    for (let i = stack.length - 1; i >= 0; i--) {
      const conn = stack[i]!;
      if (conn.createdAt < openedSince) continue;
      stack.splice(i, 1); // the top, unless a retry skipped older ones
      this.idleCount--;
      if (conn.isUsable() && !this.expired(conn, performance.now())) return conn;
      conn.close(conn.isUsable() ? "expired" : "server closed");
    }
    return undefined;
  }

  private open(job: Job): Connection | undefined {
    const { origin } = job;
    const { maxConnections, maxConnectionsPerHost } = this.limits;
    if ((this.perOrigin.get(origin.key) ?? 0) >= maxConnectionsPerHost) return undefined;
    if (this.connections.size >= maxConnections) {
      const victim = this.oldestIdle(origin.key);
      if (victim === undefined) return undefined;
      this.removeIdle(victim);
      victim.close("making room");
    }
    const conn = new Connection(
      origin,
      {
        tls: this.options.tls,
        socketPath: this.options.socketPath,
        maxHeaderSize: this.options.maxHeaderSize,
        connectTimeout: job.options.timeouts.connect,
        pipelining: this.options.pipelining,
      },
      this,
    );
    this.connections.add(conn);
    this.perOrigin.set(origin.key, (this.perOrigin.get(origin.key) ?? 0) + 1);
    this.totals.opened++;
    if (this.events.wants("connection:opened")) this.events.emit({ type: "connection:opened", origin: origin.key, connection: conn.id });
    return conn;
  }

  /** With pipelining, the busy connection of the job's origin with the fewest requests in flight that can take it. */
  private pipelineOnto(job: Job): Connection | undefined {
    if ((this.options.pipelining ?? 1) <= 1) return undefined;
    let best: Connection | undefined;
    for (const conn of this.connections) {
      if (conn.origin !== job.origin || conn.state !== "active" || conn.createdAt < job.retriedAt || !conn.canTake(job.request)) continue;
      if (best === undefined || conn.inFlight < best.inFlight) best = conn;
    }
    return best;
  }

  /** The least recently used idle connection, of any origin but `except`. */
  private oldestIdle(except?: string): Connection | undefined {
    let oldest: Connection | undefined;
    for (const [key, stack] of this.idle) {
      if (key === except || stack.length === 0) continue;
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

  // --- ConnectionOwner: the only two ways a connection's state reaches the pool

  connectionIdle(conn: Connection): void {
    if (this.events.wants("connection:idle")) this.events.emit({ type: "connection:idle", origin: conn.origin.key, connection: conn.id });
    if (this.closing !== undefined && this.queue.length === 0) {
      conn.close("pool closed");
      return;
    }
    if (this.expired(conn, conn.idleSince)) {
      conn.close("expired");
      return;
    }
    // The busy case, short: the oldest waiting request is for this origin, so assign() would hand
    // it this connection anyway. Hand it over directly, without a stop on the idle stack.
    const oldest = this.queue[0];
    if (oldest !== undefined && oldest.origin === conn.origin && conn.createdAt >= oldest.retriedAt && !this.assigning) {
      this.queue.shift();
      this.assigned(oldest, conn);
      return;
    }
    let stack = this.idle.get(conn.origin.key);
    if (stack === undefined) this.idle.set(conn.origin.key, (stack = []));
    stack.push(conn);
    this.idleCount++;
    this.expiry.require(this.deadline(conn));
    this.assign();
  }

  connectionClosed(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.removeIdle(conn);
    const key = conn.origin.key;
    const n = (this.perOrigin.get(key) ?? 1) - 1;
    if (n === 0) this.perOrigin.delete(key);
    else this.perOrigin.set(key, n);
    this.totals.closed++;
    if (this.events.wants("connection:closed")) this.events.emit({ type: "connection:closed", origin: key, connection: conn.id, reason: conn.closeReason as CloseReason });
    this.assign();
    this.maybeFinishClose();
  }

  private isIdle(conn: Connection): boolean {
    return this.idle.get(conn.origin.key)?.includes(conn) ?? false;
  }

  private removeIdle(conn: Connection): void {
    const stack = this.idle.get(conn.origin.key);
    const i = stack?.indexOf(conn) ?? -1;
    if (i === -1) return;
    stack!.splice(i, 1);
    this.idleCount--;
    if (stack!.length === 0) this.idle.delete(conn.origin.key);
  }

  // --- keep-alive expiry: one timer for the whole pool, set for the earliest deadline

  /** When an idle connection must be closed: our expiry, shortened by the server's Keep-Alive hint. */
  private deadline(conn: Connection): number {
    let ttl = this.limits.keepAliveExpiry;
    // Keep a second of margin below the server's timeout, so we never race its close.
    if (conn.keepAliveHint !== undefined) ttl = Math.min(ttl, conn.keepAliveHint - 1000);
    return conn.idleSince + ttl;
  }

  private expired(conn: Connection, now: number): boolean {
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
    for (const stack of [...this.idle.values()]) for (const c of [...stack]) c.close("pool closed");
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
