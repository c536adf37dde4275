import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { chooseFraming, chunkSizeLine, LAST_CHUNK, type BodyLength } from "../../src/http/framing.js";
import { Headers } from "../../src/http/headers.js";
import { PreparedHeaders, serializeRequestHead } from "../../src/http/serializer.js";
import { isFieldValue, isRequestTarget } from "../../src/http/tokens.js";

const NONE: BodyLength = { kind: "none" };
const known = (length: number): BodyLength => ({ kind: "known", length });
const UNKNOWN: BodyLength = { kind: "unknown" };

function head(method: string, url: string, headers: Headers = new Headers(), body: BodyLength = NONE): string {
  const u = new URL(url);
  return serializeRequestHead({ method, target: u.pathname + u.search, host: u.host, headers, framing: chooseFraming(method, body, headers) });
}

describe("serializeRequestHead", () => {
  it("writes the request line and Host first", () => {
    const h = new Headers([["Accept", "*/*"], ["X-Trace", "1"]]);
    expect(head("GET", "http://example.org/a/b?x=1&y=2", h)).toBe("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\nX-Trace: 1\r\n\r\n");
  });

  it("adds the port to Host only when it is not the scheme's default", () => {
    expect(head("GET", "http://example.org:80/")).toContain("Host: example.org\r\n");
    expect(head("GET", "https://example.org:443/")).toContain("Host: example.org\r\n");
    expect(head("GET", "http://example.org:8080/")).toContain("Host: example.org:8080\r\n");
    expect(head("GET", "https://example.org:80/")).toContain("Host: example.org:80\r\n");
  });

  it("brackets IPv6 hosts", () => {
    expect(head("GET", "http://[::1]:8080/")).toContain("Host: [::1]:8080\r\n");
    expect(head("GET", "http://[::1]/")).toContain("Host: [::1]\r\n");
  });

  it("puts a caller's Host first and only once", () => {
    const out = head("GET", "http://127.0.0.1:9/", new Headers([["X-A", "1"], ["host", "virtual.example"]]));
    expect(out).toBe("GET / HTTP/1.1\r\nHost: virtual.example\r\nX-A: 1\r\n\r\n");
  });

  it("keeps header name casing and repeated headers", () => {
    const out = head("GET", "http://h/", new Headers([["x-lower", "a"], ["X-Dup", "1"], ["X-Dup", "2"]]));
    expect(out).toContain("x-lower: a\r\nX-Dup: 1\r\nX-Dup: 2\r\n");
  });

  it("appends prepared headers verbatim", () => {
    const prepared = PreparedHeaders.from([["User-Agent", "wirepool/0.1"], ["Accept", "*/*"]]);
    const u = new URL("http://h/");
    const out = serializeRequestHead({ method: "GET", target: "/", host: u.host, headers: new Headers(), framing: { kind: "none" }, prepared });
    expect(out).toBe("GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: wirepool/0.1\r\nAccept: */*\r\n\r\n");
    expect(prepared.names.has("user-agent")).toBe(true);
    expect(() => PreparedHeaders.from([["X-Bad", "a\r\nb"]])).toThrow(LocalProtocolError);
  });

  it("without(): the lines less the names given, the same object for the same names, whatever was asked between", () => {
    const prepared = PreparedHeaders.from([["User-Agent", "u"], ["Accept", "*/*"], ["Accept-Encoding", "gzip"]]);
    const less = prepared.without(["accept"]);
    expect(less.text).toBe("User-Agent: u\r\nAccept-Encoding: gzip\r\n");
    expect([...less.names]).toEqual(["user-agent", "accept-encoding"]);
    expect(prepared.without(["accept", "user-agent"]).text).toBe("Accept-Encoding: gzip\r\n");
    expect(prepared.without(["accept"])).toBe(less);
    expect(prepared.without(["accept-encoding", "user-agent", "accept"]).text).toBe("");
    // Many sets of names: the kept ones are bounded, and each answer is still right.
    for (let i = 0; i < 40; i++) expect(prepared.without([`x-${i}`]).text).toBe(prepared.text);
    expect(prepared.without(["accept"]).text).toBe(less.text);
  });

  it("an empty Host is refused; framing headers the caller set are written once, by the framing", () => {
    expect(() => serializeRequestHead({ method: "GET", target: "/", host: "", framing: { kind: "none" } })).toThrow(/invalid Host: ""/);
    const given = new Headers([["content-length", "3"], ["X-A", "1"], ["Transfer-Encoding", "chunked"], ["Host", "virtual.example"]]);
    const out = serializeRequestHead({ method: "POST", target: "/", host: "h", headers: given, framing: { kind: "length", length: 3 } });
    expect(out).toBe("POST / HTTP/1.1\r\nHost: virtual.example\r\nX-A: 1\r\nContent-Length: 3\r\n\r\n");
  });

  it("the same head, whichever way it is built, for any host in any order", () => {
    const prepared = PreparedHeaders.from([["Accept", "*/*"]]);
    const build = (host: string, method: string, extra?: Headers, proxyLines?: string) =>
      serializeRequestHead({ method, target: "/p?q=1", host, headers: extra, framing: method === "POST" ? { kind: "length", length: 2 } : { kind: "none" }, prepared, proxyLines });
    for (const host of ["a.example", "b.example:8080", "a.example", "[::1]:3000"]) {
      expect(build(host, "GET")).toBe(`GET /p?q=1 HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
      expect(build(host, "POST")).toBe(`POST /p?q=1 HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\nContent-Length: 2\r\n\r\n`);
      expect(build(host, "GET", new Headers([["X-Own", "1"]]))).toBe(`GET /p?q=1 HTTP/1.1\r\nHost: ${host}\r\nX-Own: 1\r\nAccept: */*\r\n\r\n`);
      expect(build(host, "GET", undefined, "Proxy-Authorization: Basic eA==\r\n")).toBe(`GET /p?q=1 HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n`);
    }
    expect(() => build("bad host", "GET")).toThrow(LocalProtocolError);
  });
});

describe("body framing", () => {
  it("GET and HEAD without a body send neither length nor chunked", () => {
    for (const m of ["GET", "HEAD", "DELETE", "OPTIONS"]) {
      const out = head(m, "http://h/");
      expect(out).not.toMatch(/content-length|transfer-encoding/i);
    }
  });

  it("headers the caller set are honoured where they agree with the body", () => {
    // Transfer-Encoding: chunked given by the caller: chunked, even when the length is known.
    expect(chooseFraming("POST", known(3), new Headers([["Transfer-Encoding", "chunked"]]))).toEqual({ kind: "chunked" });
    expect(chooseFraming("GET", { kind: "none" }, new Headers([["transfer-encoding", "chunked"]]))).toEqual({ kind: "chunked" });
    // Content-Length: 0 on a bodiless GET is sent as given; any other length without a body is refused.
    expect(chooseFraming("GET", { kind: "none" }, new Headers([["Content-Length", "0"]]))).toEqual({ kind: "length", length: 0 });
    expect(() => chooseFraming("GET", { kind: "none" }, new Headers([["Content-Length", "5"]]))).toThrow(/Content-Length is 5 but the request has no body/);
    // An empty known body is Content-Length: 0, a matching declared length is fine, a different one refused.
    expect(chooseFraming("PUT", known(0), new Headers())).toEqual({ kind: "length", length: 0 });
    expect(chooseFraming("PUT", known(4), new Headers([["Content-Length", " 4 "]]))).toEqual({ kind: "length", length: 4 });
    expect(() => chooseFraming("PUT", known(4), new Headers([["Content-Length", "5"]]))).toThrow(/Content-Length is 5 but the body has 4 bytes/);
    expect(() => chooseFraming("PUT", known(4), new Headers([["Content-Length", "4, 5"]]))).toThrow(/invalid Content-Length header: "4, 5"/);
    expect(() => chooseFraming("PUT", known(4), new Headers([["Content-Length", "4x"]]))).toThrow(/invalid Content-Length/);
    expect(() => chooseFraming("PUT", known(4), new Headers([["Content-Length", "x4"]]))).toThrow(/invalid Content-Length/);
    expect(() => chooseFraming("PUT", known(4), new Headers([["Content-Length", "4"], ["Transfer-Encoding", "chunked"]]))).toThrow(/both Content-Length and Transfer-Encoding/);
    expect(() => chooseFraming("PUT", known(4), new Headers([["Transfer-Encoding", "gzip"]]))).toThrow(/unsupported Transfer-Encoding for a request body: "gzip"/);
  });

  it("POST, PUT and PATCH with an empty body send Content-Length: 0", () => {
    for (const m of ["POST", "PUT", "PATCH"]) {
      expect(head(m, "http://h/")).toContain("Content-Length: 0\r\n");
      expect(head(m, "http://h/", new Headers(), known(0))).toContain("Content-Length: 0\r\n");
    }
  });

  it("a known length is sent as Content-Length, a stream as chunked, never both", () => {
    const withLength = head("POST", "http://h/", new Headers(), known(42));
    expect(withLength).toContain("Content-Length: 42\r\n");
    expect(withLength).not.toMatch(/transfer-encoding/i);
    const streamed = head("POST", "http://h/", new Headers(), UNKNOWN);
    expect(streamed).toContain("Transfer-Encoding: chunked\r\n");
    expect(streamed).not.toMatch(/content-length/i);
  });

  it("a caller's Content-Length must match the body", () => {
    expect(head("POST", "http://h/", new Headers({ "Content-Length": "3" }), known(3))).toContain("Content-Length: 3\r\n");
    expect(() => head("POST", "http://h/", new Headers({ "Content-Length": "4" }), known(3))).toThrow(LocalProtocolError);
    expect(() => head("POST", "http://h/", new Headers({ "Content-Length": "4" }), NONE)).toThrow(/no body/);
    expect(() => head("POST", "http://h/", new Headers({ "Content-Length": "x" }), known(1))).toThrow(/invalid Content-Length/);
    expect(() => head("POST", "http://h/", new Headers([["Content-Length", "1"], ["Content-Length", "2"]]), known(1))).toThrow(LocalProtocolError);
  });

  it("a caller's Content-Length frames a stream of unknown length", () => {
    const out = head("PUT", "http://h/", new Headers({ "content-length": "10" }), UNKNOWN);
    expect(out).toContain("Content-Length: 10\r\n");
    expect(out).not.toContain("content-length");
    expect(out).not.toMatch(/transfer-encoding/i);
  });

  it("rejects Content-Length together with Transfer-Encoding, and unknown codings", () => {
    expect(() => head("POST", "http://h/", new Headers({ "Content-Length": "1", "Transfer-Encoding": "chunked" }), known(1))).toThrow(/both/);
    expect(() => head("POST", "http://h/", new Headers({ "Transfer-Encoding": "gzip" }), UNKNOWN)).toThrow(/Transfer-Encoding/);
  });

  it("frames chunks and never an empty one before the end", () => {
    expect(chunkSizeLine(5)).toBe("5\r\n");
    expect(chunkSizeLine(255)).toBe("ff\r\n");
    expect(chunkSizeLine(65536)).toBe("10000\r\n");
    expect(() => chunkSizeLine(0)).toThrow(RangeError);
    expect(LAST_CHUNK).toBe("0\r\n\r\n");
  });
});

describe("injection is refused before a byte is produced", () => {
  const evil = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b"];

  it("in header values, including through toString()", () => {
    for (const v of evil) {
      expect(() => head("GET", "http://h/", new Headers([["X-A", v]]))).toThrow(LocalProtocolError);
    }
    const sneaky = { toString: () => "ok\r\nSet-Cookie: x" } as unknown as string;
    expect(() => head("GET", "http://h/", new Headers({ "X-A": sneaky }))).toThrow(LocalProtocolError);
  });

  it("in header names", () => {
    for (const n of ["X-A\r\nX-B", "X A", "X:A", "", "X\0"]) {
      expect(() => head("GET", "http://h/", new Headers([[n, "1"]]))).toThrow(LocalProtocolError);
    }
  });

  it("in the method", () => {
    for (const m of ["GET / HTTP/1.1\r\nX:", "GE T", "", "GET\r\n", "GÉT"]) {
      expect(() => head(m, "http://h/")).toThrow(LocalProtocolError);
    }
  });

  it("in the target", () => {
    for (const t of ["/a b", "/a\r\nX: 1", "/\0", "/\u0100", ""]) {
      expect(() => serializeRequestHead({ method: "GET", target: t, host: "h", headers: new Headers(), framing: { kind: "none" } })).toThrow(LocalProtocolError);
    }
  });

  it("in the Host, given or computed", () => {
    expect(() => head("GET", "http://h/", new Headers({ Host: "a\r\nX-B: 1" }))).toThrow(LocalProtocolError);
    expect(() => head("GET", "http://h/", new Headers({ Host: "a b" }))).toThrow(LocalProtocolError);
    expect(() => serializeRequestHead({ method: "GET", target: "/", host: "h\r\nX: y", headers: new Headers(), framing: { kind: "none" } })).toThrow(LocalProtocolError);
  });

  it("rejects characters with no latin1 byte", () => {
    expect(() => head("GET", "http://h/", new Headers({ "X-A": "snow ☃" }))).toThrow(LocalProtocolError);
  });
});

describe("serializer, one rule at a time", () => {
  const head = (headers: Headers, method = "GET", target = "/"): string =>
    serializeRequestHead({ method, target, host: "h", headers, framing: { kind: "none" } });

  it("writes a caller's headers as long as Host, Content-Length and Transfer-Encoding: only those three are the framing's", () => {
    const out = head(new Headers([["X-Id", "1"], ["X-Content-Size", "2"], ["X-Transfer-Coding", "3"]]));
    expect(out).toBe("GET / HTTP/1.1\r\nHost: h\r\nX-Id: 1\r\nX-Content-Size: 2\r\nX-Transfer-Coding: 3\r\n\r\n");
  });

  it("names what it refuses, quoted", () => {
    expect(() => head(new Headers(), "GET X")).toThrow(new LocalProtocolError('invalid method: "GET X"'));
    expect(() => head(new Headers(), "GET", "/a b")).toThrow(new LocalProtocolError('invalid request target: "/a b"'));
    expect(() => head(new Headers([["Bad Name", "v"]]))).toThrow(new LocalProtocolError('invalid header name: "Bad Name"'));
    expect(() => head(new Headers([["X-Bad", "a\nb"]]))).toThrow(new LocalProtocolError('invalid character in the value of header X-Bad: "a\\nb"'));
    expect(() => chooseFraming("POST", known(1), new Headers([["Content-Length", "1"], ["Content-Length", "2"]]))).toThrow(
      new LocalProtocolError('invalid Content-Length header: "1, 2"'),
    );
    expect(() => chunkSizeLine(0)).toThrow(new RangeError("an empty chunk would terminate a chunked body"));
  });

  it("keeps the prepared lines left by different sets of names apart, even when their names run together", () => {
    const prepared = PreparedHeaders.from([["Ab", "1"], ["C", "2"], ["A", "3"], ["Bc", "4"]]);
    expect(prepared.without(["ab", "c"]).text).toBe("A: 3\r\nBc: 4\r\n");
    expect(prepared.without(["a", "bc"]).text).toBe("Ab: 1\r\nC: 2\r\n");
  });
});

describe("serializer, the bodiless head in two pieces", () => {
  it("is the same text the general path writes, for each host in turn", () => {
    const prepared = PreparedHeaders.from([["Accept", "*/*"]]);
    for (const host of ["a", "b:8080", "a"]) {
      const fast = serializeRequestHead({ method: "GET", target: "/p", host, framing: { kind: "none" }, prepared });
      expect(fast).toBe(`GET /p HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
      const general = serializeRequestHead({ method: "GET", target: "/p", host, headers: new Headers([["X", "1"]]), framing: { kind: "none" }, prepared });
      expect(general).toBe(`GET /p HTTP/1.1\r\nHost: ${host}\r\nX: 1\r\nAccept: */*\r\n\r\n`);
    }
  });

  it("allows obs-text (0x80-0xFF) in values and targets, and nothing above it", () => {
    expect(isFieldValue("caf\xe9 \xff")).toBe(true);
    expect(isRequestTarget("/\xff")).toBe(true);
    expect(isFieldValue("\u0100")).toBe(false);
    expect(isRequestTarget("/\u0100")).toBe(false);
  });
});
