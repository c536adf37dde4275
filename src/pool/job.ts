/**
 * Job: one request from the moment it reaches the pool until its exchange is
 * over. It waits in the queue, is handed a connection, and then hears from that
 * connection as its ExchangeHandler. No promise is made here besides the one the
 * caller awaits.
 *
 *   waiting ──► connecting ──► exchanging ──► done
 *      │  └──────────────────────►│ (an idle connection)
 *      │            │             │
 *      └────────────┴─────────────┴──► done (aborted, timed out, failed)
 *
 *   exchanging ──► waiting   once, the safe retry (`retry` is set)
 *   connecting ──► backoff ──► waiting   a connection that could not open, with connectRetries:
 *                                        the next try after httpx's backoff (0 s, 0.5 s, 1 s, 2 s...)
 *
 * "done" is reached exactly once, and then the pool emits the request's one
 * terminal event (`request:finished`, with an outcome).
 */
import type { Outcome } from "../errors.js";
import type { ExchangeHandler, Failure, IncomingResponse } from "../net/exchange.js";
import type { QueueNode } from "./linked-queue.js";
import type { PoolCaller, PooledConnection, PoolRequest } from "./types.js";

export type JobStage = "waiting" | "connecting" | "backoff" | "exchanging" | "done";

/** What a Job reports to the pool (the pool implements it). */
export interface JobOwner {
  exchangeFailed(job: Job, error: Error, failure: Failure): void;
  exchangeEnded(job: Job, outcome: Outcome): void;
  /** For the events: the request was written, its response head arrived (see Job.times). */
  exchangeWritten(job: Job): void;
  exchangeResponded(job: Job, status: number): void;
}

let nextId = 1;

export class Job implements ExchangeHandler {
  readonly id = nextId++;
  /** Written by the pool only. */
  stage: JobStage = "waiting";
  /** The connection handed to it (connecting or sending), while it has one. */
  connection: PooledConnection | undefined;
  /**
   * Set when a reused connection failed under this request and it is being retried:
   * the retry goes on a connection opened at or after `notBefore` (clock ms), never on
   * an older one that may be just as stale.
   */
  retry: { readonly notBefore: number } | undefined;
  /**
   * When waiting turns into a PoolTimeout (clock ms); undefined for no pool timeout (not
   * Infinity: a double field costs every Job a boxed number, a queued request 16 bytes).
   */
  deadline: number | undefined;
  /** Its place in its origin's waiters, and among the pool-wait deadlines, while it waits. Written by the pool. */
  waitNode: QueueNode<Job> | undefined;
  deadlineNode: QueueNode<Job> | undefined;
  /** Listens to the caller's AbortSignal, from the queue until the exchange is over. */
  onAbort: (() => void) | undefined;
  /** Connections that failed to open for it so far (see PoolOptions.connectRetries). */
  connectFailures = 0;
  /** In "backoff": the timer that tries again. */
  backoffTimer: { clear(): void } | undefined;
  /** When it was written and answered, for the request:finished event: made only when someone listens. */
  times: { written?: number; head?: number; status?: number } | undefined;

  constructor(
    private readonly owner: JobOwner,
    readonly spec: PoolRequest,
    private readonly caller: PoolCaller<unknown>,
    private readonly resolve: (value: unknown) => void,
    private readonly fail: (error: unknown) => void,
  ) {}

  /** Settles the caller's promise with `error`, which the caller annotates first. */
  reject(error: unknown): void {
    this.caller.annotate(error);
    this.fail(error);
  }

  // --- ExchangeHandler

  /**
   * The response head: the caller's promise resolves (the exchange goes on while the body is
   * read). Not at once: the head is parsed in the middle of the packet that carried it, so the
   * caller is handed the response once the rest of that packet has been parsed too. A small
   * body has then arrived whole, and a caller reading it (HTTPTransport.handleRequestRead) needs
   * no promise for it: resolved at once, that read ran the slow way and the plainest GET lost 6%
   * at conc (bench/ab-shapes.ts).
   */
  onResponse(response: IncomingResponse): void {
    this.owner.exchangeResponded(this, response.head.status);
    queueMicrotask(() => {
      try {
        this.resolve(this.caller.respond(response));
      } catch (err) {
        this.reject(err);
      }
    });
  }

  onWritten(): void {
    this.owner.exchangeWritten(this);
  }

  onError(error: Error, failure: Failure): void {
    this.owner.exchangeFailed(this, error, failure);
  }

  onEnd(outcome: Outcome): void {
    this.owner.exchangeEnded(this, outcome);
  }
}
