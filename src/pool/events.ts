/**
 * What the pool reports about itself. Every event goes to the `onEvent` listener
 * given in the options and is published on a `node:diagnostics_channel` channel
 * named `wirepool:<type>` (e.g. `wirepool:connection:closed`), so tools can watch
 * a pool they did not create. Nothing is built when nobody listens.
 */
import type diagnostics from "node:diagnostics_channel";
import { createRequire } from "node:module";
import type { CloseReason } from "../net/connection.js";

export type PoolEvent =
  | { type: "connection:opened"; origin: string; connection: number }
  | { type: "connection:reused"; origin: string; connection: number }
  | { type: "connection:idle"; origin: string; connection: number }
  | { type: "connection:closed"; origin: string; connection: number; reason: CloseReason }
  | { type: "request:queued"; origin: string }
  | { type: "request:assigned"; origin: string; connection: number }
  | { type: "request:finished"; origin: string; connection: number };

export type PoolEventType = PoolEvent["type"];
export type PoolListener = (event: PoolEvent) => void;

const TYPES: PoolEventType[] = [
  "connection:opened",
  "connection:reused",
  "connection:idle",
  "connection:closed",
  "request:queued",
  "request:assigned",
  "request:finished",
];

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
