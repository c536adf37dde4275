/**
 * What the pool reports about itself. Every event goes to the `onEvent` listener
 * given in the options and is published on a `node:diagnostics_channel` channel
 * named `wirepool:<type>` (e.g. `wirepool:connection:closed`), so tools can watch
 * a pool they did not create. Nothing is built when nobody listens.
 */
import diagnostics from "node:diagnostics_channel";
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

export const channels = Object.fromEntries(TYPES.map((t) => [t, diagnostics.channel(`wirepool:${t}`)])) as Record<PoolEventType, diagnostics.Channel>;

export class EventSink {
  constructor(private readonly listener: PoolListener | undefined) {}

  /** Whether anyone would see an event of this type: callers skip building it otherwise. */
  wants(type: PoolEventType): boolean {
    return this.listener !== undefined || channels[type].hasSubscribers;
  }

  emit(event: PoolEvent): void {
    this.listener?.(event);
    const channel = channels[event.type];
    if (channel.hasSubscribers) channel.publish(event);
  }
}
