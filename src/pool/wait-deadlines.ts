/**
 * WaitDeadlines: when each waiting request's pool timeout runs out. Requests with
 * the same pool timeout join in the order they started waiting, so their deadlines
 * come in order too: one FIFO per distinct timeout value (there are few) keeps
 * them all sorted with O(1) insertion and removal, and the earliest deadline is the
 * earliest of the FIFOs' heads. Nothing is copied when the timer fires.
 */
import { LinkedQueue, type QueueNode } from "./linked-queue.js";

export interface Waiting {
  /** Clock ms when the pool timeout runs out: set before the item is added. */
  readonly deadline: number | undefined;
}

export class WaitDeadlines<T extends Waiting> {
  private readonly byTimeout = new Map<number, LinkedQueue<T>>();

  /** Adds `item`, whose deadline is `timeout` ms from now; the node is the handle for remove(). */
  add(item: T, timeout: number): QueueNode<T> {
    let fifo = this.byTimeout.get(timeout);
    if (fifo === undefined) this.byTimeout.set(timeout, (fifo = new LinkedQueue()));
    return fifo.push(item);
  }

  remove(node: QueueNode<T>): void {
    const fifo = node.queue;
    if (fifo === undefined) return;
    fifo.remove(node);
  }

  /** Takes out every item due by `now` (calling `due` for each) and returns the next deadline, or Infinity. */
  expire(now: number, due: (item: T) => void): number {
    let next = Infinity;
    for (const [timeout, fifo] of this.byTimeout) {
      for (let head = fifo.first(); head !== undefined && head.deadline! <= now; head = fifo.first()) {
        fifo.shift();
        due(head);
      }
      const head = fifo.first();
      if (head === undefined) this.byTimeout.delete(timeout);
      else next = Math.min(next, head.deadline!);
    }
    return next;
  }
}
