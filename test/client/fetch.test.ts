/**
 * client.fetch(): the WHATWG signature over the pool, with Node's own Request,
 * Response and Headers; and ky, a library that takes a custom fetch, making its
 * requests through it on one reused connection (counted by the server).
 */
import type http from "node:http";
import ky from "ky";
import { describe, expect, it } from "vitest";
import { Client, ConnectError } from "../../src/index.js";
import { useCleanup } from "../support/cleanup.js";
import { httpServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Echoes what it got as JSON; `/redirect` redirects to `/landed`, `/stream` sends three chunks, `/slow` holds its body. */
async function echo(): Promise<{ url: (p?: string) => string; seen: Seen[]; accepted: () => number }> {
  const seen: Seen[] = [];
  const s = await serve(
    httpServer((req, res) => {
      let body = "";
      req.setEncoding("latin1");
      req.on("data", (c: string) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === "/redirect") return void (res.writeHead(302, { Location: "/landed" }), res.end());
        if (req.url === "/stream") {
          res.write("one,");
          res.write("two,");
          return void res.end("three");
        }
        if (req.url === "/slow") return void res.write("partial"); // never ends
        if (req.url === "/empty") return void (res.writeHead(204), res.end());
        res.setHeader("Content-Type", "application/json");
        res.setHeader("X-Reason", "echo");
        res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers["content-type"] ?? null, length: req.headers["content-length"] ?? null, body }));
      });
    }),
  );
  return { url: (p = "/") => s.url(p), seen, accepted: () => s.accepted };
}

function client(options: ConstructorParameters<typeof Client>[0] = {}): Client {
  const c = new Client({ trustEnv: false, timeout: 3000, ...options });
  defer(() => c.close());
  return c;
}

