/**
 * What the pool reports about itself. Every event goes to the `onEvent` listener
 * given in the options and is published on a `node:diagnostics_channel` channel
 * named `wirepool:<type>` (e.g. `wirepool:connection:closed`), so tools can watch
 * a pool they did not create. Nothing is built when nobody listens.
 *
 * Pairs: every `connection:opened` ends with one `connection:closed` (with its
 * reason); every `request:queued` (the request reached the pool, whether it then
 * waits or is assigned in the same tick) ends with one `request:finished` (with its
 * outcome). Events carry ids, reasons and times, never live objects. Every event has
 * `time`, the pool clock's milliseconds (performance.now() for real pools), which is
 * what the timeline recorder (src/timeline) draws from.
 *
 * A request's life in events:
 *   request:queued ─► request:assigned ─► request:finished (with when it was written and when
 *                      │                   its response head came, and the status)
 *                      (connection:opened, connection:ready when its connection is new;
 *                       connection:reused when not)
 */
import type diagnostics from "node:diagnostics_channel";
import { createRequire } from "node:module";
import type { Outcome } from "../errors.js";
import type { CloseReason } from "../net/types.js";

/** The one list of event types; the PoolEvent union below is derived from it. */
const TYPES = [
  "connection:opened",
  "connection:ready",
  "connection:reused",
  "connection:idle",
  "connection:closed",
  "request:queued",
  "request:assigned",
  "request:finished",
] as const;

export type PoolEventType = (typeof TYPES)[number];

interface ConnectionFields {
  origin: string;
  connection: number;
  /** When, on the pool's clock (ms). */
  time: number;
}

interface RequestFields {
  origin: string;
  /** The request's id within this process, the same in all its events. */
  request: number;
  /** When, on the pool's clock (ms). */
  time: number;
}

/** Each event type's fields besides `type`. */
interface EventFields extends Record<PoolEventType, object> {
  /** Through a proxy: `proxy` names it (no credentials), `tunnel` says whether the connection tunnels to `origin` or carries a forward proxy's absolute-form requests. */
  "connection:opened": ConnectionFields & { proxy?: string; tunnel?: boolean };
  /** Connected: it can take a request. `tcp`: when TCP was up, `tls`: when TLS was done, when the connection knows them. */
  "connection:ready": ConnectionFields & { tcp?: number; tls?: number };
  "connection:reused": ConnectionFields & { request: number };
  "connection:idle": ConnectionFields;
  "connection:closed": ConnectionFields & { reason: CloseReason };
  /** `method` and `target` (the request line's), to tell requests apart in a picture. */
  "request:queued": RequestFields & { method: string; target: string };
  "request:assigned": RequestFields & { connection: number };
  /**
   * `connection` is absent when the request never got one (aborted or timed out while waiting).
   * `written` (the whole request reached the kernel), `head` (its response head arrived) and
   * `status` are there when those happened. Carried here rather than as events of their own:
   * two more events per request cost a listener a tenth of its throughput.
   */
  "request:finished": RequestFields & { connection?: number | undefined; outcome: Outcome; written?: number | undefined; head?: number | undefined; status?: number | undefined };
}

export type PoolEvent = { [K in PoolEventType]: { type: K } & EventFields[K] }[PoolEventType];
export type PoolListener = (event: PoolEvent) => void;
/** An event as the pool makes it, before the sink stamps its time. */
type WithoutTime<E> = E extends unknown ? Omit<E, "time"> : never; // per member of the union
type Unstamped = WithoutTime<PoolEvent>;

type Channels = Record<PoolEventType, diagnostics.Channel>;
let channels: Channels | undefined;

/** The channels, made when the first pool is; importing node:diagnostics_channel costs about 1 ms of start-up. */
function openChannels(): Channels {
  const dc = createRequire(import.meta.url)("node:diagnostics_channel") as typeof diagnostics;
  return Object.fromEntries(TYPES.map((t) => [t, dc.channel(`wirepool:${t}`)])) as Channels;
}

export class EventSink {
  private readonly channels: Channels;
  /** Listeners added later (observe()), per event type: a timeline recorder, say. */
  private readonly observers = Object.fromEntries(TYPES.map((t) => [t, [] as PoolListener[]])) as Record<PoolEventType, PoolListener[]>;

  constructor(
    private readonly listener: PoolListener | undefined,
    private readonly now: () => number,
  ) {
    this.channels = channels ??= openChannels();
  }

  /** Whether anyone would see an event of this type: callers skip building it otherwise. */
  wants(type: PoolEventType): boolean {
    return this.listener !== undefined || this.observers[type].length > 0 || this.channels[type].hasSubscribers;
  }

  emit(unstamped: Unstamped): void {
    // Stamped in place: the object was made for this call alone (a copy cost a recorder 5%).
    const event = unstamped as PoolEvent;
    event.time = this.now();
    this.listener?.(event);
    const observers = this.observers[event.type];
    for (let i = 0; i < observers.length; i++) observers[i]!(event);
    const channel = this.channels[event.type];
    // Stryker disable next-line ConditionalExpression: publishing to no subscriber does nothing; the guard saves the call
    if (channel.hasSubscribers) channel.publish(event);
  }

  /**
   * Adds a listener of the events of `types` (all by default); returns the function that
   * removes it. Events of the other types are not even built for it: a recorder that needs
   * three events per request does not pay for five.
   */
  observe(listener: PoolListener, types: readonly PoolEventType[] = TYPES): () => void {
    for (const t of types) this.observers[t] = [...this.observers[t], listener];
    return () => {
      for (const t of types) this.observers[t] = this.observers[t].filter((o) => o !== listener);
    };
  }
}
