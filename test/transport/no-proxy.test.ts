/** NO_PROXY matching and the environment's proxy variables, table-driven (end to end through squid: test/net/proxy.test.ts). */
import { describe, expect, it } from "vitest";
import { NoProxy } from "../../src/transport/no-proxy.js";
import { ProxyRouter, readEnvProxies } from "../../src/transport/proxies.js";
import { originOf } from "../../src/net/origin.js";

const cases: [noProxy: string, url: string, direct: boolean][] = [
  ["*", "http://anything.example/", true],
  ["", "http://example.com/", false],
  ["example.com", "http://example.com/", true],
  ["example.com", "http://api.example.com/", true],
  ["example.com", "http://notexample.com/", false],
  [".example.com", "http://example.com/", true],
  [".example.com", "http://a.b.example.com/", true],
  ["*.example.com", "http://a.example.com/", true],
  ["EXAMPLE.com.", "http://Example.COM./", true],
  ["example.com:8080", "http://example.com:8080/", true],
  ["example.com:8080", "http://example.com/", false],
  ["example.com:443", "https://example.com/", true],
  ["127.0.0.1", "http://127.0.0.1:9000/", true],
  ["127.0.0.1", "http://127.0.0.2/", false],
  ["127.0.0.1:9000", "http://127.0.0.1:9000/", true],
  ["127.0.0.1:9000", "http://127.0.0.1:9001/", false],
  ["10.0.0.0/8", "http://10.20.30.40/", true],
  ["10.0.0.0/8", "http://11.0.0.1/", false],
  ["192.168.1.0/24", "http://192.168.1.255/", true],
  ["192.168.1.0/24", "http://192.168.2.1/", false],
  ["::1", "http://[::1]:8080/", true],
  ["[::1]", "http://[::1]/", true],
  ["[::1]:8080", "http://[::1]:8080/", true],
  ["[::1]:8080", "http://[::1]:8081/", false],
  ["fd00::/8", "http://[fd12:3456::1]/", true],
  ["fd00::/8", "http://[fe80::1]/", false],
  ["10.0.0.0/8", "http://ten.example/", false], // no name is resolved
  ["localhost, .internal ,example.org", "http://db.internal/", true],
  ["localhost, .internal ,example.org", "http://localhost:3000/", true],
  ["localhost, .internal ,example.org", "http://example.net/", false],
];

describe("NO_PROXY", () => {
  it.each(cases)("NO_PROXY=%j, %s: direct = %s", (noProxy, url, direct) => {
    const u = new URL(url);
    expect(new NoProxy(noProxy).matches(u.hostname, originOf(u).port)).toBe(direct);
  });
});

describe("proxy variables", () => {
  it("a lower-case name wins over the upper-case one, empty means unset", () => {
    expect(readEnvProxies({ http_proxy: "http://lower:1", HTTP_PROXY: "http://upper:1", HTTPS_PROXY: "http://up:2", all_proxy: " ", ALL_PROXY: "socks5://all:3" })).toEqual({
      http: "http://lower:1",
      https: "http://up:2",
      all: "socks5://all:3",
      noProxy: undefined,
    });
  });

  it.each([
    [{ HTTP_PROXY: "p:3128" }, "http://t/", "http://p:3128 (forward proxy)"],
    [{ HTTP_PROXY: "p:3128" }, "https://t/", "https://t:443"],
    [{ HTTPS_PROXY: "http://p:3128" }, "https://t/", "https://t:443 via http://p:3128"],
    [{ ALL_PROXY: "socks5h://s:1080" }, "http://t/", "http://t:80 via socks5h://s:1080"],
    [{ ALL_PROXY: "socks5://s", HTTP_PROXY: "http://p:1" }, "http://t/", "http://p:1 (forward proxy)"],
    [{ ALL_PROXY: "socks5://s" }, "https://t/", "https://t:443 via socks5://s:1080"],
    [{ HTTP_PROXY: "http://p:1", NO_PROXY: "t" }, "http://t/", "http://t:80"],
    [{ HTTPS_PROXY: "https://u:pw@p" }, "https://t:8443/", "https://t:8443 via https://p:443"],
  ] as const)("env %j: %s goes to %s", (env, url, key) => {
    const u = new URL(url);
    const router = ProxyRouter.create(undefined, true, env);
    expect((router?.route(u, originOf(u)) ?? originOf(u)).key).toBe(key);
  });

  it("no proxy variables, trustEnv false, or proxy: null: no router at all (the direct path costs nothing)", () => {
    expect(ProxyRouter.create(undefined, true, {})).toBeUndefined();
    expect(ProxyRouter.create(undefined, false, { HTTP_PROXY: "http://p:1" })).toBeUndefined();
    expect(ProxyRouter.create(null, true, { HTTP_PROXY: "http://p:1" })).toBeUndefined();
  });

  it("a bad proxy variable is refused, naming it and hiding its password", () => {
    expect(() => ProxyRouter.create(undefined, true, { HTTPS_PROXY: "ftp://u:secret@p:1" })).toThrow(/the environment's HTTPS_PROXY: unsupported proxy scheme "ftp:" in ftp:\/\/u:\[secure\]@p:1/);
  });
});
