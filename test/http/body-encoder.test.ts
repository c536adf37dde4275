/**
 * BodyEncoder on its own (src/http/body-encoder.ts): a request body's bytes as they go on the
 * wire for each framing, and the checks each framing needs. The client and catalogue tests send
 * streamed bodies through it over sockets; these pin each rule with no socket at all.
 */
import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { BodyEncoder } from "../../src/http/body-encoder.js";

/** A sink that writes down every piece and answers `answer` (false: "pause, please"). */
function sink(answer = true): { pieces: string[]; take: (piece: string | Uint8Array) => boolean } {
  const pieces: string[] = [];
  return { pieces, take: (piece) => (pieces.push(typeof piece === "string" ? piece : Buffer.from(piece).toString("latin1")), answer) };
}

const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1");

describe("BodyEncoder", () => {
  it("under Content-Length sends each chunk as it is, and checks the total at both ends", () => {
    const s = sink();
    const body = new BodyEncoder({ kind: "length", length: 5 });
    expect(body.data(bytes("he"), s.take)).toBe(true);
    expect(body.data(bytes("llo"), s.take)).toBe(true);
    body.end(s.take);
    expect(s.pieces).toEqual(["he", "llo"]);

    const long = new BodyEncoder({ kind: "length", length: 3 });
    long.data(bytes("ab"), s.take);
    expect(() => long.data(bytes("cd"), s.take)).toThrow(new LocalProtocolError("the request body is longer than its Content-Length of 3"));
    const short = new BodyEncoder({ kind: "length", length: 3 });
    short.data(bytes("ab"), s.take);
    expect(() => short.end(s.take)).toThrow(new LocalProtocolError("the request body has 2 bytes but its Content-Length is 3"));
  });

  it("under chunked coding frames each chunk, skips empty ones, and ends with the last chunk", () => {
    const s = sink();
    const body = new BodyEncoder({ kind: "chunked" });
    body.data(bytes("hello"), s.take);
    expect(body.data(new Uint8Array(0), s.take)).toBe(true); // nothing sent: it would end the body
    body.data(bytes("x".repeat(26)), s.take);
    body.end(s.take);
    expect(s.pieces).toEqual(["5\r\n", "hello", "\r\n", "1a\r\n", "x".repeat(26), "\r\n", "0\r\n\r\n"]);
  });

  it("passes the sink's wish to pause back to the caller", () => {
    const s = sink(false);
    expect(new BodyEncoder({ kind: "length", length: 1 }).data(bytes("a"), s.take)).toBe(false);
    expect(new BodyEncoder({ kind: "chunked" }).data(bytes("a"), s.take)).toBe(false);
  });

  it("without framing refuses any body byte and ends with nothing", () => {
    const s = sink();
    const body = new BodyEncoder({ kind: "none" });
    expect(() => body.data(bytes("a"), s.take)).toThrow(new LocalProtocolError("this request has no body framing, so it cannot carry a body"));
    expect(body.data(new Uint8Array(0), s.take)).toBe(true);
    new BodyEncoder({ kind: "none" }).end(s.take);
    new BodyEncoder({ kind: "length", length: 0 }).end(s.take);
    expect(s.pieces).toEqual([]);
  });
});
