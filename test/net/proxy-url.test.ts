/**
 * parseProxy (src/net/proxy.ts) on its own: what each form of proxy URL means, the
 * credentials and header lines it carries, and the errors for what is not a proxy URL.
 */
import { describe, expect, it } from "vitest";
import { LocalProtocolError, UnsupportedProtocol } from "../../src/errors.js";
import { parseProxy } from "../../src/net/proxy.js";

const basic = (userPass: string): string => `Proxy-Authorization: Basic ${Buffer.from(userPass).toString("base64")}\r\n`;

describe("parseProxy", () => {
  it("reads scheme, host and port, with each scheme's default port; a bare host:port is http://", () => {
    expect(parseProxy("proxy.corp:3128", "HTTP_PROXY")).toMatchObject({ scheme: "http", hostname: "proxy.corp", port: 3128, key: "http://proxy.corp:3128" });
    expect(parseProxy("HTTPS://Proxy.Corp", "proxy")).toMatchObject({ scheme: "https", hostname: "proxy.corp", port: 443 });
    expect(parseProxy("socks5://s", "proxy")).toMatchObject({ scheme: "socks5", port: 1080 });
    expect(parseProxy(new URL("socks5h://s:9050"), "proxy")).toMatchObject({ scheme: "socks5h", port: 9050 });
    expect(parseProxy("http://[::1]:3128", "proxy")).toMatchObject({ hostname: "::1", key: "http://[::1]:3128" });
    // Only a scheme at the very start counts: a path that mentions one is still a bare host:port.
    expect(parseProxy("proxy.corp:3128/?via=http://x", "proxy")).toMatchObject({ scheme: "http", hostname: "proxy.corp", port: 3128 });
  });

  it("takes credentials from the userinfo, percent-decoded; HTTP proxies get them as Proxy-Authorization, SOCKS ones in the handshake", () => {
    expect(parseProxy("http://alice:p%40ss@h:3128", "proxy")).toMatchObject({ username: "alice", password: "p@ss", headerLines: basic("alice:p@ss") });
    expect(parseProxy("https://bob@h", "proxy")).toMatchObject({ username: "bob", password: "", headerLines: basic("bob:") });
    expect(parseProxy("socks5://carol:pw@h", "proxy")).toMatchObject({ username: "carol", password: "pw", headerLines: "" });
    expect(parseProxy("http://h:3128", "proxy")).toMatchObject({ username: undefined, password: undefined, headerLines: "" });
    expect(parseProxy("http://alice:secret@h:3128", "proxy").key).toBe("http://h:3128"); // no credentials in the name errors use
  });

  it("adds the caller's headers after the credentials, validated like any header", () => {
    const p = parseProxy({ url: "http://u:p@h:3128", headers: { "X-Team": "blue" } }, "proxy");
    expect(p.headerLines).toBe(basic("u:p") + "X-Team: blue\r\n");
    expect(parseProxy({ url: "http://h:3128" }, "proxy").headerLines).toBe("");
    expect(() => parseProxy({ url: "http://h:3128", headers: { "X-Bad": "a\r\nb" } }, "proxy")).toThrow(LocalProtocolError);
  });

  it("refuses what is not a proxy URL, naming the option and never the password", () => {
    expect(() => parseProxy("http://user:hunter2@", "HTTPS_PROXY")).toThrow(new TypeError('HTTPS_PROXY: not a proxy URL: "http://user:[secure]@"'));
    let thrown: unknown;
    try {
      parseProxy("http://[bad", "proxy");
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).cause).toBeInstanceOf(TypeError); // the URL parser's own error, kept
    expect(((thrown as Error).cause as NodeJS.ErrnoException).code).toBe("ERR_INVALID_URL");
    expect(() => parseProxy("ftp://h:2121", "proxy")).toThrow(UnsupportedProtocol);
    expect(() => parseProxy("ftp://h:2121", "proxy")).toThrow(/^proxy: unsupported proxy scheme "ftp:" in ftp:\/\/h:2121\/ \(http, https, socks5 and socks5h are\)/);
  });
});
