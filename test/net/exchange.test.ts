/**
 * Exchange's derived booleans and the pipelining rule (src/net/exchange.ts), on their own: the
 * connection's reuse verdict and the pool's retry rule are built from these.
 */
import { describe, expect, it } from "vitest";
import { Exchange, IDEMPOTENT, type OutgoingRequest, pipelinable } from "../../src/net/exchange.js";

const request = (method: string, body: OutgoingRequest["body"] = null, extra: Partial<OutgoingRequest> = {}): OutgoingRequest =>
  ({ method, head: `${method} / HTTP/1.1\r\n\r\n`, framing: { kind: "none" }, body, ...extra }) as OutgoingRequest;

describe("which requests may be pipelined (and retried)", () => {
  it("the idempotent methods of RFC 9110 §9.2.2, with no body or one held whole", () => {
    expect([...IDEMPOTENT].sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"]);
    for (const method of IDEMPOTENT) {
      expect(pipelinable(request(method)), method).toBe(true);
      expect(pipelinable(request(method, new Uint8Array(3))), method).toBe(true);
    }
    for (const method of ["POST", "PATCH", "CONNECT", "get"]) expect(pipelinable(request(method)), method).toBe(false);
  });

  it("never a streamed body, an Expect: 100-continue or an upgrade", () => {
    async function* stream() {
      yield new Uint8Array(1);
    }
    expect(pipelinable(request("PUT", stream()))).toBe(false);
    expect(pipelinable(request("PUT", new Uint8Array(1), { expectContinue: true }))).toBe(false);
    expect(pipelinable(request("GET", null, { upgrade: true }))).toBe(false);
  });
});

describe("Exchange", () => {
  const exchange = () => new Exchange("GET", { read: null, write: null }, { onResponse() {}, onError() {}, onEnd() {} } as never, true, 1);

  it("says where a failure now would be: writing, reading the head, reading the body", () => {
    const ex = exchange();
    expect([ex.phase, ex.written, ex.over, ex.early]).toEqual(["write", false, false, false]);
    ex.request = "sent";
    expect([ex.phase, ex.written]).toEqual(["read head", true]);
    ex.response = "body";
    expect(ex.phase).toBe("read body");
    ex.response = "draining";
    expect(ex.phase).toBe("read body");
    ex.response = "done";
    expect(ex.over).toBe(true);
  });

  it("is answered early only when its head came while the request was still going, and it was abandoned", () => {
    const ex = exchange();
    ex.request = "abandoned";
    expect(ex.early).toBe(false); // abandoned with no answer yet: a failure, not an early answer
    ex.response = "body";
    expect(ex.early).toBe(true);
    ex.response = "draining";
    expect(ex.early).toBe(true);
    ex.response = "done";
    expect(ex.early).toBe(false);
    ex.request = "sent";
    ex.response = "body";
    expect(ex.early).toBe(false);
  });
});
