/**
 * LinkedQueue: a FIFO with O(1) push, shift and removal of any entry by the node
 * push() returned. The pool's queues can hold 100,000 waiters; an array would move
 * them all on every shift() or splice() once V8 stops treating it as a small array
 * (at about 16k entries), which made issuing N requests cost O(N²).
 */
export interface QueueNode<T> {
  readonly value: T;
  prev: QueueNode<T> | undefined;
  next: QueueNode<T> | undefined;
  /** The queue holding the node, while it is in one. */
  queue: LinkedQueue<T> | undefined;
}

export class LinkedQueue<T> {
  private head: QueueNode<T> | undefined;
  private tail: QueueNode<T> | undefined;
  size = 0;

  /** Adds `value` at the end; the node is the handle for remove(). */
  push(value: T): QueueNode<T> {
    const node: QueueNode<T> = { value, prev: this.tail, next: undefined, queue: this };
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.size++;
    return node;
  }

  /** The first value, or undefined. */
  first(): T | undefined {
    return this.head?.value;
  }

  firstNode(): QueueNode<T> | undefined {
    return this.head;
  }

  lastNode(): QueueNode<T> | undefined {
    return this.tail;
  }

  /** Removes and returns the first value. */
  shift(): T | undefined {
    const node = this.head;
    if (node === undefined) return undefined;
    this.remove(node);
    return node.value;
  }

  /** Removes `node` if it is in this queue (a node already removed is ignored). */
  remove(node: QueueNode<T>): void {
    if (node.queue !== this) return;
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    node.queue = undefined;
    this.size--;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let node = this.head; node !== undefined; node = node.next) yield node.value;
  }
}
