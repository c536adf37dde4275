/**
 * Our own thin glue over the llhttp parser compiled to WebAssembly that ships in
 * llhttp-wasm 1.0.3. We keep the package's compiled parser (the wasm bytes) and
 * drive it directly instead of through the package's JavaScript wrapper.
 *
 * Why not the wrapper (measured with `npm run bench:parser` and `npm run bench`):
 * - it allocates wasm memory for every `execute()` and copies the chunk in, and
 *   copies every body span out into a fresh ArrayBuffer: a 64 MiB download
 *   allocated about as much garbage again;
 * - it builds a new TextDecoder for every header span (the biggest part of the
 *   5.5 µs it spent on a typical nginx response head);
 * - it creates parsers of type BOTH for `TYPE.RESPONSE` (accepting request lines
 *   from a server), splits spans across `execute()` calls into misaligned arrays,
 *   and overwrites a split status text. None of that can happen here.
 *
 * What the glue does instead:
 * - one input buffer in wasm memory, allocated once and grown when a larger chunk
 *   arrives; each chunk is copied in once (wasm cannot read JS memory);
 * - spans are mapped back to offsets in the caller's own chunk: header text is
 *   decoded as latin1 straight from that Buffer (like Node and undici), and body
 *   spans are zero-copy `subarray`s of it;
 * - callbacks reach the right parser through `current`, set around each call into
 *   wasm (wasm calls back synchronously and never re-enters), so there is no lookup.
 *
 * The wasm bytes come from llhttp-wasm 1.0.3 (src/http/llhttp-wasm.ts: read from the
 * package in the source, built into dist/ for users), pinned exactly; the build and
 * test/http/llhttp-glue.test.ts fail loudly if the bytes, their imports or exports
 * ever change.
 */
import { llhttpWasmBytes } from "./llhttp-wasm.js";

/** llhttp error codes we act on (llhttp's `llhttp_errno_t`). */
export const ERROR = {
  OK: 0,
  PAUSED: 21,
} as const;

/** llhttp's parser types; we only ever create RESPONSE parsers. */
const TYPE_RESPONSE = 2;

export const enum Span {
  Status,
  Field,
  Value,
}

export interface LlhttpCallbacks {
  /** A piece of a span. Consecutive pieces of one kind are parts of one span. Return false to stop with an error. */
  onSpan(kind: Span, text: string): boolean;
  /** Return 0 to read the body, 1 when the message has no body, -1 to fail. */
  onHeadersComplete(statusCode: number, versionMajor: number, versionMinor: number, shouldKeepAlive: boolean): number;
  /** A zero-copy view into the chunk being executed: copy it to keep it beyond the chunk's life. */
  onBody(chunk: Uint8Array): void;
  /** Return 0 to go on parsing, ERROR.PAUSED to stop right after this message. */
  onMessageComplete(): number;
}

// @types/node leaves WebAssembly out of the globals it types; this is the little we use.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** Buffer's own latin1 decoder, without toString()'s argument checks (Node has it; its types do not). */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

interface LlhttpExports {
  memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(parser: number): void;
  llhttp_execute(parser: number, data: number, length: number): number;
  llhttp_finish(parser: number): number;
  llhttp_resume(parser: number): void;
  llhttp_reset(parser: number): void;
  llhttp_get_http_major(parser: number): number;
  llhttp_get_http_minor(parser: number): number;
  llhttp_get_error_pos(parser: number): number;
  llhttp_get_error_reason(parser: number): number;
  llhttp_errno_name(code: number): number;
}

// --- the one wasm instance, created on first use

let wasm: LlhttpExports | undefined;
/** The glue whose parser is executing right now. */
let current: LlhttpGlue | undefined;
let heap = new Uint8Array(0);
let inputPtr = 0;
let inputSize = 0;

function heapView(): Uint8Array {
  // A grown memory detaches old views.
  // Stryker disable next-line ConditionalExpression: a new view of the same memory reads the same bytes
  if (heap.buffer !== wasm!.memory.buffer) heap = new Uint8Array(wasm!.memory.buffer);
  return heap;
}

function cString(ptr: number): string {
  const view = heapView();
  const end = view.indexOf(0, ptr);
  return Buffer.from(view.buffer, ptr, end - ptr).toString("latin1");
}

function span(kind: Span, at: number, length: number): number {
  return current!.span(kind, at, length);
}

