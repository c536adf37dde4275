/**
 * Property tests of the response parser with fast-check.
 *
 * 1. Random valid responses (random status, reason, headers, framing, chunk sizes,
 *    extensions, trailers), cut at random points, parse to exactly the message
 *    that was generated.
 * 2. Random mutations of valid responses (bytes flipped, inserted, deleted,
 *    truncated) parse either to a response whose body is what the bytes frame, or
 *    to a RemoteProtocolError: never another exception, never a hang.
 *
 * The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> runs longer:
 *   FUZZ_RUNS=200000 npx vitest run test/http/fuzz.test.ts
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../support/parse.js";

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(process.env.FUZZ_RUNS ?? 2000);
console.log(`fuzz: seed ${seed}, ${runs} runs per property (FUZZ_SEED=${seed} to replay)`);
/** The test timeout grows with the runs (2,000 take about 3 s here): a long run is not cut off at the default 30 s. */
const timeout = Math.max(30_000, runs * 20);

// fast-check's default size keeps every generated length near 10 whatever maxLength says: bodies of
// at most ~10 bytes, one-digit chunk sizes, heads that never cross the glue's 512-byte window. Every
// length here says its size ("max": the whole range), and the counts asserted below fail the run if
// a generator ever degrades again.
const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 24, size: "max" });
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
/** A field value without leading or trailing whitespace (the parser trims it); now and then a long one. */
const value = fc
  .oneof({ weight: 4, arbitrary: fc.string({ unit: printable, maxLength: 40, size: "max" }) }, { weight: 1, arbitrary: fc.string({ unit: printable, minLength: 300, maxLength: 800, size: "max" }) })
  .map((s) => s.trim());
const FRAMING_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"]);
const header = fc.tuple(token, value).filter(([n]) => !FRAMING_HEADERS.has(n.toLowerCase()));

interface Message {
  status: number;
  reason: string;
  headers: [string, string][];
  framing: "length" | "chunked" | "close";
  body: Buffer;
  chunks: number[];
  extensions: boolean;
  trailers: [string, string][];
  method: "GET" | "HEAD";
}

/** Bodies weighted towards having bytes: empty now and then, mostly small, a fair share of several KiB. */
const body = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200, size: "max" }) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 5000, size: "max" }) },
);

const message: fc.Arbitrary<Message> = fc
  .record({
    // Mostly statuses with a body: 204 and 304 (and HEAD below) are a small share.
    status: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304) }, { weight: 1, arbitrary: fc.constantFrom(204, 304) }),
    reason: fc.string({ unit: fc.constantFrom(..."abcdefghij KLMNOP"), maxLength: 20, size: "max" }).map((s) => s.trim()),
    headers: fc.array(header, { maxLength: 10, size: "max" }),
    framing: fc.constantFrom("length" as const, "chunked" as const, "close" as const),
    body: body.map((a) => Buffer.from(a)),
    // Chunk sizes from one hex digit to four.
    chunkSeed: fc.array(fc.oneof(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 16, max: 255 }), fc.integer({ min: 256, max: 9000 })), { minLength: 1, maxLength: 10, size: "max" }),
    extensions: fc.boolean(),
    trailers: fc.array(header, { maxLength: 3, size: "max" }),
    method: fc.oneof({ weight: 8, arbitrary: fc.constant("GET" as const) }, { weight: 1, arbitrary: fc.constant("HEAD" as const) }),
  })
  .map(({ chunkSeed, ...m }) => ({ ...m, chunks: chunkSeed }));

function bodiless(m: Message): boolean {
  return m.method === "HEAD" || m.status === 204 || m.status === 304;
}

function serialize(m: Message): Buffer {
  let head = `HTTP/1.1 ${m.status} ${m.reason}\r\n`;
  for (const [n, v] of m.headers) head += `${n}: ${v}\r\n`;
  if (m.framing === "length") head += `Content-Length: ${m.body.length}\r\n`;
  if (m.framing === "chunked") head += "Transfer-Encoding: chunked\r\n";
  head += "\r\n";
  if (bodiless(m)) return Buffer.from(head, "latin1");
  if (m.framing !== "chunked") return Buffer.concat([Buffer.from(head, "latin1"), m.body]);
  const parts: Buffer[] = [Buffer.from(head, "latin1")];
  let at = 0;
  for (let i = 0; at < m.body.length; i++) {
    const size = Math.min(m.chunks[i % m.chunks.length]!, m.body.length - at);
    parts.push(Buffer.from(`${size.toString(16)}${m.extensions ? ";x=y" : ""}\r\n`), m.body.subarray(at, at + size), Buffer.from("\r\n"));
    at += size;
  }
  parts.push(Buffer.from(`0\r\n${m.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`, "latin1"));
  return Buffer.concat(parts);
}

const cutsFor = (length: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 8, size: "max" }).map((c) => c.sort((a, b) => a - b));

/** What a run covered, so that a generator that degrades fails the run instead of passing quietly. */
function coverage(m: Message, bytes: Buffer): { multiChunk: boolean; longHead: boolean; bigBody: boolean } {
  const headLength = bytes.indexOf("\r\n\r\n") + 4;
  const firstChunk = m.chunks[0]!;
  return { multiChunk: m.framing === "chunked" && !bodiless(m) && m.body.length > firstChunk, longHead: headLength > 512, bigBody: !bodiless(m) && m.body.length >= 1000 };
}

