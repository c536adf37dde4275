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
 * A request's path: queue → assigned a connection (idle, or new and connecting) →
 * sends → response head → body read → the connection reports idle or closed →
 * `assign()` again. If the caller gives up at any point (abort, timeout), the
 * waiter leaves the queue, or the connection it holds is closed: either way the
 * books balance, because counts are derived from the sets above and the sets
 * change only through `connectionIdle` / `connectionClosed`.
 */
import {
  AbortError,
  PoolTimeout,
  type RequestError,
  TransportError,
} from "../errors.js";
import {
  type CloseReason,
  Connection,
  type ConnectionOwner,
  type IncomingResponse,
  type OutgoingRequest,
  type TlsOptions,
} from "../net/connection.js";
import type { Origin } from "../net/origin.js";
import { DeadlineTimer } from "./deadline-timer.js";
import { EventSink, type PoolListener } from "./events.js";
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
}

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

/** Methods that may be sent twice without changing the outcome (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** A request waiting for a connection. */
class Waiter {
  connection: Connection | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly origin: Origin,
    /** For a connection opened on this waiter's behalf. */
    readonly connectTimeout: number | null,
    /** Only a new connection will do (the retry after a reused one failed). */
    readonly fresh: boolean,
    /** When waiting turns into a PoolTimeout (performance.now() ms), or Infinity. */
    readonly deadline: number,
    readonly poolTimeout: number | null,
    public resolve: (c: Connection) => void,
    public reject: (e: unknown) => void,
  ) {}
}

