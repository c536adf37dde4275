/**
 * Request: what a transport is asked to send. Built by the Client (or by hand,
 * as in httpx), and handed to `Transport.handleRequest()`.
 */
import type { Readable } from "node:stream";
import { InvalidURL, redactURL, type RequestInfo } from "../errors.js";
import { Headers, type HeadersInit } from "../http/headers.js";
import type { PreparedHeaders } from "../http/serializer.js";
import type { Timeouts } from "../pool/types.js";
import type { TimeoutInit } from "./timeouts.js";

export type Content = string | Uint8Array | AsyncIterable<Uint8Array | string> | Readable | ReadableStream<Uint8Array>;
export type QueryValue = string | number | boolean;
export type QueryParams = Record<string, QueryValue | readonly QueryValue[]> | URLSearchParams | Iterable<readonly [string, QueryValue]>;
/** The `form` option: fields sent URL-encoded. (Not the DOM's FormData, which is multipart.) */
export type FormFields = Record<string, QueryValue | readonly QueryValue[]> | URLSearchParams;

export interface RequestInit {
  headers?: HeadersInit | undefined;
  params?: QueryParams | undefined;
  /** The body as bytes, text or a stream. */
  content?: Content | undefined;
  /** A value sent as JSON (`content-type: application/json`). */
  json?: unknown;
  /** Fields sent URL-encoded (`content-type: application/x-www-form-urlencoded`). */
  form?: FormFields | undefined;
  /** Per-request settings for the transport (timeouts, an AbortSignal), like httpx's `extensions`. */
  extensions?: RequestExtensions | undefined;
}

/** Per-request settings a transport honours, like httpx's `request.extensions`. */
export interface RequestExtensions {
  /** As anywhere else: ms for all four, null for none, or some of them (merged over the defaults). */
  timeout?: TimeoutInit | Timeouts | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The request asks to switch protocols (it carries `Connection: Upgrade`): a 101 is its
   * answer, and the Response's `upgrade` holds the socket. `client.upgrade()` sets it.
   */
  upgrade?: boolean | undefined;
}

/**
 * The body as the wire sees it: nothing, bytes (which can be sent again, e.g. on
 * a retry or a 307 redirect), or a stream that can be sent only once.
 */
export type RequestBody = { readonly kind: "none" } | { readonly kind: "bytes"; readonly bytes: Uint8Array } | { readonly kind: "stream"; readonly stream: AsyncIterable<Uint8Array> };

const NO_BODY: RequestBody = { kind: "none" };

/**
 * @internal
 * For the Client only (not exported from the package): `init.headers` is a Headers
 * the caller built for this request alone, so the Request may keep it instead of copying.
 */
export const ADOPT_HEADERS = Symbol("wirepool.adoptHeaders");

/**
 * @internal
 * For the Client and HTTPTransport only: the request's headers serialized and
 * validated ahead of time (the Client's defaults), valid while `headers.revision`
 * still equals `revision`, i.e. until anyone (a hook, an auth function) changes them.
 */
export interface PreparedFields {
  readonly text: PreparedHeaders;
  readonly revision: number;
  /** The request's own fields, which add to the prepared ones (none of them has a prepared name). */
  readonly own?: Headers | undefined;
}
/**
 * @internal
 * Text to UTF-8 bytes (also for hand-built Responses). Buffer.from() rather than TextEncoder.encode(): for the small strings
 * of a json body it takes about 170 ns instead of 1 µs (the json shape, bench:scale).
 */
export const utf8 = { encode: (text: string): Uint8Array => Buffer.from(text, "utf8") };

export class Request implements RequestInfo {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: RequestBody;
  extensions: RequestExtensions;
  /** @internal See PreparedFields. */
  prepared: PreparedFields | undefined;

  constructor(method: string, url: string | URL, init: RequestInit = {}) {
    this.method = isUpperCase(method) ? method : method.toUpperCase();
    this.url = withParams(toURL(url), init.params);
    const adopt = (init as { [ADOPT_HEADERS]?: boolean })[ADOPT_HEADERS] === true && init.headers instanceof Headers;
    this.headers = adopt ? (init.headers as Headers) : new Headers(init.headers);
    this.extensions = init.extensions ?? {};
    const given = (init.content !== undefined ? 1 : 0) + (init.json !== undefined ? 1 : 0) + (init.form !== undefined ? 1 : 0);
    if (given > 1) throw new TypeError("give at most one of content, json and form");
    if (init.json !== undefined) {
      this.body = { kind: "bytes", bytes: utf8.encode(JSON.stringify(init.json)) };
      if (!this.headers.has("content-type")) this.headers.set("Content-Type", "application/json");
    } else if (init.form !== undefined) {
      this.body = { kind: "bytes", bytes: utf8.encode(queryText(init.form)) };
      if (!this.headers.has("content-type")) this.headers.set("Content-Type", "application/x-www-form-urlencoded");
    } else {
      this.body = toBody(init.content);
    }
  }

  /** A copy with some fields replaced: what redirects and auth functions use. */
  copyWith(changes: { method?: string; url?: URL; headers?: Headers; body?: RequestBody }): Request {
    const r = Object.create(Request.prototype) as { -readonly [K in keyof Request]: Request[K] };
    r.method = changes.method ?? this.method;
    r.url = changes.url ?? this.url;
    r.headers = changes.headers ?? new Headers(this.headers);
    r.body = changes.body ?? this.body;
    r.extensions = { ...this.extensions };
    // A copy's revision restarts at 0, so a prepared form could not tell it apart from changed headers.
    r.prepared = undefined;
    return r as Request;
  }

