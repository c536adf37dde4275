/** Cookies through tough-cookie's real CookieJar (and a hand-made sync jar): what is stored, what is sent, hop by hop. */
import type http from "node:http";
import { CookieJar } from "tough-cookie";
import { describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { httpServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

/** A server that sets the cookies `?set=` names, redirects to `?to=`, and records each request's Cookie header. */
async function site(): Promise<{ url: (p: string) => string; origin: string; cookies: (string | undefined)[]; port: number }> {
  const cookies: (string | undefined)[] = [];
  const s = await serve(
    httpServer((req: http.IncomingMessage, res) => {
      cookies.push(req.headers.cookie);
      const u = new URL(req.url!, "http://x");
      const set = u.searchParams.getAll("set");
      if (set.length > 0) res.setHeader("Set-Cookie", set);
      const to = u.searchParams.get("to");
      if (to !== null) {
        res.writeHead(302, { Location: to });
        return res.end();
      }
      res.end("ok");
    }),
  );
  return { url: (p) => s.url(p), origin: s.origin, cookies, port: s.port };
}

function client(options: ConstructorParameters<typeof Client>[0]): Client {
  const c = new Client({ trustEnv: false, timeout: 3000, ...options });
  defer(() => c.close());
  return c;
}

describe("cookieJar", () => {
  it("Set-Cookie goes into the jar, and the jar's cookies go out with the next request, merged with the caller's", async () => {
    const s = await site();
    const jar = new CookieJar();
    const c = client({ cookieJar: jar });
    await c.get(s.url("/login?set=session%3Dabc%3B%20Path%3D%2F"));
    await c.get(s.url("/me"));
    await c.get(s.url("/me"), { headers: { Cookie: "mine=1" } });
    expect(s.cookies).toEqual([undefined, "session=abc", "mine=1; session=abc"]);
    expect(await jar.getCookieString(s.origin)).toBe("session=abc");
  });

  it("every hop of a redirect chain stores its cookies and is sent the jar's cookies for its own URL", async () => {
    const s = await site();
    const other = await site(); // another origin (another port)
    const jar = new CookieJar();
    const c = client({ cookieJar: jar, followRedirects: true });
    const last = other.url("/end?set=far%3D3");
    const middle = s.url(`/middle?set=b%3D2&to=${encodeURIComponent(last)}`);
    await c.get(s.url(`/start?set=a%3D1&to=${encodeURIComponent(middle)}`));
    expect(s.cookies).toEqual([undefined, "a=1"]);
    // The other origin is a different host:port to the jar only by its port, and cookies ignore ports
    // (RFC 6265 §8.5): the jar sends 127.0.0.1's cookies there too, as browsers would.
    expect(other.cookies).toEqual(["a=1; b=2"]);
    expect((await jar.getCookies(s.origin)).map((k) => k.key).sort()).toEqual(["a", "b", "far"]);
  });

  it("a cross-host redirect gets the jar's cookies for the new host only; the caller's Cookie is dropped there", async () => {
    const s = await site();
    const jar = new CookieJar();
    const c = client({ cookieJar: jar, followRedirects: true });
    const elsewhere = `http://localhost:${s.port}/there`;
    await c.get(s.url(`/here?set=local%3D1&to=${encodeURIComponent(elsewhere)}`), { headers: { Cookie: "mine=1" } });
    expect(s.cookies).toEqual(["mine=1", undefined]);
  });

  it("a cookie the jar refuses (another domain) is dropped without failing the request", async () => {
    const s = await site();
    const c = client({ cookieJar: new CookieJar() });
    expect((await c.get(s.url("/?set=x%3D1%3B%20Domain%3Dexample.org"))).status).toBe(200);
    await c.get(s.url("/"));
    expect(s.cookies).toEqual([undefined, undefined]);
  });

  it("a synchronous jar of one's own works the same; without a jar, cookies are not handled at all", async () => {
    const s = await site();
    const stored: string[] = [];
    const c = client({ cookieJar: { getCookieString: () => stored.join("; "), setCookie: (cookie) => void stored.push(cookie.split(";")[0]!) } });
    await c.get(s.url("/?set=k%3Dv"));
    await c.get(s.url("/"));
    expect(s.cookies).toEqual([undefined, "k=v"]);
    const none = client({});
    await none.get(s.url("/?set=z%3D9"));
    await none.get(s.url("/"));
    expect(s.cookies.slice(2)).toEqual([undefined, undefined]);
    expect(() => new Client({ cookieJar: {} as never })).toThrow(/cookieJar needs getCookieString\(url\) and setCookie\(cookie, url\)/);
  });
});
