/** Query params are written as text (one URL parse per request): the text must be what URLSearchParams would write. */
import { describe, expect, it } from "vitest";
import { withParams } from "../../src/transport/request.js";

describe("withParams", () => {
  it("writes every key and value exactly as URLSearchParams.append() would, on every kind of URL", () => {
    const samples = ["", "plain", "a b", "ä/ü?&=#+", "!'()~*-._", "\u{1F600}", "x\u0000y", "%41", "é", "a\u00a0b", "line\nbreak"];
    for (const k of samples) {
      for (const v of samples) {
        for (const base of ["http://h/p", "http://h/p?", "http://h/p?x=1", "http://h/p#frag", "http://h/p?x=1#f", "http://h:8080/"]) {
          const url = new URL(base);
          const expected = new URL(url.href);
          expected.searchParams.append(k, v);
          expect(withParams(url, { [k]: v }).href, `${base} + ${JSON.stringify(k)}=${JSON.stringify(v)}`).toBe(expected.href);
        }
      }
    }
  });

  it("lists, numbers, booleans, pairs and URLSearchParams all come out in order", () => {
    const url = new URL("http://h/p?own=1");
    expect(withParams(url, { a: [1, 2], b: true, c: 0 }).search).toBe("?own=1&a=1&a=2&b=true&c=0");
    expect(withParams(url, [["z", "1"], ["a", "2"]]).search).toBe("?own=1&z=1&a=2");
    expect(withParams(url, new URLSearchParams("q=a b")).search).toBe("?own=1&q=a+b");
    expect(withParams(url, {})).toBe(url);
  });
});

describe("a Client's params, merged into the URL before its one parse", () => {
  it("go after the URL's own query and before its fragment, for relative, absolute and URL inputs", async () => {
    const { Client } = await import("../../src/index.js");
    const c = new Client({ baseURL: "http://h/api/", params: { k: "client" } });
    const href = (url: string | URL, params?: Record<string, string>) => c.buildRequest("GET", url, params ? { params } : {}).url.href;
    expect(href("/p")).toBe("http://h/api/p?k=client");
    expect(href("/p?own=1#frag", { k: "mine", x: "a b" })).toBe("http://h/api/p?own=1&k=mine&x=a+b#frag");
    expect(href("/p?", { x: "1" })).toBe("http://h/api/p?k=client&x=1");
    expect(href("http://other/q?z=9#f")).toBe("http://other/q?z=9&k=client#f");
    expect(href(new URL("http://other/u?z=9#f"), { x: "é" })).toBe("http://other/u?z=9&k=client&x=%C3%A9#f");
    await c.close();
  });
});