  /** The body as bytes. A stream body is consumed by this, so it cannot be sent afterwards. */
  async read(): Promise<Uint8Array> {
    switch (this.body.kind) {
      case "none":
        return new Uint8Array(0);
      case "bytes":
        return this.body.bytes;
      case "stream": {
        const chunks: Uint8Array[] = [];
        for await (const chunk of this.body.stream) chunks.push(chunk);
        return Buffer.concat(chunks);
      }
    }
  }

  /** Whether the body can be sent more than once. */
  get replayable(): boolean {
    return this.body.kind !== "stream";
  }

  toString(): string {
    return `<Request ${this.method} ${redactURL(this.url)}>`;
  }
}

/** Methods are nearly always written in capitals already; toUpperCase() would still cost a trip through Intl. */
function isUpperCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

export function toURL(url: string | URL): URL {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch (err) {
    throw new InvalidURL(`invalid URL ${JSON.stringify(redactURL(url))}`, { cause: err });
  }
}

/** Calls `visit` for every key and value of `params`, in order, a list's values one by one. */
function forEachParam(params: Exclude<QueryParams, URLSearchParams>, visit: (key: string, value: string) => void): void {
  const entries = Symbol.iterator in params ? (params as Iterable<readonly [string, QueryValue]>) : Object.entries(params);
  for (const [key, value] of entries) {
    if (Array.isArray(value)) for (const v of value as QueryValue[]) visit(key, String(v));
    else visit(key, String(value));
  }
}

function toSearchParams(params: QueryParams): URLSearchParams {
  if (params instanceof URLSearchParams) return params;
  const out = new URLSearchParams();
  forEachParam(params, (k, v) => out.append(k, v));
  return out;
}

/**
 * `base` with `extra` over it, key by key: a key in `extra` replaces all of that key's
 * values in `base` (a client's params under a request's, as httpx merges them).
 */
export function mergeParams(base: QueryParams, extra: QueryParams): URLSearchParams {
  const out = new URLSearchParams(toSearchParams(base));
  const over = toSearchParams(extra);
  for (const key of new Set(over.keys())) out.delete(key);
  for (const [k, v] of over) out.append(k, v);
  return out;
}

/**
 * Adds `params` to the URL's own query (the URL's come first, as in httpx). The query
 * is written as text and the new href parsed once: copying the URL and appending through
 * `searchParams` parsed and serialized it twice more (the `params` shape ran at 0.73 of
 * an absolute URL's speed, bench:scale).
 */
export function withParams(url: URL, params: QueryParams | undefined): URL {
  if (params === undefined) return url;
  const query = queryText(params);
  return query === "" ? url : new URL(appendQuery(url.href, query));
}

/**
 * `href` (parsed or not) with `query`, already encoded, after its own query and before its
 * fragment. The URL's own query is kept as written; an empty one ("...?") takes no "&".
 */
export function appendQuery(href: string, query: string): string {
  const hashAt = href.indexOf("#");
  const before = hashAt === -1 ? href : href.slice(0, hashAt);
  const after = hashAt === -1 ? "" : href.slice(hashAt);
  const q = before.indexOf("?");
  const sep = q === -1 ? "?" : q === before.length - 1 ? "" : "&";
  return before + sep + query + after;
}

/** `params` as query text, exactly as URLSearchParams writes it ("" when there are none). */
export function queryText(params: QueryParams): string {
  return params instanceof URLSearchParams ? params.toString() : encodeQuery(params);
}

/** `params` as application/x-www-form-urlencoded text, exactly as URLSearchParams writes it. */
function encodeQuery(params: Exclude<QueryParams, URLSearchParams>): string {
  if (Symbol.iterator in params) {
    let out = "";
    forEachParam(params, (k, v) => (out += `${out === "" ? "" : "&"}${formEncode(k)}=${formEncode(v)}`));
    return out;
  }
  // A plain object (the common case) without an entries array or a callback per pair: the params
  // shape's build-and-serialize cost 1.35-1.43 -> 1.25 µs (bench/build-cost.ts, docs/performance.md).
  let out = "";
  for (const key in params) {
    if (!Object.hasOwn(params, key)) continue;
    const value = (params as Record<string, QueryValue | readonly QueryValue[]>)[key]!;
    const k = formEncode(key);
    if (Array.isArray(value)) for (const v of value as QueryValue[]) out += `${out === "" ? "" : "&"}${k}=${formEncode(String(v))}`;
    else out += `${out === "" ? "" : "&"}${k}=${formEncode(String(value))}`;
  }
  return out;
}

/** Characters the form encoding leaves as they are (WHATWG URL, application/x-www-form-urlencoded). */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;

function formEncode(s: string): string {
  if (FORM_SAFE.test(s)) return s;
  // encodeURIComponent also leaves !'()~ alone and writes a space as %20; the form encoding does neither.
  return encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function toBody(content: Content | undefined): RequestBody {
  if (content === undefined) return NO_BODY;
  if (typeof content === "string") return { kind: "bytes", bytes: utf8.encode(content) };
  if (content instanceof Uint8Array) return { kind: "bytes", bytes: content };
  if (Symbol.asyncIterator in content) return { kind: "stream", stream: asBytes(content as AsyncIterable<Uint8Array | string>) };
  throw new TypeError("content must be a string, a Uint8Array, an async iterable, a Node Readable or a ReadableStream");
}

async function* asBytes(source: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of source) yield typeof chunk === "string" ? utf8.encode(chunk) : chunk;
}
