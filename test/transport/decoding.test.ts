/**
 * Content-Encoding and charsets, against a Node server sending hand-made codings
 * and nginx with `gzip on`: what is sent (Accept-Encoding), what is undone (gzip,
 * deflate both ways, br, zstd, stacks), the limits (a bomb, too many codings),
 * the failures (corrupt, truncated), and text in any charset TextDecoder knows.
 */
import http from "node:http";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { Client, DecodingError, HTTPTransport, type PoolEvent, ResponseTooLarge, StreamConsumed } from "../../src/index.js";
import { hasZstd } from "../../src/transport/content-decoding.js";
import { useCleanup } from "../support/cleanup.js";
import { nginxBinary, startNginx } from "../support/nginx.js";
import { httpServer, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();
const TEXT = "wirepool decodes this. ".repeat(2000);

type Z = typeof zlib & { zstdCompressSync?: (b: Buffer) => Buffer };
const encoders: Record<string, (b: Buffer) => Buffer<ArrayBufferLike>> = {
  gzip: (b) => zlib.gzipSync(b),
  "x-gzip": (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  "deflate (raw)": (b) => zlib.deflateRawSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  ...(hasZstd() ? { zstd: (b: Buffer) => (zlib as Z).zstdCompressSync!(b) } : {}),
};

/** Serves `/<name>` with the body coded by `codings` (applied in order), `Content-Encoding` as given. */
async function coder(): Promise<{ url: (p: string) => string; seen: http.IncomingHttpHeaders[] }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const s = await serve(
    httpServer((req, res) => {
      seen.push(req.headers);
      const u = new URL(req.url!, "http://x");
      const codings = (u.searchParams.get("c") ?? "").split(",").filter(Boolean);
      let body: Buffer<ArrayBufferLike> = Buffer.from(u.searchParams.get("text") ?? TEXT);
      for (const c of codings) body = encoders[c]!(body);
      const header = u.searchParams.get("h") ?? codings.map((c) => c.replace(" (raw)", "")).join(", ");
      res.writeHead(Number(u.searchParams.get("status") ?? 200), { "Content-Encoding": header, "Content-Type": "text/plain" });
      res.end(req.method === "HEAD" ? undefined : body);
    }),
  );
  return { url: (p) => s.url(p), seen };
}

function client(options: ConstructorParameters<typeof Client>[0] = {}, events?: PoolEvent[]): Client {
  const c = new Client({ timeout: 5000, ...(events ? { transport: new HTTPTransport({ trustEnv: false, trace: (e) => void events.push(e) }) } : { trustEnv: false }), ...options });
  defer(() => c.close());
  return c;
}

const q = (c: string, extra = ""): string => `/?c=${encodeURIComponent(c)}${extra}`;

describe("Accept-Encoding", () => {
  it("is sent by default with every coding this Node can undo; a caller's value is sent unchanged", async () => {
    const s = await coder();
    const c = client();
    await c.get(s.url("/"));
    expect(s.seen[0]!["accept-encoding"]).toBe(hasZstd() ? "gzip, deflate, br, zstd" : "gzip, deflate, br");
    await c.get(s.url("/"), { headers: { "Accept-Encoding": "identity" } });
    expect(s.seen[1]!["accept-encoding"]).toBe("identity");
  });
});

describe("Content-Encoding is undone", () => {
  it.each(Object.keys(encoders))("%s: read whole and streamed", async (name) => {
    const s = await coder();
    const c = client();
    const res = await c.get(s.url(q(name)));
    expect(await res.text()).toBe(TEXT);
    expect(res.headers.get("content-encoding")).toBe(name.replace(" (raw)", ""));
    const streamed = await c.stream("GET", s.url(q(name)));
    const chunks: Buffer[] = [];
    for await (const chunk of streamed) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe(TEXT);
  });

  it("stacked codings are undone in reverse order (gzip, then br on top: br first)", async () => {
    const s = await coder();
    const c = client();
    expect(await (await c.get(s.url(q("gzip,br")))).text()).toBe(TEXT);
    expect(await (await c.get(s.url(q("deflate,gzip", "&h=deflate,%20gzip")))).text()).toBe(TEXT);
    const streamed = await c.stream("GET", s.url(q("gzip,br")));
    let text = "";
    for await (const t of streamed.iterText()) text += t;
    expect(text).toBe(TEXT);
  });

  it("more than 5 codings is a DecodingError before any decoding; an unknown coding is handed over as it came", async () => {
    const s = await coder();
    const c = client();
    const err = await c.get(s.url(q("gzip", "&h=gzip,gzip,gzip,gzip,gzip,gzip"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodingError);
    expect((err as Error).message).toMatch(/^Content-Encoding lists 6 codings .*at most 5 are undone \(GET http/);
    const odd = await c.get(s.url(q("", "&h=snappy&text=as-is")));
    expect(await odd.text()).toBe("as-is");
    expect(odd.headers.get("content-encoding")).toBe("snappy");
  });

  it("HEAD, 204 and 304 with Content-Encoding: an empty body, no error", async () => {
    const s = await coder();
    const c = client();
    expect((await c.head(s.url(q("gzip")))).content.length).toBe(0);
    expect((await c.get(s.url(q("gzip", "&status=204")))).content.length).toBe(0);
    expect((await c.get(s.url(q("gzip", "&status=304")))).content.length).toBe(0);
  });

  it("iterRaw() gives the bytes as they came, only before any other read", async () => {
    const s = await coder();
    const c = client();
    const res = await c.stream("GET", s.url(q("gzip")));
    const raw: Buffer[] = [];
    for await (const chunk of res.iterRaw()) raw.push(Buffer.from(chunk));
    expect(zlib.gunzipSync(Buffer.concat(raw)).toString()).toBe(TEXT);
    const read = await c.get(s.url(q("gzip")));
    expect(() => read.iterRaw()).toThrow(StreamConsumed);
  });
});

describe("limits and failures", () => {
  /** 1 GiB of zeros in about 1 MiB: 64 gzip members of 16 MiB each (a gzip stream may hold many). */
  const bomb = (() => {
    const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    return Buffer.concat(Array.from({ length: 64 }, () => member));
  })();

  async function bombServer(): Promise<string> {
    const s = await serve(httpServer((_req, res) => (res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": bomb.length }), res.end(bomb))));
    return s.url("/bomb");
  }

  it("a 1 MiB gzip of 1 GiB fails with ResponseTooLarge after about maxResponseSize decoded bytes, with flat memory", async () => {
    const url = await bombServer();
    expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
    const c = client({ maxResponseSize: 8 * 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const err = await c.get(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLarge);
    expect((err as Error).message).toMatch(/larger than maxResponseSize once decoded \(more than 8388608 bytes of gzip\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("streamed, the bomb is decoded only as fast as it is read: memory stays flat while the reader holds back", async () => {
    const url = await bombServer();
    const c = client();
    const res = await c.stream("GET", url);
    const before = process.memoryUsage().rss;
    let decoded = 0;
    for await (const chunk of res) {
      decoded += chunk.length;
      if (decoded >= 64 * 1024 * 1024) break; // 64 MiB read, chunk by chunk
    }
    expect(decoded).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("corrupt data read whole: DecodingError with zlib's error as the cause", async () => {
    const s = await coder();
    const c = client();
    const corrupt = await serve(httpServer((_req, res) => (res.writeHead(200, { "Content-Encoding": "gzip" }), res.end(Buffer.from("\x1f\x8b\x08not really gzip data", "latin1")))));
    const err = await c.get(corrupt.url("/")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodingError);
    expect((err as Error).message).toMatch(/^the response body is not valid gzip data \(.+\) \(GET http/);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toMatch(/^Z_/);
    const truncated = zlib.gzipSync(Buffer.from(TEXT)).subarray(0, 100);
    const cut = await serve(httpServer((_req, res) => (res.writeHead(200, { "Content-Encoding": "gzip" }), res.end(truncated))));
    const e2 = await c.get(cut.url("/")).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(DecodingError);
    expect(((e2 as Error).cause as Error).message).toMatch(/unexpected end of file/);
    void s;
  });

  it("corrupt data while streaming: DecodingError, and the connection is closed, not reused", async () => {
    const events: PoolEvent[] = [];
    // A gzip header, then a deflate block of the type that does not exist (BTYPE 11): bad at once.
    // The server sends that much of a longer body and holds the rest, so the raw body is still coming.
    const start = Buffer.concat([zlib.gzipSync(Buffer.from("x")).subarray(0, 10), Buffer.from([0x07, 0, 0, 0])]);
    const s = await serve(
      rawServer((socket) =>
        socket.once("data", () => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${start.length + 100_000}\r\n\r\n`);
          socket.write(start);
        }),
      ),
    );
    const c = client({}, events);
    const res = await c.stream("GET", s.url("/"));
    const err = await (async () => {
      for await (const _ of res) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodingError);
    expect(events.find((e) => e.type === "connection:closed")).toMatchObject({ reason: "not reusable" });
  });
});

describe.skipIf(nginxBinary() === undefined)("nginx with gzip on", () => {
  it("a gzipped text file comes out as the file, and the connection is reused", async () => {
    const nginx = await startNginx({
      http: "gzip on; gzip_types text/plain; gzip_min_length 0; gzip_comp_level 6;",
      servers: ["location / { }"],
      files: { "t.txt": TEXT },
    });
    defer(() => nginx.stop());
    const c = client();
    const a = await c.get(`${nginx.origins[0]}/t.txt`);
    expect(a.headers.get("content-encoding")).toBe("gzip");
    expect(await a.text()).toBe(TEXT);
    const b = await c.stream("GET", `${nginx.origins[0]}/t.txt`);
    let text = "";
    for await (const t of b.iterText()) text += t;
    expect(text).toBe(TEXT);
    expect(c.stats().totals).toMatchObject({ opened: 1, reused: 1 });
  });
});

describe("text and charsets", () => {
  /** Serves the given bytes (in separate chunks of a chunked body) with this Content-Type. */
  async function bytes(contentType: string | undefined, ...chunks: Buffer[]): Promise<string> {
    const s = await serve(
      httpServer((_req, res) => {
        if (contentType !== undefined) res.setHeader("Content-Type", contentType);
        for (const c of chunks) res.write(c);
        res.end();
      }),
    );
    return s.url("/");
  }

  it.each([
    ["text/plain; charset=iso-8859-1", Buffer.from([0x63, 0x61, 0x66, 0xe9]), "café", "windows-1252"],
    ["text/plain; charset=windows-1252", Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94]), "€ “q”", "windows-1252"],
    ['text/plain; charset="utf-16le"', Buffer.from("ok ü", "utf16le"), "ok ü", "utf-16le"],
    ["text/plain; charset=shift_jis", Buffer.from([0x82, 0xa0, 0x82, 0xa2]), "あい", "shift_jis"],
    ["text/plain", Buffer.from("naïve", "utf8"), "naïve", "utf-8"],
    ["text/plain; charset=no-such-thing", Buffer.from("fallback", "utf8"), "fallback", "utf-8"],
  ])("%s", async (type, body, text, encoding) => {
    const res = await client().get(await bytes(type, body));
    expect(await res.text()).toBe(text);
    expect(res.encoding).toBe(encoding);
  });

  it("a leading BOM wins over the declared charset and is stripped", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("bom", "utf16le")]);
    const res = await client().get(await bytes("text/plain; charset=utf-8", utf16));
    expect(await res.text()).toBe("bom");
    expect(res.encoding).toBe("utf-16le");
    const utf8 = await client().get(await bytes("text/plain; charset=latin1", Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("é", "utf8")));
    expect(await utf8.text()).toBe("é");
  });

  it("encoding set before reading wins; defaultEncoding is for responses that name none; json() is always UTF-8", async () => {
    const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    const res = await client().stream("GET", await bytes("text/plain; charset=utf-8", latin));
    res.encoding = "latin1";
    expect(await res.text()).toBe("café");
    const d = client({ defaultEncoding: "latin1" });
    expect(await (await d.get(await bytes("text/plain", latin))).text()).toBe("café");
    expect(await (await d.get(await bytes("text/plain; charset=utf-8", Buffer.from("é")))).text()).toBe("é");
    const json = await d.get(await bytes("application/json; charset=latin1", Buffer.from('{"a":"é"}', "utf8")));
    expect(await json.json()).toEqual({ a: "é" });
    expect(() => new Client({ defaultEncoding: "klingon" })).toThrow(/defaultEncoding "klingon" is not an encoding TextDecoder knows/);
  });

  it("iterText() keeps a character split between chunks whole; iterLines() splits on \\n, \\r\\n and \\r, across chunks too", async () => {
    const euro = Buffer.from("€", "utf8"); // 3 bytes
    const res = await client().stream("GET", await bytes("text/plain; charset=utf-8", Buffer.from("a"), euro.subarray(0, 1), euro.subarray(1), Buffer.from("b")));
    const texts: string[] = [];
    for await (const t of res.iterText()) texts.push(t);
    expect(texts.join("")).toBe("a€b");
    expect(texts).not.toContain("\ufffd");
    const lines = await client().stream("GET", await bytes("text/plain", Buffer.from("one\ntwo\r"), Buffer.from("\nthree\rfour\r\n\nlast")));
    const got: string[] = [];
    for await (const l of lines.iterLines()) got.push(l);
    expect(got).toEqual(["one", "two", "three", "four", "", "last"]);
  });
});