describe("client.fetch()", () => {
  it("returns Node's own Response: status, statusText, headers, url, redirected, a streaming body", async () => {
    const s = await echo();
    const f = client().fetch; // bound: works passed around
    const res = await f(s.url("/hello?x=1"));
    expect(res).toBeInstanceOf(globalThis.Response);
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.statusText).toBe("OK");
    expect(res.headers).toBeInstanceOf(globalThis.Headers);
    expect(res.headers.get("x-reason")).toBe("echo");
    expect(res.url).toBe(s.url("/hello?x=1"));
    expect(res.redirected).toBe(false);
    expect(await res.json()).toMatchObject({ method: "GET", url: "/hello?x=1" });
    const streamed = await f(s.url("/stream"));
    const reader = streamed.body!.getReader();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += Buffer.from(r.value).toString();
    expect(text).toBe("one,two,three");
    expect((await f(s.url("/empty"))).body).toBeNull();
  });

  it("bodies of every kind fetch takes, with the headers fetch gives them", async () => {
    const s = await echo();
    const f = client().fetch;
    const post = async (body: NonNullable<RequestInit["body"]>, extra: RequestInit = {}) => (await f(s.url("/p"), { method: "POST", body, ...extra })).json() as Promise<Record<string, string | null>>;
    expect(await post("text")).toMatchObject({ body: "text", type: "text/plain;charset=UTF-8", length: "4" });
    expect(await post(new Uint8Array([104, 105]))).toMatchObject({ body: "hi", length: "2" });
    expect(await post(new Uint8Array([1, 2, 3]).buffer)).toMatchObject({ length: "3" });
    expect(await post(new Blob(["blob"], { type: "text/x-blob" }))).toMatchObject({ body: "blob", type: "text/x-blob" });
    expect(await post(new URLSearchParams({ a: "1", b: "two words" }))).toMatchObject({ body: "a=1&b=two+words", type: "application/x-www-form-urlencoded;charset=UTF-8" });
    const form = new FormData();
    form.append("field", "value");
    form.append("file", new Blob(["content"], { type: "text/plain" }), "a.txt");
    const multipart = await post(form);
    expect(multipart.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(multipart.body).toContain('name="file"; filename="a.txt"');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("streamed "));
        c.enqueue(new TextEncoder().encode("body"));
        c.close();
      },
    });
    expect(await post(stream, { duplex: "half" } as RequestInit)).toMatchObject({ body: "streamed body", length: null });
    expect(s.seen.at(-1)!.headers["transfer-encoding"]).toBe("chunked");
    // A global Request as the input, as libraries pass it.
    const r = await f(new globalThis.Request(s.url("/req"), { method: "PUT", body: "put", headers: { "X-Mine": "1" } }));
    expect(await r.json()).toMatchObject({ method: "PUT", body: "put" });
    expect(s.seen.at(-1)!.headers["x-mine"]).toBe("1");
  });

  it("redirect: follow (the default), manual, error", async () => {
    const s = await echo();
    const f = client().fetch;
    const followed = await f(s.url("/redirect"));
    expect(followed.redirected).toBe(true);
    expect(followed.url).toBe(s.url("/landed"));
    const manual = await f(s.url("/redirect"), { redirect: "manual" });
    expect(manual.status).toBe(302);
    expect(manual.headers.get("location")).toBe("/landed");
    const err = await f(s.url("/redirect"), { redirect: "error" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^fetch failed: redirect mode is "error" and GET http:\/\/127\.0\.0\.1:\d+\/redirect answered 302 Found/);
  });

  it("an aborted signal rejects with its reason (an AbortError DOMException by default), before and during the body", async () => {
    const s = await echo();
    const f = client().fetch;
    const before = await f(s.url(), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(DOMException);
    expect((before as DOMException).name).toBe("AbortError");
    const ac = new AbortController();
    const res = await f(s.url("/slow"), { signal: ac.signal });
    const reading = res.text();
    ac.abort(new Error("my reason"));
    await expect(reading).rejects.toThrow("my reason");
  });

  it("failures are TypeErrors that say what happened, with the wirepool error as the cause", async () => {
    const err = await client().fetch("http://127.0.0.1:1/").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^fetch failed: could not connect to http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1 \(GET http:\/\/127\.0\.0\.1:1\/, during connect\)$/);
    expect((err as Error).cause).toBeInstanceOf(ConnectError);
    await expect(client().fetch("http://127.0.0.1:1/", { method: "GET", body: "x" })).rejects.toBeInstanceOf(TypeError);
  });

  it("the client's base URL and default headers apply", async () => {
    const s = await echo();
    const c = client({ baseURL: s.url("/api/"), headers: { "X-Client": "wirepool" } });
    const res = await c.fetch("users");
    expect(await res.json()).toMatchObject({ url: "/api/users" });
    expect(s.seen[0]!.headers["x-client"]).toBe("wirepool");
  });
});

describe("ky over client.fetch", () => {
  it("ky's requests go through the pool: one reused connection, as the server counts it", async () => {
    const s = await echo();
    const c = client();
    const api = ky.create({ prefixUrl: s.url("/ky"), fetch: c.fetch, retry: 0 });
    const a = await api.get("a").json<{ url: string }>();
    const b = await api.post("b", { json: { hello: "ky" } }).json<{ body: string; type: string }>();
    const text = await api.get("c", { searchParams: { q: "1" } }).text();
    expect(a.url).toBe("/ky/a");
    expect(JSON.parse(b.body)).toEqual({ hello: "ky" });
    expect(b.type).toBe("application/json");
    expect(JSON.parse(text).url).toBe("/ky/c?q=1");
    expect(s.accepted()).toBe(1);
    expect(c.stats().totals).toMatchObject({ opened: 1, reused: 2 });
    // ky's HTTPError for a 4xx comes from the Response it got through client.fetch.
    await expect(api.get("missing", { fetch: async () => new globalThis.Response("no", { status: 404 }) })).rejects.toThrow(/404/);
  });
});
