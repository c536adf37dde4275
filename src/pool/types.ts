/**
 * The pool's vocabulary, shared by the pool, its Job, the transport above and the
 * tests' fake connections: what a request to the pool carries, what the pool needs
 * of a connection and of a clock, and what it reports.
 */
import type { ExchangeHandler, ExchangeTimeouts, IncomingResponse, OutgoingRequest } from "../net/exchange.js";
import type { Origin } from "../net/origin.js";
import type { CloseReason, ConnectionOwner, ConnectionState } from "../net/types.js";

export interface Timeouts {
  readonly connect: number | null;
  readonly read: number | null;
  readonly write: number | null;
  readonly pool: number | null;
}

/**
 * One request handed to the pool: what is sent (it is the OutgoingRequest the connection
 * writes: one object, not two, per request), where it goes, and how long it may take.
 */
export interface PoolRequest extends OutgoingRequest {
  readonly origin: Origin;
  readonly timeouts: Timeouts;
  readonly signal?: AbortSignal | undefined;
  /** The body can be sent again: a condition of the one safe retry. */
  readonly replayable: boolean;
}

/**
 * What the pool's caller makes of the outcome: the value the request's promise
 * resolves with (HTTPTransport builds its Response here, so it needs no async
 * layer of its own), and a look at every error before it is thrown (to name the request).
 */
export interface PoolCaller<T> {
  respond(response: IncomingResponse): T;
  annotate(error: unknown): void;
}

/**
 * What the pool needs of a connection: a few questions and three commands, like
 * httpcore's connection interface. `net/connection.ts`'s Connection is one; the
 * pool's unit tests use fakes.
 */
export interface PooledConnection {
  readonly id: number;
  readonly origin: Origin;
  /** When it was opened (the pool clock's time). */
  readonly createdAt: number;
  readonly state: ConnectionState;
  readonly closeReason: CloseReason | undefined;
  /** When it last became idle. */
  readonly idleSince: number;
  /** Requests sent on it so far. */
  readonly requests: number;
  /** Requests in flight. */
  readonly inFlight: number;
  /** A response head was handed over and its body is still coming: someone holds an open stream. */
  readonly streaming: boolean;
  /** The server's Keep-Alive timeout hint, in ms, from the latest response. */
  readonly keepAliveHint: number | undefined;
  /** When TCP was up and TLS done (clock ms), if the connection knows: for the events. */
  readonly dialTimes?: { readonly tcp?: number; readonly tls?: number };
  /** Idle, and the socket shows no sign of closing. */
  isUsable(): boolean;
  /** It can be sent `request` now (idle, or pipelining with room). */
  canTake(request: OutgoingRequest): boolean;
  send(request: OutgoingRequest, timeouts: ExchangeTimeouts, handler: ExchangeHandler): void;
  /** Fails the exchange of `handler` (or the connecting) with `error` and closes. */
  abort(error: Error, handler?: ExchangeHandler): void;
  close(reason: CloseReason): void;
}

/** Opens a connection for `origin`; it reports to `owner`. */
export type ConnectionFactory = (origin: Origin, connectTimeout: number | null, owner: ConnectionOwner<PooledConnection>) => PooledConnection;

/** Time for the pool: a monotonic clock in ms and one-shot timers (unref'd: they never keep the process alive). */
export interface Clock {
  now(): number;
  setTimer(callback: () => void, ms: number): { clear(): void };
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
