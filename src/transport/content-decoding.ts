/**
 * Content-Encoding: undoing what the server applied to the body (RFC 9110 §8.4),
 * with node:zlib, as httpx, got and fetch do whoever asked for it.
 *
 *   Content-Encoding: gzip, br     br was applied last: undone first, then gzip
 *
 * Two ways through, the same rules:
 *   - a body read whole (`read()`, `text()`, `json()`): one synchronous call per coding
 *     on the whole body, as fast as zlib gets, with `maxOutputLength` as the bomb limit;
 *   - a body streamed (`for await`): a chain of zlib streams with backpressure, so a
 *     small compressed body that inflates to gigabytes never piles up in memory.
 * Decoded bytes count against `maxResponseSize`; the raw bytes are what `iterRaw()` gives.
 */
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import type streamModule from "node:stream";
import type zlibModule from "node:zlib";
import { DecodingError, ResponseTooLarge } from "../errors.js";
import { trimOWS } from "../http/tokens.js";

export type Coding = "gzip" | "deflate" | "br" | "zstd";

/** More codings than this is an attack, not a server (undici's CVE-2026-22036): refused before decoding anything. */
export const MAX_CODINGS = 5;

const require = createRequire(import.meta.url);
let zlib: typeof zlibModule | undefined;
/** node:zlib is loaded by the first coded body: importing wirepool does not pay for it. */
const loadZlib = (): typeof zlibModule => (zlib ??= require("node:zlib") as typeof zlibModule);

type ZstdZlib = typeof zlibModule & { createZstdDecompress?: () => Duplex; zstdDecompressSync?: (buf: Uint8Array, o?: object) => Buffer };

/** Whether this Node can undo zstd (node:zlib has it from Node 22.15 / 23.8). */
export function hasZstd(): boolean {
  return typeof (loadZlib() as ZstdZlib).createZstdDecompress === "function";
}

/**
 * What Accept-Encoding says by default: every coding this Node can undo. Told from
 * `process.versions` (Node lists zstd there since its zlib has it), so that making a Client
 * does not load node:zlib (1.3-1.7 ms) before any response needs it.
 */
export function acceptEncoding(): string {
  return process.versions.zstd !== undefined ? "gzip, deflate, br, zstd" : "gzip, deflate, br";
}

/**
 * The codings to undo, in the order they were applied, from a Content-Encoding value;
 * undefined when there is nothing to undo, or a coding we do not know (the body is then
 * handed over as it came, header and all). Too many codings is a DecodingError.
 */
export function codingsOf(value: string): Coding[] | undefined {
  const tokens = value
    .split(",")
    .map((t) => trimOWS(t).toLowerCase())
    .filter((t) => t !== "");
  if (tokens.length > MAX_CODINGS) {
    throw new DecodingError(`Content-Encoding lists ${tokens.length} codings (${JSON.stringify(value.slice(0, 100))}); at most ${MAX_CODINGS} are undone`);
  }
  const codings: Coding[] = [];
  for (const t of tokens) {
    if (t === "identity") continue;
    const c = t === "x-gzip" ? "gzip" : t;
    if (c !== "gzip" && c !== "deflate" && c !== "br" && !(c === "zstd" && hasZstd())) return undefined;
    codings.push(c);
  }
  return codings.length === 0 ? undefined : codings;
}

/** A zlib-wrapped deflate stream starts with CMF/FLG: method 8, and a header checksum divisible by 31. */
function zlibWrapped(first: Uint8Array): boolean {
  return first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
}

/** More than `limit` bytes came out of undoing `coding` (zlib's own RangeError as `cause`, when it said so). */
function tooLarge(coding: Coding, limit: number, cause?: unknown): ResponseTooLarge {
  return new ResponseTooLarge(`the response body is larger than maxResponseSize once decoded (more than ${limit} bytes of ${coding})`, { phase: "read body", ...(cause === undefined ? {} : { cause }) });
}

function failure(coding: Coding, err: unknown, limit: number): Error {
  if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return tooLarge(coding, limit, err);
  return new DecodingError(`the response body is not valid ${coding} data (${(err as Error).message})`, { cause: err });
}

