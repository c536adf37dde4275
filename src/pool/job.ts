import type { Connection } from "../net/connection.js";
import type { ExchangeHandler, Failure, IncomingResponse, OutgoingRequest } from "../net/exchange.js";
import type { Origin } from "../net/origin.js";
import type { ConnectionPool, PoolCaller, PoolRequestOptions } from "./pool.js";

/**
 * One request from the moment it reaches the pool until its response head (or an
 * error): it waits in the queue, is given a connection, and hears back from the
 * connection as its ExchangeHandler. No promise is made here besides the one the
 * caller awaits.
 */
export class Job implements ExchangeHandler {
  /** The connection working for it, once assigned. */
  connection: Connection | undefined;
  /**
   * Set when a reused connection failed under this request: the retry must go on a
   * connection opened after that moment (performance.now() ms), never on an older
   * one that may be just as stale. -1 before any failure.
   */
  retriedAt = -1;
  /** When waiting turns into a PoolTimeout (performance.now() ms), or Infinity. */
  deadline = Infinity;
  /** Listens to the caller's AbortSignal, from the queue until the response head. */
  onAbort: (() => void) | undefined;
  /** Connections that failed to open for it so far (see PoolOptions.connectRetries). */
  connectFailures = 0;

  constructor(
    readonly pool: ConnectionPool,
    readonly origin: Origin,
    readonly request: OutgoingRequest,
    readonly options: PoolRequestOptions,
    /** The body can be sent again: a condition of the one safe retry. */
    readonly replayable: boolean,
    readonly caller: PoolCaller<unknown>,
    private readonly settle: (value: unknown) => void,
    private readonly fail: (error: unknown) => void,
  ) {}

  resolve(response: IncomingResponse): void {
    this.settle(this.caller.respond(response));
  }

  reject(error: unknown): void {
    this.caller.failing(error);
    this.fail(error);
  }

  onResponse(response: IncomingResponse): void {
    this.pool.succeeded(this, response);
  }

  onError(error: Error, failure: Failure): void {
    this.pool.failed(this, error, failure);
  }

  onEnd(): void {
    this.pool.ended(this);
  }
}
