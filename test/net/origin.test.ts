import { describe, expect, it } from "vitest";
import { UnsupportedProtocol } from "../../src/errors.js";
import { originOf } from "../../src/net/origin.js";

const key = (url: string): string => originOf(new URL(url)).key;

describe("originOf", () => {
  it("gives scheme, host and port, the default port filled in", () => {
    expect(originOf(new URL("http://example.org/a"))).toEqual({ scheme: "http", hostname: "example.org", port: 80, key: "http://example.org:80" });
    expect(originOf(new URL("https://[::1]:8443/"))).toEqual({ scheme: "https", hostname: "::1", port: 8443, key: "https://[::1]:8443" });
    expect(() => originOf(new URL("ftp://example.org/"))).toThrow(UnsupportedProtocol);
  });

  it("interns origins: the same object for every URL of one origin", () => {
    expect(originOf(new URL("http://a.test:8080/x?q"))).toBe(originOf(new URL("http://a.test:8080/y#f")));
    // Not only the last one: another origin in between does not make a new object.
    const a = originOf(new URL("http://intern-a.test/"));
    originOf(new URL("http://intern-b.test/"));
    expect(originOf(new URL("http://intern-a.test/other"))).toBe(a);
  });

  it("the interning is bounded: after more than a thousand other origins it starts again (an equal origin, a new object)", () => {
    const a = originOf(new URL("http://bounded.test/"));
    for (let i = 0; i < 1001; i++) originOf(new URL(`http://h${i}.bounded.test/`));
    const again = originOf(new URL("http://bounded.test/x"));
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  // originOf remembers the last origin by the start of its href: a URL that merely starts
  // alike must not be taken for it.
  it("is not fooled by URLs that start like the previous one", () => {
    const sequence = [
      ["http://a.test:8080/x", "http://a.test:8080"],
      ["http://a.test:808/x", "http://a.test:808"],
      ["http://a.test:8080/x", "http://a.test:8080"],
      ["http://a.test.evil:8080/", "http://a.test.evil:8080"],
      ["http://a.test:8080/", "http://a.test:8080"],
      ["https://a.test:8080/", "https://a.test:8080"],
      ["http://user:pw@a.test:8080/", "http://a.test:8080"],
      ["http://a.test:8080/@b.test/", "http://a.test:8080"],
      ["http://a.test:80/", "http://a.test:80"],
      ["http://a.test/", "http://a.test:80"],
      ["http://a.test?q", "http://a.test:80"],
      ["http://b.test/", "http://b.test:80"],
      ["http://c.test/?next=http://b.test/", "http://c.test:80"], // ends like the previous one
    ];
    for (const [url, origin] of sequence) expect(key(url!), url).toBe(origin);
  });

  it("refuses a scheme it cannot speak, naming it", () => {
    expect(() => originOf(new URL("ftp://a.test/file"))).toThrow(new UnsupportedProtocol('unsupported URL scheme "ftp:" in ftp://a.test/file'));
  });
});
