import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RemoteProtocolError } from "../../src/errors.js";
import { hasToken, parseKeepAliveTimeout, ResponseParser } from "../../src/http/parser.js";
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

/**
 * The parser's "do X only when Y" rules one at a time, each with the input that tells the rule
 * from its one-line breaks (StrykerJS's survivors, docs/testing.md): exact messages, exact
 * boundaries, header names as long as the ones the parser looks for.
 */
describe("ResponseParser, one rule at a time", () => {
  const fail = (raw: string | Buffer, method = "GET", maxHeaderSize?: number): Outcome => {
    const out = parse(typeof raw === "string" ? Buffer.from(raw, "latin1") : raw, method, [], maxHeaderSize);
    expect(out.error, "an error").toBeDefined();
    return out;
  };

  it("an early close says what it cut short: nothing, the head, a length-delimited body, a chunked body", () => {
    expect(fail("").message).toBe("INCOMPLETE_RESPONSE: the server closed the connection before sending a response");
    expect(fail("HTTP/1.1 200 OK\r\nCont").message).toBe("INCOMPLETE_RESPONSE: the server closed the connection inside the response head, after 21 bytes");
    expect(fail("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123").message).toBe("INCOMPLETE_RESPONSE: the server closed the connection after 4 of 10 body bytes");
    expect(fail("HTTP/1.1 200 OK\r\nContent-Length: 0010\r\n\r\n").message).toBe("INCOMPLETE_RESPONSE: the server closed the connection after 0 of 10 body bytes");
    expect(fail("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nd").message).toBe(
      "INCOMPLETE_RESPONSE: the server closed the connection before the end of the chunked body, after 4 body bytes",
    );
  });

  it("a Content-Length body read across chunks counts what it got (the fast path that skips llhttp)", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    parser.expect("GET");
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    parser.feed(Buffer.from(head + "01"));
    parser.feed(Buffer.from("234"));
    expect(parser.received).toBe(head.length + 5);
    expect(() => parser.finish()).toThrow("after 5 of 10 body bytes");
    parser.destroy();
  });

  it("a header section exactly at the limit is accepted, one byte more is not; the trailer section has a limit of its own", () => {
    // What counts: the status line's 15 bytes besides its reason, each field's name and value and 4.
    const head = (value: string): string => `HTTP/1.1 200 OK\r\nX-A: ${value}\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n`;
    const size = (value: string): number => 15 + 2 + (3 + value.length + 4) + (7 + 0 + 4) + (14 + 1 + 4);
    const limit = size("v".repeat(40));
    expect(parse(Buffer.from(head("v".repeat(40))), "GET", [], limit).error).toBeUndefined();
    expect(fail(head("v".repeat(41)), "GET", limit).message).toBe(`HEADERS_TOO_LARGE: response head exceeds ${limit} bytes`);
    const trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + "t".repeat(200) + "\r\n\r\n";
    expect(fail(trailers, "GET", 128).message).toBe("HEADERS_TOO_LARGE: trailer section exceeds 128 bytes");
  });

  it("a head that makes no spans (whitespace before a value) is still held to the limit, counting raw bytes", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} }, { maxHeaderSize: 1024 });
    parser.expect("GET");
    const start = "HTTP/1.1 200 OK\r\nX: ";
    expect(parser.feed(Buffer.from(start))).toBe("head");
    for (let fed = start.length; fed < 1024; fed += 4) expect(parser.feed(Buffer.from("    "))).toBe("head"); // exactly 1,024 bytes: allowed
    expect(() => parser.feed(Buffer.from(" "))).toThrow(expect.objectContaining({ code: "HEADERS_TOO_LARGE", offset: 1025 }));
    parser.destroy();
  });

  it("reports the byte offset of an error in the middle of a later chunk", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    parser.expect("GET");
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")); // 47 bytes
    expect(() => parser.feed(Buffer.from("1\r\na\r\nzz\r\n"))).toThrow(expect.objectContaining({ code: "HPE_INVALID_CHUNK_SIZE", offset: 53 }));
    parser.destroy();
  });

  it("Keep-Alive's timeout: digits only, surrounding whitespace allowed, any position, other parameters ignored", () => {
    expect(parseKeepAliveTimeout("timeout=5")).toBe(5000);
    expect(parseKeepAliveTimeout("timeout=12")).toBe(12000);
    expect(parseKeepAliveTimeout("Timeout= 5")).toBe(5000);
    expect(parseKeepAliveTimeout("timeout=5 , max=100")).toBe(5000);
    expect(parseKeepAliveTimeout("max=100, timeout=7")).toBe(7000);
    for (const bad of ["timeout=5x", "timeout=x5", "timeout=", "timeout", "max=5", "xtimeout=5", "timeout=5.5", ""]) {
      expect(parseKeepAliveTimeout(bad), bad).toBeUndefined();
    }
  });

  it("hasToken finds a token in a list, whatever its case and whitespace, and nothing that only contains it", () => {
    expect(hasToken("keep-alive, Close", "close")).toBe(true);
    expect(hasToken("\tclose\t", "close")).toBe(true);
    expect(hasToken("closed, unclose", "close")).toBe(false);
  });

  it("headers as long as Connection, Keep-Alive, Content-Length and Transfer-Encoding are not taken for them", () => {
    // Names of 10, 10, 17 and 14 characters; cut after the head, so the body takes the Content-Length fast path.
    const raw = "HTTP/1.1 200 OK\r\nX-Mode-Abc: close\r\nX-Keep-Ali: timeout=9\r\nX-Transfer-Coding: gzip\r\nContent-Length: 5\r\nX-Content-Size: 3\r\n\r\nhello";
    const ok = parse(Buffer.from(raw), "GET", [raw.indexOf("\r\n\r\n") + 4]);
    expect(ok.error).toBeUndefined();
    expect(ok.head!.keepAlive).toBe(true);
    expect(ok.head!.keepAliveTimeout).toBeUndefined();
    expect(ok.body).toBe("hello");
    expect(ok.leftover).toBe(0);
  });

  it("a HEAD response keeps its connection only by our own rule: HTTP/1.0 without keep-alive closes, and close anywhere wins", () => {
    const head = (raw: string): boolean => parse(Buffer.from(raw), "HEAD").head!.keepAlive;
    expect(head("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n")).toBe(false);
    expect(head("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 10\r\n\r\n")).toBe(true);
    expect(head("HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 10\r\n\r\n")).toBe(false);
    expect(head("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")).toBe(true);
  });

  it("status 599 is a status; 600, HTTP/0.9, /1.2 and /2.0 are refused in words", () => {
    expect(parse(Buffer.from("HTTP/1.1 599 Custom\r\nContent-Length: 0\r\n\r\n")).head!.status).toBe(599);
    expect(fail("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n").message).toBe("HPE_INVALID_STATUS: status code 600 is outside 100-599");
    expect(fail("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n").message).toBe("HPE_INVALID_VERSION: unsupported HTTP version 2.0");
    expect(fail("HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n").message).toBe("HPE_INVALID_VERSION: unsupported HTTP version 0.9");
    expect(fail("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n").message).toBe("HPE_INVALID_VERSION: Invalid HTTP version"); // llhttp's own
  });

  it("a refused response reports nothing to the handler, even when a good one follows in the same chunk", () => {
    const next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    const refused = [
      ["HTTP/1.1 999 X\r\n\r\n", "HPE_INVALID_STATUS"],
      ["HTTP/2.0 200 OK\r\n\r\n", "HPE_INVALID_VERSION"],
      ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", "UNEXPECTED_UPGRADE: server switched protocols (101) without being asked"],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 'UNSUPPORTED_TRANSFER_ENCODING: unsupported Transfer-Encoding "gzip"'],
      ["HTTP/1.1 103 Early Hints\r\n\r\n".repeat(33), "TOO_MANY_INFORMATIONAL: more than 32 informational responses"],
    ] as const;
    for (const [raw, error] of refused) {
      const { parser, seen } = recording();
      parser.expect("GET");
      expect(() => parser.feed(Buffer.from(raw + next)), raw).toThrow(error);
      expect(parser.state).toBe("failed");
      expect(seen, raw).toEqual([]);
      parser.destroy();
    }
  });

  it("up to 32 informational responses are passed on before the final one", () => {
    const statuses: number[] = [];
    const parser = new ResponseParser({ onHead: (h) => statuses.push(h.status), onInformational: (s) => statuses.push(s), onBody() {}, onEnd() {} });
    parser.expect("GET");
    expect(parser.feed(Buffer.from("HTTP/1.1 100 Continue\r\n\r\n" + "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n".repeat(31) + "HTTP/1.1 204 No Content\r\n\r\n"))).toBe("done");
    expect(statuses).toEqual([100, ...Array<number>(31).fill(103), 204]);
    parser.destroy();
  });

  it("a 101 the request asked for is the final answer, and what follows it is left over for the new protocol", () => {
    const { parser, seen } = recording();
    parser.expect("GET", true);
    expect(parser.feed(Buffer.from("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nXYZ"))).toBe("done");
    expect(parser.leftover).toBe(3);
    expect(seen).toEqual(["head 101", "end"]);
    parser.destroy();
  });

  it("notAResponse is false when the bytes began like a response, or followed an informational one", () => {
    const verdict = (raw: string): boolean => {
      const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
      parser.expect("GET");
      expect(() => parser.feed(Buffer.from(raw, "latin1"))).toThrow(RemoteProtocolError);
      return parser.notAResponse;
    };
    expect(verdict("HTTP/1.1 abc\r\n\r\n")).toBe(false); // HPE_INVALID_STATUS before any span
    expect(verdict("HTTP/1.1 100 Continue\r\n\r\nXTTP/1.1 200 OK\r\n\r\n")).toBe(false);
    expect(verdict("XTTP/1.1 200 OK\r\n\r\n")).toBe(true);
  });

  it("is strict about its own use: expect() only when idle or done, feed() only while a response is under way, finish() of an ended parser is a no-op", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    expect(parser.finish()).toBe("idle");
    expect(() => parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n"))).toThrow("cannot feed a parser that is idle");
    parser.expect("GET");
    expect(() => parser.expect("GET")).toThrow("cannot expect a response while head");
    expect(parser.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))).toBe("done");
    expect(parser.finish()).toBe("done");
    expect(() => parser.feed(Buffer.from("x"))).toThrow("cannot feed a parser that is done");
    parser.expect("GET");
    expect(() => parser.feed(Buffer.from("nope"))).toThrow(RemoteProtocolError);
    expect(parser.finish()).toBe("failed");
    parser.destroy();
    parser.destroy(); // twice is harmless
    expect(parser.state).toBe("failed");
  });

  it("destroy() leaves the parser unusable", () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onEnd() {} });
    parser.destroy();
    expect(parser.state).toBe("failed");
    expect(() => parser.expect("GET")).toThrow("cannot expect a response while failed");
  });
});