/** Undoes `codings` on a whole body, at most `limit` decoded bytes. */
export function decodeWhole(raw: Uint8Array, codings: readonly Coding[], limit: number): Uint8Array {
  const z = loadZlib() as ZstdZlib;
  // maxOutputLength must be a buffer size Node can make; one more than the limit tells "over" from "exactly".
  const options = Number.isFinite(limit) ? { maxOutputLength: Math.min(limit + 1, require("node:buffer").constants.MAX_LENGTH as number) } : {};
  let body = raw;
  for (let i = codings.length - 1; i >= 0; i--) {
    if (body.length === 0) return body; // nothing to undo (a HEAD, 204 or 304 with the header)
    const coding = codings[i]!;
    try {
      switch (coding) {
        case "gzip":
          body = z.gunzipSync(body, options);
          break;
        case "deflate":
          body = zlibWrapped(body) ? z.inflateSync(body, options) : z.inflateRawSync(body, options);
          break;
        case "br":
          body = z.brotliDecompressSync(body, options);
          break;
        case "zstd":
          body = z.zstdDecompressSync!(body, options);
          break;
      }
    } catch (err) {
      throw failure(coding, err, limit);
    }
    if (body.length > limit) throw tooLarge(coding, limit);
  }
  return body;
}

/**
 * Undoes `codings` as the body streams: `raw` in, decoded chunks out, with backpressure at
 * every stage; more than `limit` decoded bytes fail with ResponseTooLarge. Stopping early
 * (break, or an error) tears the chain down and returns `raw`'s iterator, which releases
 * the connection. Data that will not decode is told to `onCorrupt` first, before the
 * teardown, so that the connection can be closed rather than drained for reuse.
 */
export async function* decodeStream(raw: AsyncIterable<Uint8Array>, codings: readonly Coding[], limit: number, onCorrupt: (error: Error) => void): AsyncGenerator<Uint8Array> {
  const stream = require("node:stream") as typeof streamModule;
  const Decoder = decoderClass(stream);
  const stages = [...codings].reverse().map((c) => new Decoder(c, onCorrupt));
  // pipeline() destroys every stage when one fails or the reader stops; its callback has nothing to add.
  const pipe = stream.pipeline as unknown as (...streams: [...NodeJS.ReadWriteStream[], (err: Error | null) => void]) => AsyncIterable<Buffer>;
  const out = pipe(stream.Readable.from(raw, { objectMode: false }) as unknown as NodeJS.ReadWriteStream, ...(stages as unknown as NodeJS.ReadWriteStream[]), () => {});
  let size = 0;
  for await (const chunk of out) {
    size += chunk.length;
    if (size > limit) throw tooLarge(codings[0]!, limit);
    yield chunk;
  }
}

/**
 * One stage of the chain: a Transform around the zlib stream for `coding`, made when the
 * first byte arrives (so deflate can tell zlib-wrapped data from raw, and an empty body
 * needs no decoder at all). Backpressure goes through: when our reader is full the zlib
 * stream is paused, which fills its input, which holds back our writer. The class is made
 * on first use because node:stream is loaded lazily.
 */
type DecoderConstructor = new (coding: Coding, onCorrupt: (error: Error) => void) => streamModule.Transform;
let DecoderClass: DecoderConstructor | undefined;

function decoderClass(stream: typeof streamModule): DecoderConstructor {
  return (DecoderClass ??= class extends stream.Transform {
    private inner: Duplex | undefined;

    constructor(
      private readonly coding: Coding,
      private readonly onCorrupt: (error: Error) => void,
    ) {
      super();
    }

    override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
      const inner = (this.inner ??= this.open(chunk));
      if (inner.write(chunk)) done();
      else inner.once("drain", () => done());
    }

    override _flush(done: (error?: Error | null) => void): void {
      const inner = this.inner;
      if (inner === undefined) return done(); // an empty body: nothing to undo
      inner.once("end", () => done());
      inner.end();
    }

    override _read(size: number): void {
      this.inner?.resume();
      super._read(size);
    }

    override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
      this.inner?.destroy();
      done(error);
    }

    private open(first: Buffer): Duplex {
      const z = loadZlib() as ZstdZlib;
      const inner: Duplex =
        this.coding === "gzip"
          ? z.createGunzip()
          : this.coding === "deflate"
            ? zlibWrapped(first)
              ? z.createInflate()
              : z.createInflateRaw()
            : this.coding === "br"
              ? z.createBrotliDecompress()
              : z.createZstdDecompress!();
      inner.on("data", (d: Buffer) => {
        if (!this.push(d)) inner.pause();
      });
      inner.on("error", (err) => {
        const error = failure(this.coding, err, Infinity);
        this.onCorrupt(error);
        this.destroy(error);
      });
      return inner;
    }
  });
}