/** The caller's AbortSignal while a connection works for it: removed when the connection goes idle or closes. */
interface Lease {
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export class ConnectionPool implements ConnectionOwner {
  readonly limits: Limits;
  private readonly options: PoolOptions;
  private readonly events: EventSink;

  private readonly connections = new Set<Connection>();
  private readonly idle = new Map<string, Connection[]>();
  private readonly perOrigin = new Map<string, number>();
  private readonly queue: Waiter[] = [];
  private readonly leases = new Map<Connection, Lease>();
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
   * response head; the connection returns to the pool when the body has been read.
   *
   * `replayable` says the body can be sent again: only then, and only for an
   * idempotent method, is a request that died on a reused connection before any
   * response byte arrived retried, once, on a new connection.
   */
  async request(origin: Origin, request: OutgoingRequest, options: PoolRequestOptions, replayable: boolean): Promise<IncomingResponse> {
    if (this.closing) throw new TransportError("the connection pool is closed", { origin: origin.key });
    this.totals.requests++;
    const { signal } = options;
    let fresh = false;
    for (;;) {
      if (signal?.aborted) throw abortError(signal, origin, "pool wait");
      // The common case needs no waiting: nobody is queued and an idle connection is at hand.
      let conn = !fresh && this.queue.length === 0 ? this.takeIdle(origin) : undefined;
      if (conn !== undefined && this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: origin.key, connection: conn.id });
      if (conn === undefined) {
        conn = await this.enqueue(origin, options, fresh);
        if (conn.state === "connecting") await conn.ready;
        if (signal?.aborted) {
          // Aborted in the instant between getting the connection and using it: give it back unused.
          this.connectionIdle(conn);
          throw abortError(signal, origin, "pool wait");
        }
      }
      if (!conn.isUsable()) {
        // It died between being handed to us and now (the server closed it): not an attempt, ask again.
        conn.close("server closed");
        continue;
      }
      if (conn.requests > 0) {
        this.totals.reused++;
        if (this.events.wants("connection:reused")) this.events.emit({ type: "connection:reused", origin: origin.key, connection: conn.id });
      }
      if (signal !== undefined) this.lease(conn, signal);
      try {
        return await conn.send(request, options.timeouts);
      } catch (err) {
        const f = conn.failure;
        if (f !== undefined && f.reused && f.beforeResponse && f.dropped) {
          const retryable = replayable && IDEMPOTENT.has(request.method);
          if (retryable && !fresh) {
            this.totals.retried++;
            fresh = true;
            continue;
          }
          if (err instanceof TransportError) {
            err.message += retryable ? "; it failed again on a new connection" : `; the connection had been reused and ${request.method} is not retried automatically`;
          }
        }
        throw err;
      }
    }
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
    for (const w of this.queue) {
      entry(w.origin.key).queued++;
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

  // --- waiting for a connection

  /** Queues a waiter and runs assign(); resolves with the connection it is given. */
  private enqueue(origin: Origin, options: PoolRequestOptions, fresh: boolean): Promise<Connection> {
    const { signal } = options;
    const poolTimeout = options.timeouts.pool;
    return new Promise<Connection>((resolve, reject) => {
      const deadline = poolTimeout === null ? Infinity : performance.now() + poolTimeout;
      const waiter = new Waiter(origin, options.timeouts.connect, fresh, deadline, poolTimeout, resolve, reject);
      if (signal !== undefined) {
        const onAbort = (): void => this.giveUp(waiter, abortError(signal, origin, waiter.connection ? "connect" : "pool wait"));
        waiter.onAbort = onAbort;
        signal.addEventListener("abort", onAbort, { once: true });
        // The listener stays until the connection is ready; after that the lease takes over.
        const stop = (): void => signal.removeEventListener("abort", onAbort);
        waiter.resolve = (conn) => {
          if (conn.state === "connecting") conn.ready.then(stop, stop);
          else stop();
          resolve(conn);
        };
        waiter.reject = (err) => {
          stop();
          reject(err);
        };
      }
      this.queue.push(waiter);
      this.waitLimit.require(deadline);
      if (this.events.wants("request:queued")) this.events.emit({ type: "request:queued", origin: origin.key });
      this.assign();
    });
  }

  /** A waiter stops waiting: out of the queue, or its half-made connection closed. */
  private giveUp(waiter: Waiter, error: RequestError): void {
    const i = this.queue.indexOf(waiter);
    if (i !== -1) {
      this.queue.splice(i, 1);
      waiter.reject(error);
      this.maybeFinishClose();
    } else if (waiter.connection?.state === "connecting") {
      // The connection was opened for this waiter alone; it goes with it. Closing it
      // runs assign() again, so the slot it held is not lost.
      waiter.connection.abort(error);
    }
  }

  /** Fails the waiters whose deadline passed; returns the next deadline. */
  private expireWaiters(now: number): number {
    let next = Infinity;
    for (const waiter of [...this.queue]) {
      if (waiter.deadline <= now) {
        const error = new PoolTimeout(`no connection became available within ${waiter.poolTimeout} ms`, { origin: waiter.origin.key, phase: "pool wait" });
        this.giveUp(waiter, error);
      } else {
        next = Math.min(next, waiter.deadline);
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
          const waiter = this.queue[i]!;
          const key = waiter.origin.key;
          const conn = key === blocked ? undefined : ((waiter.fresh ? undefined : this.takeIdle(waiter.origin)) ?? this.open(waiter));
          if (conn === undefined) {
            if (!waiter.fresh) blocked = key;
            i++;
            continue;
          }
          this.queue.splice(i, 1);
          waiter.connection = conn;
          if (this.events.wants("request:assigned")) this.events.emit({ type: "request:assigned", origin: key, connection: conn.id });
          waiter.resolve(conn);
        }
        this.trimIdle();
      } while (this.assignAgain);
    } finally {
      this.assigning = false;
    }
  }

  private takeIdle(origin: Origin): Connection | undefined {
    const stack = this.idle.get(origin.key);
    if (stack === undefined) return undefined;
    while (stack.length > 0) {
      const conn = stack.pop()!;
      this.idleCount--;
      if (conn.isUsable() && !this.expired(conn, performance.now())) return conn;
      conn.close(conn.isUsable() ? "expired" : "server closed");
    }
    return undefined;
  }

  private open(waiter: Waiter): Connection | undefined {
    const { origin } = waiter;
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
        connectTimeout: waiter.connectTimeout,
      },
      this,
    );
    this.connections.add(conn);
    this.perOrigin.set(origin.key, (this.perOrigin.get(origin.key) ?? 0) + 1);
    this.totals.opened++;
    if (this.events.wants("connection:opened")) this.events.emit({ type: "connection:opened", origin: origin.key, connection: conn.id });
    return conn;
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

  // --- leases: the caller's AbortSignal while a connection works for it

  private lease(conn: Connection, signal: AbortSignal): void {
    const onAbort = (): void => conn.abort(abortError(signal, conn.origin, undefined));
    signal.addEventListener("abort", onAbort, { once: true });
    this.leases.set(conn, { signal, onAbort });
  }

  private endLease(conn: Connection): void {
    if (this.leases.size > 0) {
      const lease = this.leases.get(conn);
      if (lease !== undefined) {
        this.leases.delete(conn);
        lease.signal.removeEventListener("abort", lease.onAbort);
      }
    }
    if (conn.requests > 0 && this.events.wants("request:finished")) this.events.emit({ type: "request:finished", origin: conn.origin.key, connection: conn.id });
  }

  // --- ConnectionOwner: the only two ways a connection's state reaches the pool

  connectionIdle(conn: Connection): void {
    this.endLease(conn);
    if (this.events.wants("connection:idle")) this.events.emit({ type: "connection:idle", origin: conn.origin.key, connection: conn.id });
    if (this.closing !== undefined && this.queue.length === 0) {
      conn.close("pool closed");
      return;
    }
    if (this.expired(conn, conn.idleSince)) {
      conn.close("expired");
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
    this.endLease(conn);
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
