/**
 * OriginEntry: the pool's books for one origin. Its waiters (a FIFO), its idle
 * connections (most recently used last), and all its open connections (for the
 * per-host limit and pipelining). The pool makes one when an origin is first
 * used and drops it when the origin has nothing left, so a pool that has talked
 * to a million origins does not keep a million entries.
 */
import type { Origin } from "../net/origin.js";
import type { Job } from "./job.js";
import { LinkedQueue, type QueueNode } from "./linked-queue.js";
import type { PooledConnection } from "./types.js";

export class OriginEntry {
  /** Requests waiting for a connection, oldest first. Written by the pool's enqueue() and take(). */
  readonly waiters = new LinkedQueue<Job>();
  /** Idle connections, least recently used first: push to park, take from the end to reuse. */
  readonly idle = new LinkedQueue<PooledConnection>();
  /** Every open connection to this origin: connecting, idle or busy. */
  readonly connections = new Set<PooledConnection>();
  /** Its place in the pool's list of origins waiting only for a free slot under the total limit. */
  blockedNode: QueueNode<OriginEntry> | undefined;

  constructor(readonly origin: Origin) {}

  /** Nothing left here: no waiter, no connection. */
  get empty(): boolean {
    return this.waiters.size === 0 && this.connections.size === 0;
  }

  /**
   * The oldest waiter that may use `conn`: a retry takes only a connection opened
   * at or after its failure, so it is passed over (and keeps its place) for an older one.
   */
  waiterFor(conn: PooledConnection): Job | undefined {
    for (let node = this.waiters.firstNode(); node !== undefined; node = node.next) {
      const job = node.value;
      if (job.retry === undefined || conn.createdAt >= job.retry.notBefore) return job;
    }
    return undefined;
  }
}
