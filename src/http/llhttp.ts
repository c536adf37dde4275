/**
 * The one place that knows llhttp-wasm 1.0.3's wrapper and its quirks. The rest
 * of wirepool sees a plain callback interface (`LlhttpCallbacks`) with spans
 * delivered in order and labelled by kind.
 *
 * Quirks handled here (read node_modules/llhttp-wasm/out/index.js):
 * - `createParser(TYPE.RESPONSE)` passes `TYPE[2]` (undefined) to `llhttp_alloc`,
 *   which makes a parser of type BOTH that also accepts request lines. Passing the
 *   *name* "RESPONSE" makes `TYPE["RESPONSE"]` = 2, a real response parser.
 * - Header field and value pieces are pushed into two separate arrays, which loses
 *   their interleaving when a span is split across `execute()` calls. We replace
 *   the arrays with sinks that forward each piece, with its kind, as it arrives.
 * - The status text is assigned, not appended, so a split reason phrase would keep
 *   only its last piece. We turn the property into a setter that forwards pieces.
 */
import { createRequire } from "node:module";
import type { Parser } from "llhttp-wasm";

const require = createRequire(import.meta.url);
const llhttp = require("llhttp-wasm") as typeof import("llhttp-wasm");

export const ERROR = {
  OK: 0,
  PAUSED: 21,
  PAUSED_UPGRADE: 22,
  CB_HEADERS_COMPLETE: 17,
} as const;

export const enum Span {
  Status,
  Field,
  Value,
}

export interface LlhttpCallbacks {
  onMessageBegin(): void;
  /** A piece of a span. Consecutive pieces of one kind are parts of one span. */
  onSpan(kind: Span, text: string): void;
  /** Return 0 to read the body, 1 when the message has no body, -1 to fail. */
  onHeadersComplete(statusCode: number, versionMajor: number, versionMinor: number, shouldKeepAlive: boolean): number;
  onBody(chunk: Uint8Array): void;
  /** Return 0 to go on parsing, ERROR.PAUSED to stop right after this message. */
  onMessageComplete(): number;
}

/** A sink that looks enough like the array the wrapper pushes into. */
interface PushSink {
  readonly length: 0;
  push(text: string): void;
}

export function createResponseParser(callbacks: LlhttpCallbacks): Parser {
  // See the first quirk above: the name, not the number.
  const parser = llhttp.createParser("RESPONSE" as unknown as number);
  const fields: PushSink = { length: 0, push: (text) => callbacks.onSpan(Span.Field, text) };
  const values: PushSink = { length: 0, push: (text) => callbacks.onSpan(Span.Value, text) };

  Object.defineProperty(parser, "statusMessage", {
    configurable: true,
    get: () => undefined,
    // The wrapper assigns `undefined` when a message begins and each piece of the status text as it arrives.
    set: (text: string | undefined) => {
      if (text !== undefined) callbacks.onSpan(Span.Status, text);
    },
  });
  // The wrapper resets these to fresh arrays before calling onMessageBegin; we put our sinks back.
  const install = (): void => {
    (parser as unknown as { headerFields: PushSink }).headerFields = fields;
    (parser as unknown as { headerValues: PushSink }).headerValues = values;
  };
  install();

  parser.onMessageBegin = () => {
    install();
    callbacks.onMessageBegin();
    return 0;
  };
  parser.onHeadersComplete = (m) =>
    callbacks.onHeadersComplete(m.statusCode ?? 0, m.versionMajor, m.versionMinor, m.shouldKeepAlive);
  parser.onBody = (chunk) => {
    callbacks.onBody(chunk);
    return 0;
  };
  parser.onMessageComplete = () => callbacks.onMessageComplete();
  return parser;
}

export type { Parser };
