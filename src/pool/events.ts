/**
 * What the pool reports about itself. Every event goes to the `onEvent` listener
 * given in the options and is published on a `node:diagnostics_channel` channel
 * named `wirepool:<type>` (e.g. `wirepool:connection:closed`), so tools can watch
 * a pool they did not create. Nothing is built when nobody listens.
 *
 * Pairs: every `connection:opened` ends with one `connection:closed` (with its
 * reason); every `request:queued` (the request reached the pool, whether it then
 * waits or is assigned in the same tick) ends with one `request:finished` (with its
 * outcome). Events carry ids and reasons, never live objects.
 */
import type diagnostics from "node:diagnostics_channel";
import { createRequire } from "node:module";
import type { Outcome } from "../errors.js";
import type { CloseReason } from "../net/types.js";

/** The one list of event types; the PoolEvent union below is derived from it. */
const TYPES = [
  "connection:opened",
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
}

interface RequestFields {
  origin: string;
  /** The request's id within this process, the same in all its events. */
  request: number;
}

/** Each event type's fields besides `type`. */
interface EventFields extends Record<PoolEventType, object> {
  /** Through a proxy: `proxy` names it (no credentials), `tunnel` says whether the connection tunnels to `origin` or carries a forward proxy's absolute-form requests. */
  "connection:opened": ConnectionFields & { proxy?: string; tunnel?: boolean };
  "connection:reused": ConnectionFields & { request: number };
  "connection:idle": ConnectionFields;
  "connection:closed": ConnectionFields & { reason: CloseReason };
  "request:queued": RequestFields;
  "request:assigned": RequestFields & { connection: number };
  /** `connection` is absent when the request never got one (aborted or timed out while waiting). */
  "request:finished": RequestFields & { connection?: number; outcome: Outcome };
}

export type PoolEvent = { [K in PoolEventType]: { type: K } & EventFields[K] }[PoolEventType];
export type PoolListener = (event: PoolEvent) => void;

type Channels = Record<PoolEventType, diagnostics.Channel>;
let channels: Channels | undefined;

/** The channels, made when the first pool is; importing node:diagnostics_channel costs about 1 ms of start-up. */
function openChannels(): Channels {
  const dc = createRequire(import.meta.url)("node:diagnostics_channel") as typeof diagnostics;
  return Object.fromEntries(TYPES.map((t) => [t, dc.channel(`wirepool:${t}`)])) as Channels;
}

export class EventSink {
  private readonly channels: Channels;

  constructor(private readonly listener: PoolListener | undefined) {
    this.channels = channels ??= openChannels();
  }

  /** Whether anyone would see an event of this type: callers skip building it otherwise. */
  wants(type: PoolEventType): boolean {
    return this.listener !== undefined || this.channels[type].hasSubscribers;
  }

  emit(event: PoolEvent): void {
    this.listener?.(event);
    const channel = this.channels[event.type];
    if (channel.hasSubscribers) channel.publish(event);
  }
}