describe("fuzz: valid responses", () => {
  it("parse to exactly the generated message, however they are cut", () => {
    const seen = { multiChunk: 0, longHead: 0, bigBody: 0 };
    fc.assert(
      fc.property(message.chain((m) => fc.tuple(fc.constant(m), cutsFor(serialize(m).length))), ([m, cuts]) => {
        const bytes = serialize(m);
        const c = coverage(m, bytes);
        seen.multiChunk += Number(c.multiChunk);
        seen.longHead += Number(c.longHead);
        seen.bigBody += Number(c.bigBody);
        const got = parse(bytes, m.method, cuts);
        expect(got.error).toBeUndefined();
        expect(got.ended).toBe(true);
        expect(got.head!.status).toBe(m.status);
        expect(got.head!.reason).toBe(m.reason);
        const expectedHeaders = m.headers.flat();
        if (m.framing === "length") expectedHeaders.push("Content-Length", String(m.body.length));
        if (m.framing === "chunked") expectedHeaders.push("Transfer-Encoding", "chunked");
        expect(got.head!.rawHeaders).toEqual(expectedHeaders);
        expect(Buffer.from(got.body, "latin1")).toEqual(bodiless(m) ? Buffer.alloc(0) : m.body);
        if (m.framing === "chunked" && !bodiless(m)) expect(got.trailers).toEqual(m.trailers.flat());
        expect(got.head!.keepAlive).toBe(m.framing !== "close" || bodiless(m));
        expect(got.leftover).toBe(0);
      }),
      { seed, numRuns: runs },
    );
    console.log(`fuzz valid: ${seen.multiChunk} multi-chunk bodies, ${seen.longHead} heads over 512 bytes, ${seen.bigBody} bodies of 1 KB or more, of ${runs}`);
    // fast-check runs the property once more per shrink; the counts are of what was generated.
    expect(seen.multiChunk).toBeGreaterThan(runs * 0.06); // about 13% expected: chunked, with a body, longer than one chunk
    expect(seen.longHead).toBeGreaterThan(runs * 0.15);
    expect(seen.bigBody).toBeGreaterThan(runs * 0.15);
  }, timeout);
});

/** An independent framing oracle: the body the bytes frame, given what the parser said about the head. */
function framedBody(bytes: Buffer, rawHeaders: string[], method: string, status: number): Buffer | undefined {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd === -1) return undefined;
  const rest = bytes.subarray(headEnd + 4);
  if (method === "HEAD" || status === 204 || status === 304) return Buffer.alloc(0);
  const get = (name: string) => rawHeaders.filter((_, i) => i % 2 === 0 && rawHeaders[i]!.toLowerCase() === name).map((_, i) => i);
  const cl = rawHeaders.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === "content-length");
  if (cl !== -1) return rest.subarray(0, Number(rawHeaders[cl + 1]));
  if (get("transfer-encoding").length > 0) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd === -1) return undefined;
      const sizeText = rest.subarray(at, lineEnd).toString("latin1").split(";")[0]!;
      // Not a chunk size at all: the parser must have refused it, and there is no body to compare.
      // (parseInt gave NaN here, and indexOf(..., NaN) started again at 0: the oracle looped forever.)
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) return undefined;
      const size = parseInt(sizeText, 16);
      if (size === 0) return Buffer.concat(out);
      out.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  return rest;
}

describe("fuzz: mutated responses", () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), byte: fc.constant(0) }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), byte: fc.constant(0) }),
  );

  function mutate(bytes: Buffer, ms: { kind: string; at: number; byte: number }[]): Buffer {
    let b = Buffer.from(bytes);
    for (const m of ms) {
      const at = b.length === 0 ? 0 : m.at % b.length;
      if (m.kind === "flip") b[at] = m.byte;
      else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
      else if (m.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else b = b.subarray(0, at);
    }
    return b;
  }

  it("give a correctly framed response or a RemoteProtocolError, nothing else", () => {
    let errors = 0;
    let parsed = 0;
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4, size: "max" }), fc.array(fc.integer({ min: 1, max: 6000 }), { maxLength: 5, size: "max" }), (m, ms, rawCuts) => {
        const bytes = mutate(serialize(m), ms);
        const cuts = [...new Set(rawCuts.filter((c) => c < bytes.length))].sort((a, b) => a - b);
        // parse() rethrows anything that is not a RemoteProtocolError, failing the property.
        const got = parse(bytes, m.method, cuts);
        if (got.error !== undefined) {
          errors++;
          expect(got.ended).toBe(false);
          return;
        }
        parsed++;
        expect(got.ended).toBe(true);
        const expected = framedBody(bytes, got.head!.rawHeaders, m.method, got.head!.status);
        if (expected !== undefined) expect(Buffer.from(got.body, "latin1")).toEqual(expected);
      }),
      { seed, numRuns: runs * 2 },
    );
    console.log(`fuzz mutations: ${parsed} parsed, ${errors} RemoteProtocolError`);
    // Both ways out must be exercised: mutations the parser accepts (checked against the oracle)
    // and ones it refuses. A generator whose mutations all break the head, or none, fails here.
    expect(parsed).toBeGreaterThan(runs * 2 * 0.05);
    expect(errors).toBeGreaterThan(runs * 2 * 0.2);
  }, timeout);
});
