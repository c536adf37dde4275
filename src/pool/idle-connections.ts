/**
 * IdleConnections: the pool's idle connections, each on two lists at once: its
 * origin's (OriginEntry.idle, most recently used last: reuse takes the last, whose
 * socket is the least likely to have been closed by the server) and one across all
 * origins (least recently used first: the first to go for "making room" and for the
 * keep-alive cap). Parking, unparking and finding either end cost the same at any size.
 * What to do with them (reuse, expire, trim) is the pool's business.
 */
import type { Origin } from "../net/origin.js";
import { LinkedQueue, type QueueNode } from "./linked-queue.js";
import type { OriginEntry } from "./origin-entry.js";
import type { PooledConnection } from "./types.js";

export class IdleConnections implements Iterable<PooledConnection> {
  private readonly lru = new LinkedQueue<PooledConnection>();
  /** Each idle connection's place on both lists. */
  private readonly nodes = new Map<PooledConnection, { own: QueueNode<PooledConnection>; lru: QueueNode<PooledConnection> }>();

  get size(): number {
    return this.lru.size;
  }

  has(conn: PooledConnection): boolean {
    return this.nodes.has(conn);
  }

  /** `conn` (a connection of `entry`'s origin) is idle now: the most recently used of all. */
  park(conn: PooledConnection, entry: OriginEntry): void {
    this.nodes.set(conn, { own: entry.idle.push(conn), lru: this.lru.push(conn) });
  }

  /** Takes `conn` off both lists, if it is on them. */
  unpark(conn: PooledConnection): void {
    const nodes = this.nodes.get(conn);
    if (nodes === undefined) return;
    this.nodes.delete(conn);
    nodes.own.queue!.remove(nodes.own);
    this.lru.remove(nodes.lru);
  }

  /** The most recently used idle connection of `entry` opened at or after `openedSince`. */
  newest(entry: OriginEntry, openedSince: number): PooledConnection | undefined {
    let node = entry.idle.lastNode();
    while (node !== undefined && node.value.createdAt < openedSince) node = node.prev;
    return node?.value;
  }

  /** The least recently used idle connection, of any origin but `except`. */
  oldest(except?: Origin): PooledConnection | undefined {
    for (let node = this.lru.firstNode(); node !== undefined; node = node.next) {
      if (node.value.origin !== except) return node.value;
    }
    return undefined;
  }

  /** Least recently used first. */
  [Symbol.iterator](): IterableIterator<PooledConnection> {
    return this.lru[Symbol.iterator]();
  }
}
