import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RemoteProtocolError } from "../../src/errors.js";
import { ResponseParser } from "../../src/http/parser.js";
import { everyByte, parse, type Outcome } from "../support/parse.js";
import { fixtures, type Fixture } from "./fixtures.js";

const bytesOf = (f: Fixture): Uint8Array => Buffer.from(f.raw, "latin1");

function check(f: Fixture, got: Outcome): void {
  const e = f.expect;
  if (e.error !== undefined) {
    expect(got.error).toBe(e.error);
    expect(got.ended).toBe(false);
    return;
  }
  expect(got.error).toBeUndefined();
  expect(got.ended).toBe(true);
  const h = got.head!;
  if (e.status !== undefined) expect(h.status).toBe(e.status);
  if (e.reason !== undefined) expect(h.reason).toBe(e.reason);
  if (e.httpVersion !== undefined) expect(h.httpVersion).toBe(e.httpVersion);
  if (e.rawHeaders !== undefined) expect(h.rawHeaders).toEqual(e.rawHeaders);
  if (e.keepAlive !== undefined) expect(h.keepAlive).toBe(e.keepAlive);
  if (e.keepAliveTimeout !== undefined) expect(h.keepAliveTimeout).toBe(e.keepAliveTimeout);
  if (e.body !== undefined) expect(got.body).toBe(e.body);
  if (e.trailers !== undefined) expect(got.trailers).toEqual(e.trailers);
  expect(got.leftover).toBe(e.leftover ?? 0);
}

describe("ResponseParser fixtures", () => {
  it("has at least 40 fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      const bytes = bytesOf(f);
      // Parsed inside each test, not when the tests are collected: what a test checks is then
      // what it ran, and per-test coverage (StrykerJS) credits the test with it.
      const whole = (): Outcome => parse(bytes, f.method, [], f.maxHeaderSize);

      it("fed whole", () => check(f, whole()));

      it("fed byte by byte gives the same events", () => {
        expect(parse(bytes, f.method, everyByte(bytes.length), f.maxHeaderSize)).toEqual(whole());
      });

      it("cut at every offset gives the same events", () => {
        const once = whole();
        for (let cut = 1; cut < bytes.length; cut++) {
          expect(parse(bytes, f.method, [cut], f.maxHeaderSize), `cut at ${cut}`).toEqual(once);
        }
      });

      it("cut at random offsets gives the same events", () => {
        const once = whole();
        fc.assert(
          fc.property(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 12 }), (cuts) => {
            cuts.sort((a, b) => a - b);
            expect(parse(bytes, f.method, cuts, f.maxHeaderSize)).toEqual(once);
          }),
          { numRuns: 50 },
        );
      });
    });
  }
});

/** A parser that writes down what it reports, one line per event. */
function recording(): { parser: ResponseParser; seen: string[] } {
  const seen: string[] = [];
  const parser = new ResponseParser({
    onHead: (h) => seen.push(`head ${h.status}`),
    onBody: (b) => seen.push(`body ${Buffer.from(b).toString()}`),
    onEnd: () => seen.push("end"),
  });
  return { parser, seen };
}

describe("ResponseParser across responses", () => {
  it("parses one response after another on the same parser", () => {
    const { parser, seen } = recording();
    for (const [method, raw] of [
      ["GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"],
      ["HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"],
      ["GET", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n"],
    ] as const) {
      parser.expect(method);
      expect(parser.feed(Buffer.from(raw))).toBe("done");
      expect(parser.leftover).toBe(0);
    }
    expect(seen).toEqual(["head 200", "body a", "end", "head 200", "end", "head 201", "body b", "end"]);
    parser.destroy();
  });

  it("notAResponse: only bytes refused where the status line begins, never a later error or a good response", () => {
    const verdict = (raw: string): boolean => {
      const { parser } = recording();
      parser.expect("GET");
      try {
        parser.feed(Buffer.from(raw, "latin1"));
      } catch {
        // the verdict is read after the failure, as the connection does
      }
      const out = parser.notAResponse;
      parser.destroy();
      return out;
    };
    expect(verdict("11111\r\n")).toBe(true);
    expect(verdict("\x16\x03\x01\x00\x02")).toBe(true); // a TLS record
    expect(verdict("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n")).toBe(false);
    expect(verdict("HTTP/1.1 999 Nine\r\nContent-Length: 0\r\n\r\n")).toBe(false);
    expect(verdict("HTTX/1.1 200 OK\r\n")).toBe(true);
    expect(verdict("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).toBe(false);
    expect(verdict("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")).toBe(false); // still waiting: no verdict
  });

  it("reports the llhttp error name, reason and byte offset", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    parser.expect("GET");
    let error: unknown;
    try {
      parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
      parser.feed(Buffer.from("zz\r\n"));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RemoteProtocolError);
    const e = error as RemoteProtocolError;
    expect(e.code).toBe("HPE_INVALID_CHUNK_SIZE");
    expect(e.message).toMatch(/chunk size/i);
    expect(e.offset).toBe(47);
    expect(parser.state).toBe("failed");
    parser.destroy();
  });

  it("stops collecting an endless header at the limit instead of buffering it", () => {
    let error: unknown;
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} }, { maxHeaderSize: 1024 });
    parser.expect("GET");
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nX-Endless: "));
    try {
      for (let i = 0; i < 100; i++) parser.feed(Buffer.alloc(100, "a"));
    } catch (err) {
      error = err;
    }
    expect((error as RemoteProtocolError).code).toBe("HEADERS_TOO_LARGE");
    // Caught within one chunk of the limit, not after all 10,000 bytes.
    expect((error as RemoteProtocolError).offset).toBeLessThan(1024 + 200);
    parser.destroy();
  });
});

describe("ResponseParser, input larger than its wasm buffer", () => {
  it("a 200 KiB chunked body fed in one piece comes out whole, and so does the next, smaller response", () => {
    const big = Buffer.alloc(200 * 1024, "z");
    const chunked = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n`), big, Buffer.from("\r\n0\r\n\r\n")]);
    const first = parse(chunked);
    expect(first.error).toBeUndefined();
    expect(first.body.length).toBe(big.length);
    expect(first.body).toBe(big.toString("latin1"));
    const small = parse(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
    expect(small.body).toBe("ok");
  });
});

describe("ResponseParser, Content-Length bodies across chunks", () => {
  it("hands body chunks on as they are and reports the bytes after the body (the next pipelined response)", () => {
    const { parser, seen } = recording();
    const first = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    const second = "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nxyz";
    parser.expect("GET");
    expect(parser.feed(Buffer.from(first + "0123"))).toBe("body");
    const middle = Buffer.from("45");
    expect(parser.feed(middle)).toBe("body");
    const last = Buffer.from("6789" + second);
    expect(parser.feed(last)).toBe("done");
    const leftover = parser.leftover;
    expect(leftover).toBe(second.length);
    parser.expect("GET");
    expect(parser.feed(last.subarray(last.length - leftover))).toBe("done");
    expect(parser.leftover).toBe(0);
    expect(seen).toEqual(["head 200", "body 0123", "body 45", "body 6789", "end", "head 201", "body xyz", "end"]);
    parser.destroy();
  });

  it("an EOF in the middle of such a body is still an error", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    parser.expect("GET");
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"));
    parser.feed(Buffer.from("234"));
    expect(() => parser.finish()).toThrow(RemoteProtocolError);
    parser.destroy();
  });
});