function instance(): LlhttpExports {
  if (wasm !== undefined) return wasm;
  const module = new WebAssembly.Module(llhttpWasmBytes());
  const imports = {
    env: {
      // The parser starts each message itself (ResponseParser.expect() and after a 1xx); responses have no URL.
      // Stryker disable next-line ArrowFunction: wasm reads a JS undefined as 0
      wasm_on_message_begin: () => 0,
      // Stryker disable next-line ArrowFunction: as above
      wasm_on_url: () => 0,
      wasm_on_status: (_p: number, at: number, length: number) => span(Span.Status, at, length),
      wasm_on_header_field: (_p: number, at: number, length: number) => span(Span.Field, at, length),
      wasm_on_header_value: (_p: number, at: number, length: number) => span(Span.Value, at, length),
      wasm_on_headers_complete: (p: number, statusCode: number, _upgrade: number, shouldKeepAlive: number) =>
        current!.callbacks.onHeadersComplete(statusCode, wasm!.llhttp_get_http_major(p), wasm!.llhttp_get_http_minor(p), shouldKeepAlive === 1),
      wasm_on_body: (_p: number, at: number, length: number) => {
        const g = current!;
        const start = at - inputPtr;
        g.callbacks.onBody(g.chunk.subarray(start, start + length));
        return 0;
      },
      wasm_on_message_complete: () => current!.callbacks.onMessageComplete(),
    },
  };
  wasm = new WebAssembly.Instance(module, imports).exports as LlhttpExports;
  wasm._initialize();
  return wasm;
}

/** Makes sure the shared input buffer can hold `size` bytes. */
function reserve(size: number): void {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: allocating again when the buffer is big enough only costs time
  if (size <= inputSize) return;
  const w = instance();
  // Stryker disable next-line ConditionalExpression: free(0) does nothing (dropping the free is a leak, and the memory test catches it)
  if (inputPtr !== 0) w.free(inputPtr);
  // Stryker disable next-line ArithmeticOperator: a smaller first buffer only means growing it sooner
  inputSize = Math.max(size, 64 * 1024);
  inputPtr = w.malloc(inputSize);
}

/** The wasm instance's memory, in bytes: for the tests that check parsers and buffers are freed. */
export function wasmMemoryBytes(): number {
  return instance().memory.buffer.byteLength;
}

/** Bytes of a chunk turned into text at a time, for header spans (a typical response head fits). */
const TEXT_WINDOW = 512;

/** One llhttp response parser in the shared wasm instance. */
export class LlhttpGlue {
  readonly callbacks: LlhttpCallbacks;
  /** The chunk being executed: spans are offsets into it. */
  chunk: Buffer = Buffer.alloc(0);
  private parser: number;
  /**
   * A window of the chunk as latin1 text, bytes [textFrom, textTo): spans are cut out of
   * it with substring(), which is far cheaper than a call into Node per span.
   */
  // Stryker disable next-line StringLiteral: execute() empties the window before any span is cut from it
  private text = "";
  private textFrom = 0;
  private textTo = 0;

  constructor(callbacks: LlhttpCallbacks) {
    this.callbacks = callbacks;
    this.parser = instance().llhttp_alloc(TYPE_RESPONSE);
  }

  // Resetting `current` in the two `finally` blocks below is hygiene only: wasm calls back only
  // inside execute() and finish(), which set it first.
  // Stryker disable BlockStatement
  /** Parses `chunk`; returns llhttp's error code (0 when all of it was consumed). */
  execute(chunk: Buffer): number {
    const w = wasm!;
    reserve(chunk.length);
    heapView().set(chunk, inputPtr);
    this.chunk = chunk;
    this.textFrom = this.textTo = 0;
    current = this;
    try {
      return w.llhttp_execute(this.parser, inputPtr, chunk.length);
    } finally {
      current = undefined;
    }
  }

  /** Signals EOF; returns llhttp's error code. */
  finish(): number {
    current = this;
    try {
      return wasm!.llhttp_finish(this.parser);
    } finally {
      current = undefined;
    }
  }

  // Stryker restore BlockStatement
  resume(): void {
    wasm!.llhttp_resume(this.parser);
  }

  /** Back to the start of a message, for when a body was consumed without llhttp (see ResponseParser). */
  reset(): void {
    wasm!.llhttp_reset(this.parser);
  }

  /** How many bytes of the last chunk were consumed when execute() stopped. */
  errorOffset(): number {
    return wasm!.llhttp_get_error_pos(this.parser) - inputPtr;
  }

  errorName(code: number): string {
    return cString(wasm!.llhttp_errno_name(code));
  }

  errorReason(): string {
    return cString(wasm!.llhttp_get_error_reason(this.parser));
  }

  destroy(): void {
    if (this.parser === 0) return;
    wasm!.llhttp_free(this.parser);
    this.parser = 0;
  }

  /** Called from wasm for status, field and value spans. */
  span(kind: Span, at: number, length: number): number {
    const start = at - inputPtr;
    const end = start + length;
    // Stryker disable next-line all: the window is a speed-up (one latin1 decode for many spans); decoding more often cuts the same text, and spans never go backwards
    if (start < this.textFrom || end > this.textTo) {
      // Small, because header strings cut from the window keep all of it alive.
      this.textFrom = start;
      this.textTo = Math.min(this.chunk.length, start + Math.max(length, TEXT_WINDOW));
      this.text = (this.chunk as Latin1Buffer).latin1Slice(start, this.textTo);
    }
    // Stryker disable next-line UnaryOperator: llhttp stops on any non-zero answer
    return this.callbacks.onSpan(kind, this.text.substring(start - this.textFrom, end - this.textFrom)) ? 0 : -1;
  }
}
