import { describe, expect, it } from "vitest";
import { Headers } from "../../src/http/headers.js";
import { trimOWS } from "../../src/http/tokens.js";

describe("Headers", () => {
  it("is case-insensitive, keeps order and original casing", () => {
    const h = new Headers([["Content-Type", "text/plain"], ["X-Dup", "1"], ["x-dup", "2"]]);
    expect(h.get("content-type")).toBe("text/plain");
    expect(h.get("X-DUP")).toBe("1, 2");
    expect(h.getAll("x-dup")).toEqual(["1", "2"]);
    expect([...h]).toEqual([["Content-Type", "text/plain"], ["X-Dup", "1"], ["x-dup", "2"]]);
    expect(h.has("CONTENT-TYPE")).toBe(true);
    expect(h.get("missing")).toBeNull();
  });

  it("a copy shares nothing observable: each side's changes stay its own", () => {
    const base = new Headers([["Accept", "*/*"], ["X-A", "1"]]);
    const a = new Headers(base);
    const b = new Headers(base);
    a.set("x-a", "2");
    b.append("X-B", "3");
    base.delete("accept");
    expect([...a]).toEqual([["Accept", "*/*"], ["x-a", "2"]]);
    expect([...b]).toEqual([["Accept", "*/*"], ["X-A", "1"], ["X-B", "3"]]);
    expect([...base]).toEqual([["X-A", "1"]]);
    const c = new Headers(a);
    a.delete("x-a");
    expect([...c]).toEqual([["Accept", "*/*"], ["x-a", "2"]]);
    expect(c.revision).toBe(0);
    // Each change counts once, however it is made.
    c.set("New", "1");
    c.set("new", "2");
    c.delete("new");
    expect(c.revision).toBe(3);
  });

  it("update() replaces each name given with all of its given values, as httpx's Headers.update", () => {
    const h = new Headers([["Accept", "*/*"], ["X-A", "1"], ["x-a", "2"], ["User-Agent", "u"]]);
    h.update(new Headers([["x-a", "3"], ["New", "n"], ["X-A", "4"]]));
    expect([...h]).toEqual([["Accept", "*/*"], ["User-Agent", "u"], ["x-a", "3"], ["New", "n"], ["X-A", "4"]]);
    const before = h.revision;
    h.update(new Headers());
    expect(h.revision).toBe(before);
  });

  it("never joins Set-Cookie", () => {
    const h = Headers.fromRaw(["Set-Cookie", "a=1; Path=/", "Set-Cookie", "b=2, expires=Thu, 01 Jan 2026"]);
    expect(h.getSetCookie()).toEqual(["a=1; Path=/", "b=2, expires=Thu, 01 Jan 2026"]);
    expect(h.toJSON()["set-cookie"]).toEqual(["a=1; Path=/", "b=2, expires=Thu, 01 Jan 2026"]);
  });

  it("set replaces all values in place of the first; delete removes all", () => {
    const h = new Headers([["A", "1"], ["B", "2"], ["a", "3"]]);
    h.set("a", "x");
    expect([...h]).toEqual([["a", "x"], ["B", "2"]]);
    h.delete("B");
    expect([...h]).toEqual([["a", "x"]]);
  });

  it("accepts records with arrays and numbers, and copies other Headers", () => {
    const h = new Headers({ Accept: ["a", "b"], "Content-Length": 5 });
    expect([...h]).toEqual([["Accept", "a"], ["Accept", "b"], ["Content-Length", "5"]]);
    const copy = new Headers(h);
    copy.set("accept", "c");
    expect(h.get("accept")).toBe("a, b");
    expect(copy.get("accept")).toBe("c");
  });
});

describe("trimOWS", () => {
  it("strips spaces and tabs at both ends, and nothing else", () => {
    const cases: [string, string][] = [["", ""], [" ", ""], ["\t \t", ""], ["a", "a"], [" a", "a"], ["a\t", "a"], ["\t a b \t", "a b"], ["\xa0a\xa0", "\xa0a\xa0"], [" \xa0 ", "\xa0"], ["\r\n", "\r\n"], ["ab", "ab"]];
    for (const [input, out] of cases) expect(trimOWS(input), JSON.stringify(input)).toBe(out);
    const same = "untouched";
    expect(trimOWS(same)).toBe(same);
  });
});

describe("Headers, the rest of the contract", () => {
  it("set() of a new name appends it; toJSON() joins repeats but keeps Set-Cookie a list; each update() counts", () => {
    const h = new Headers([["A", "1"]]);
    h.set("B", "2");
    expect([...h]).toEqual([["A", "1"], ["B", "2"]]);
    h.append("b", "3");
    h.append("Set-Cookie", "x=1");
    h.append("set-cookie", "y=2");
    expect(h.toJSON()).toEqual({ a: "1", b: "2, 3", "set-cookie": ["x=1", "y=2"] });
    const before = h.revision;
    h.update(new Headers([["A", "9"]]));
    expect(h.revision).toBeGreaterThan(before);
    expect(h.getAll("a")).toEqual(["9"]);
    expect(h.getAll("missing")).toEqual([]);
    h.delete("B");
    expect(h.keysLower()).toEqual(["set-cookie", "a"]);
  });
});
