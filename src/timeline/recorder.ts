/**
 * The timeline recorder: listens to a client's (or a transport's) pool events and
 * keeps the facts a picture needs. It only listens: it changes nothing in the pool,
 * and a pool with no recorder attached builds no event at all.
 *
 *   request:queued ─► request:assigned ─► request:finished (written, head, status)
 *   connection:opened ─► connection:ready ─► ... ─► connection:closed (with its reason)
 */
import type diagnostics from "node:diagnostics_channel";
import { createRequire } from "node:module";
import type { CloseReason, Outcome, PoolEvent, PoolEventType, PoolListener } from "../index.js";
import { RequestColumns } from "./columns.js";
import { Timeline } from "./timeline.js";

/** One connection's life, in ms on the pool's clock. */
export interface TimelineConnection {
  id: number;
  origin: string;
  opened: number;
  /** TCP up; TLS done (https); ready to carry a request. */
  tcp?: number | undefined;
  tls?: number | undefined;
  ready?: number | undefined;
  closed?: number | undefined;
  reason?: CloseReason | undefined;
  /** Through a proxy: its name, and whether this connection is a tunnel. */
  proxy?: string | undefined;
  tunnel?: boolean | undefined;
  /** It was open before the recording began (`opened` is then the recording's start). */
  openedBefore?: boolean | undefined;
  /** It has been given a request while recorded (or, opened before, may have been). */
  served?: boolean | undefined;
}

/** One request's way through the pool, in ms on the pool's clock. */
export interface TimelineRequest {
  id: number;
  origin: string;
  method: string;
  target: string;
  queued: number;
  /** The connection that served it (the last one, if it was retried), and when it got it. */
  connection?: number | undefined;
  assigned?: number | undefined;
  written?: number | undefined;
  head?: number | undefined;
  status?: number | undefined;
  finished?: number | undefined;
  outcome?: Outcome | undefined;
  /** Assigned more than once: the safe retry of a request on a connection that had gone stale. */
  retried?: boolean | undefined;
}

export interface TimelineData {
  /** When recording started and stopped (ms on the pool's clock); every other time lies between. */
  start: number;
  end: number;
  connections: TimelineConnection[];
  requests: TimelineRequest[];
  /** Requests waiting for a connection, each time the number changed. */
  queue: { time: number; depth: number }[];
  /** connection:reused events seen. */
  reused: number;
}

/** What can be recorded: a Client or an HTTPTransport (anything with `observe`). */
export interface Observable {
  observe(listener: PoolListener, types?: readonly PoolEventType[]): () => void;
}

/** The events a timeline is drawn from: three per request, and a few per connection. */
const RECORDED: readonly PoolEventType[] = ["connection:opened", "connection:ready", "connection:closed", "request:queued", "request:assigned", "request:finished"];

export interface Recorder {
  /** Stops listening and returns what was recorded. */
  stop(): Timeline;
}

/**
 * Every pool in the process, through node:diagnostics_channel (each event type is published on
 * `wirepool:<type>`): for code that makes its clients itself, such as one-shot `get()` calls.
 */
export const ALL_POOLS: Observable = {
  observe(listener, types = RECORDED) {
    const dc = createRequire(import.meta.url)("node:diagnostics_channel") as typeof diagnostics;
    const handler = (message: unknown): void => listener(message as PoolEvent);
    for (const type of types) dc.subscribe(`wirepool:${type}`, handler);
    return () => {
      for (const type of types) dc.unsubscribe(`wirepool:${type}`, handler);
    };
  },
};

/** Starts recording the pool events of `target` (a Client or an HTTPTransport; by default every pool in the process). */
export function recordTimeline(target: Observable = ALL_POOLS): Recorder {
  const data: TimelineData = { start: performance.now(), end: 0, connections: [], requests: [], queue: [], reused: 0 };
  const connections = new Map<number, TimelineConnection>();
  const table = new RequestColumns();
  /** Rows of the requests in flight, by id (finished ones leave it, so it stays small). */
  const rows = new Map<number, number>();
  /** A connection first seen after it opened (it was open before recording began): its lane starts at the start. */
  const known = (id: number, origin: string): TimelineConnection => {
    let c = connections.get(id);
    if (c === undefined) {
      c = { id, origin, opened: data.start, openedBefore: true, served: true };
      connections.set(id, c);
      data.connections.push(c);
    }
    return c;
  };
  const listener = (e: PoolEvent): void => {
    switch (e.type) {
      case "connection:opened": {
        const c: TimelineConnection = { id: e.connection, origin: e.origin, opened: e.time, proxy: e.proxy, tunnel: e.tunnel };
        connections.set(c.id, c);
        data.connections.push(c);
        break;
      }
      case "connection:ready": {
        const c = connections.get(e.connection);
        if (c === undefined) break;
        c.ready = e.time;
        c.tcp = e.tcp;
        c.tls = e.tls;
        break;
      }
      case "connection:closed": {
        const c = known(e.connection, e.origin);
        c.closed = e.time;
        c.reason = e.reason;
        break;
      }
      case "request:queued":
        rows.set(e.request, table.add(e.request, e.origin, e.method, e.target, e.time));
        break;
      case "request:assigned": {
        const row = rows.get(e.request);
        if (row === undefined) break;
        // A connection given a request when it has served one before is reused (as the pool counts).
        const c = known(e.connection, e.origin);
        if (c.served === true) data.reused++;
        c.served = true;
        table.assigned(row, e.connection, e.time);
        break;
      }
      case "request:finished": {
        const row = rows.get(e.request);
        if (row === undefined) break;
        rows.delete(e.request);
        table.finished(row, e.time, e.outcome, e.written, e.head, e.status);
        break;
      }
    }
  };
  const unsubscribe = target.observe(listener, RECORDED);
  return {
    stop() {
      unsubscribe();
      data.end = performance.now();
      data.requests = table.rows();
      data.queue = queueDepth(data.requests, data.end);
      return new Timeline(data);
    },
  };
}

/**
 * How many requests waited for a connection, over time: each from its queued time until it got
 * one (or gave up). A request handed a connection in the same tick it arrived (under 50 µs) did
 * not wait, and is not counted.
 */
function queueDepth(requests: readonly TimelineRequest[], end: number): { time: number; depth: number }[] {
  const steps: [time: number, change: number][] = [];
  for (const r of requests) {
    const until = r.assigned ?? r.finished ?? end;
    if (until - r.queued < 0.05) continue;
    steps.push([r.queued, 1], [until, -1]);
  }
  steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const queue: { time: number; depth: number }[] = [];
  let depth = 0;
  for (const [time, change] of steps) {
    depth += change;
    const last = queue.at(-1);
    if (last !== undefined && last.time === time) last.depth = depth;
    else queue.push({ time, depth });
  }
  return queue;
}
