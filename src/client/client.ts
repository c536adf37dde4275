/**
 * Client: the object users hold. It owns its transports (and through them the
 * connection pool), and adds the policy that transports leave out: base URL,
 * default params and headers, timeouts, auth, event hooks and redirects.
 *
 * A Client is meant to be long-lived and shared: that is what makes connections
 * get reused. The top-level `get()`/`request()` functions create a Client per
 * call and close it, so they never reuse anything (exactly like `httpx.get()`).
 */
import type { Duplex } from "node:stream";
import { HTTPError, redactURL, RemoteProtocolError, RequestError, TooManyRedirects } from "../errors.js";
import { Headers, type HeadersInit } from "../http/headers.js";
import { PreparedHeaders } from "../http/serializer.js";
import type { LimitsInit } from "../pool/limits.js";
import type { PoolEventType, PoolListener } from "../pool/events.js";
import type { PoolStats } from "../pool/types.js";
import { CONNECTION_OPTIONS, HTTPTransport, type HTTPTransportOptions } from "../transport/http-transport.js";
import { ADOPT_HEADERS, type Content, type FormFields, mergeParams, type PreparedFields, type QueryParams, queryText, Request } from "../transport/request.js";
import { readWhole, type Response } from "../transport/response.js";
import { resolveTimeouts, type TimeoutInit } from "../transport/timeouts.js";
import type { Transport } from "../transport/transport.js";
import { acceptEncoding } from "../transport/content-decoding.js";
import { knownEncoding } from "../transport/text-decoding.js";
import { VERSION } from "../version.js";
import { checkOptions } from "../transport/options.js";
import { type Auth, applyAuth, urlAuth } from "./auth.js";
import { clientFetch, type FetchInput } from "./fetch.js";
import { redirectRequest } from "./redirects.js";
import { mergeURL, parseBaseURL } from "./urls.js";

export interface EventHooks {
  request?: ((request: Request) => void | Promise<void>)[];
  response?: ((response: Response) => void | Promise<void>)[];
}

export interface ClientOptions {
  baseURL?: string | URL;
  headers?: HeadersInit;
  params?: QueryParams;
  /** ms for connect, read, write and pool wait; default 5000 each; null disables. */
  timeout?: TimeoutInit;
  limits?: LimitsInit;
  /** Default false, like httpx. */
  followRedirects?: boolean;
  /** Default 20. */
  maxRedirects?: number;
  auth?: Auth;
  eventHooks?: EventHooks;
  /** Default: `new HTTPTransport({ limits, verify, tls, proxy, trustEnv, socketPath, localAddress, family, retries })`. */
  transport?: Transport;
  /** Check servers' certificates (default true). For the default transport. */
  verify?: HTTPTransportOptions["verify"];
  /** CAs to trust besides Node's store, a client certificate... For the default transport. */
  tls?: HTTPTransportOptions["tls"];
  /** A proxy for every request (http://, https://, socks5://, socks5h://), or null for none. For the default transport. */
  proxy?: HTTPTransportOptions["proxy"];
  /** Proxies and CAs from the environment (default true, as in httpx). For the default transport. */
  trustEnv?: HTTPTransportOptions["trustEnv"];
  /** A Unix socket to reach every origin through (the Docker daemon's, say). For the default transport. */
  socketPath?: HTTPTransportOptions["socketPath"];
  localAddress?: HTTPTransportOptions["localAddress"];
  family?: HTTPTransportOptions["family"];
  /** Connect attempts after a failed one, with backoff. For the default transport. */
  retries?: HTTPTransportOptions["retries"];
  /** Route URLs to other transports: keys like "http://example.org", "https://", "all://". */
  mounts?: Record<string, Transport>;
  /** Bodies read into memory larger than this fail with ResponseTooLarge. Default 64 MiB. */
  maxResponseSize?: number;
  /** The encoding `res.text()` uses when Content-Type names none (default UTF-8), as httpx's `default_encoding`. */
  defaultEncoding?: string;
  /**
   * Where cookies live: a `tough-cookie` CookieJar, or any object with its two methods
   * (sync or async), as got's `cookieJar`. Without one, cookies are not handled at all.
   */
  cookieJar?: CookieJar;
}

/** The two methods of tough-cookie's CookieJar that a Client uses; either may return a promise. */
export interface CookieJar {
  getCookieString(url: string): string | Promise<string>;
  setCookie(cookie: string, url: string): unknown;
}

export interface RequestOptions {
  params?: QueryParams;
  headers?: HeadersInit;
  content?: Content;
  json?: unknown;
  form?: FormFields;
  timeout?: TimeoutInit;
  signal?: AbortSignal;
  followRedirects?: boolean;
  auth?: Auth;
}

export type BodylessOptions = Omit<RequestOptions, "content" | "json" | "form">;

export interface UpgradeOptions {
  /** The protocol asked for: the Upgrade header's value ("websocket"). */
  protocol: string;
  headers?: HeadersInit;
  signal?: AbortSignal;
  timeout?: TimeoutInit;
}

/** What `client.upgrade()` resolves with once the server switched protocols. */
export interface Upgraded {
  /** The 101 response (its headers carry the handshake's answer, e.g. Sec-WebSocket-Accept). */
  response: Response;
  /** The connection, out of the pool: the caller reads, writes and ends it. */
  socket: Duplex;
  /** Bytes of the new protocol that arrived with the response head. */
  head: Uint8Array;
}

const UPGRADE_OPTIONS: ReadonlySet<string> = new Set(["protocol", "headers", "signal", "timeout"]);

const DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024;

/** A redirect body up to this size is read and dropped; a larger one costs its connection (as the pool's drain limit). */
const REDIRECT_BODY_LIMIT = 64 * 1024;

/** What the Client hands to the transport it makes: these go with no `transport` only. */
const FOR_TRANSPORT = ["limits", ...CONNECTION_OPTIONS] as const;

/** The options of `options` that belong to a transport (limits, verify, proxy...), those given. */
export function transportOptionsOf(options: Pick<ClientOptions, (typeof FOR_TRANSPORT)[number]>): HTTPTransportOptions {
  const picked: Record<string, unknown> = {};
  for (const name of FOR_TRANSPORT) if (options[name] !== undefined) picked[name] = options[name];
  return picked as HTTPTransportOptions;
}
const CLIENT_OPTIONS: ReadonlySet<string> = new Set(["baseURL", "headers", "params", "timeout", "followRedirects", "maxRedirects", "auth", "eventHooks", "transport", "mounts", "maxResponseSize", "defaultEncoding", "cookieJar", ...FOR_TRANSPORT]);
export const REQUEST_OPTIONS: ReadonlySet<string> = new Set(["params", "headers", "content", "json", "form", "timeout", "signal", "followRedirects", "auth"]);
const SEND_OPTIONS: ReadonlySet<string> = new Set(["stream", "followRedirects", "auth"]);

export class Client {
  readonly baseURL: URL | undefined;
  readonly headers: Headers;
  readonly params: QueryParams | undefined;
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly maxResponseSize: number;
  readonly defaultEncoding: string | undefined;
  readonly cookieJar: CookieJar | undefined;
  private readonly timeouts;
  private readonly auth: Auth | undefined;
  private readonly hooks: Required<EventHooks>;
  private readonly transport: Transport;
  private readonly mounts: { pattern: MountPattern; transport: Transport }[];
  private closed = false;
  /**
   * The default headers validated and serialized once, when nothing makes that unsafe,
   * and the revision of `headers` they were made from: a change to `client.headers`
   * (users change them all the time, as in httpx) makes them again, once per change.
   */
  private preparedDefaults: PreparedHeaders | undefined;
  private preparedJSON: PreparedHeaders | undefined;
  private preparedRevision = -1;
  private preparedFields: PreparedFields | undefined;
  private preparedJSONFields: PreparedFields | undefined;

  constructor(options: ClientOptions = {}) {
    checkOptions("new Client()", options, CLIENT_OPTIONS);
    const forTransport = transportOptionsOf(options);
    const given = Object.keys(forTransport);
    if (options.transport !== undefined && given.length > 0) {
      const list = given.map((n) => `\`${n}\``).join(", ");
      throw new TypeError(`new Client(): ${list} ${given.length === 1 ? "belongs" : "belong"} to the transport, and a \`transport\` was given: pass ${given.length === 1 ? "it" : "them"} there, new HTTPTransport({ ${given.join(", ")} })`);
    }
    this.baseURL = parseBaseURL(options.baseURL);
    this.headers = new Headers([["User-Agent", `wirepool/${VERSION}`], ["Accept", "*/*"], ["Accept-Encoding", acceptEncoding()]]);
    for (const [name, value] of new Headers(options.headers)) this.headers.set(name, value);
    this.params = options.params;
    this.timeouts = resolveTimeouts(options.timeout);
    this.followRedirects = options.followRedirects ?? false;
    this.maxRedirects = options.maxRedirects ?? 20;
    this.maxResponseSize = options.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
    this.defaultEncoding = options.defaultEncoding;
    this.cookieJar = options.cookieJar;
    if (this.cookieJar !== undefined && (typeof this.cookieJar.getCookieString !== "function" || typeof this.cookieJar.setCookie !== "function")) {
      throw new TypeError("new Client(): cookieJar needs getCookieString(url) and setCookie(cookie, url), as tough-cookie's CookieJar has");
    }
    if (this.defaultEncoding !== undefined && knownEncoding(this.defaultEncoding) === undefined) {
      throw new RangeError(`new Client(): defaultEncoding ${JSON.stringify(this.defaultEncoding)} is not an encoding TextDecoder knows`);
    }
    this.auth = options.auth;
    this.hooks = { request: [...(options.eventHooks?.request ?? [])], response: [...(options.eventHooks?.response ?? [])] };
    this.transport = options.transport ?? new HTTPTransport(forTransport);
    this.mounts = Object.entries(options.mounts ?? {})
      .map(([key, transport]) => ({ pattern: parseMount(key), transport }))
      .sort((a, b) => b.pattern.specificity - a.pattern.specificity);
  }

  /** Builds the Request `request()` would send: URL merged with baseURL and params, default headers added. */
  buildRequest(method: string, url: string | URL, options: RequestOptions = {}): Request {
    checkOptions("request options", options, REQUEST_OPTIONS);
    // Client params and request params merge per key, the request's value replacing the client's (as httpx).
    const params = this.params === undefined ? options.params : options.params === undefined ? this.params : mergeParams(this.params, options.params);
    const merged = mergeURL(this.baseURL, url, params === undefined ? "" : queryText(params));
    const headers = new Headers(this.headers);
    const given = options.headers === undefined ? undefined : new Headers(options.headers);
    if (given !== undefined) headers.update(given);
    const extensions = { timeout: resolveTimeouts(options.timeout, this.timeouts), signal: options.signal };
    const init = { headers, content: options.content, json: options.json, form: options.form, extensions, [ADOPT_HEADERS]: true };
    // Taken before the Request adds anything (a json or form content type), which must invalidate it.
    const revision = headers.revision;
    const request = new Request(method, merged, init);
    const prepared = this.prepared();
    if (prepared === undefined) return request;
    if (given === undefined) {
      // A copy of the defaults starts at revision 0, so these two are made once per `client.headers` revision.
      if (headers.revision === 0) {
        request.prepared = this.preparedFields ??= { text: prepared, revision: 0 };
      } else if (this.preparedJSON !== undefined && options.json !== undefined && headers.revision === 1) {
        // Common case: a json body, whose one change to the defaults is the Content-Type the Request
        // added (the json shape ran at 0.86 of a plain POST of the same bytes without this, bench:scale).
        request.prepared = this.preparedJSONFields ??= { text: this.preparedJSON, revision: 1 };
      }
    } else if (headers.revision === revision) {
      // Common case: per-request headers, adding to the defaults or replacing some: only they are
      // checked and serialized per request, with the rest of the defaults pre-serialized (the
      // headers shape ran at 0.91 of plain GETs without this).
      const overridden = overriddenKeys(given, prepared);
      request.prepared = { text: overridden === undefined ? prepared : prepared.without(overridden), revision, own: given };
    }
    return request;
  }

  /** The default headers serialized (and with a json Content-Type), made again only when `client.headers` changed since. */
  private prepared(): PreparedHeaders | undefined {
    if (this.preparedRevision !== this.headers.revision) {
      // Host and framing headers are written by the serializer itself, so defaults holding them cannot be pre-serialized.
      const computed = ["host", "content-length", "transfer-encoding"].some((name) => this.headers.has(name));
      this.preparedDefaults = computed ? undefined : PreparedHeaders.from(this.headers);
      this.preparedJSON = computed || this.headers.has("content-type") ? undefined : PreparedHeaders.from([...this.headers, ["Content-Type", "application/json"]]);
      this.preparedRevision = this.headers.revision;
      this.preparedFields = this.preparedJSONFields = undefined;
    }
    return this.preparedDefaults;
  }

  /** Sends a request and reads the whole body, so the connection is back in the pool when this resolves. */
  request(method: string, url: string | URL, options: RequestOptions = {}): Promise<Response> {
    return this.sendWith(method, url, options, false);
  }

  /** Sends a request and resolves at the response head. The body must be read or closed (`await using` helps). */
  stream(method: string, url: string | URL, options: RequestOptions = {}): Promise<Response> {
    return this.sendWith(method, url, options, true);
  }

  private sendWith(method: string, url: string | URL, options: RequestOptions, stream: boolean): Promise<Response> {
    let request: Request;
    try {
      request = this.buildRequest(method, url, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.send(request, { stream, followRedirects: options.followRedirects, auth: options.auth });
  }

  get(url: string | URL, options?: BodylessOptions): Promise<Response> {
    return this.request("GET", url, options);
  }
  head(url: string | URL, options?: BodylessOptions): Promise<Response> {
    return this.request("HEAD", url, options);
  }
  options(url: string | URL, options?: BodylessOptions): Promise<Response> {
    return this.request("OPTIONS", url, options);
  }
  delete(url: string | URL, options?: BodylessOptions): Promise<Response> {
    return this.request("DELETE", url, options);
  }
  post(url: string | URL, options?: RequestOptions): Promise<Response> {
    return this.request("POST", url, options);
  }
  put(url: string | URL, options?: RequestOptions): Promise<Response> {
    return this.request("PUT", url, options);
  }
  patch(url: string | URL, options?: RequestOptions): Promise<Response> {
    return this.request("PATCH", url, options);
  }

  /**
   * Asks the server to switch protocols (a WebSocket handshake, say): sends `GET` with
   * `Connection: Upgrade` and `Upgrade: <protocol>`. On `101 Switching Protocols` the
   * connection leaves the pool for good and the socket is the caller's, with `head` holding
   * any bytes of the new protocol already read. Any other final status rejects with a
   * RemoteProtocolError (code UPGRADE_REFUSED) whose `response` is the response, read.
   */
  async upgrade(url: string | URL, options: UpgradeOptions): Promise<Upgraded> {
    checkOptions("upgrade options", options, UPGRADE_OPTIONS);
    const { protocol, headers, signal, timeout } = options ?? {};
    if (typeof protocol !== "string" || protocol === "") throw new TypeError("upgrade options: `protocol` (the Upgrade header's value, e.g. \"websocket\") is required");
    const request = this.buildRequest("GET", url, { headers, signal, timeout });
    request.headers.set("Connection", "Upgrade");
    request.headers.set("Upgrade", protocol);
    request.extensions.upgrade = true;
    const response = await this.send(request, { stream: true, followRedirects: false });
    if (response.status === 101 && response.upgrade !== undefined) return { response, socket: response.upgrade.socket, head: response.upgrade.head };
    await response.read(this.maxResponseSize).catch(() => response.close());
    const error = new RemoteProtocolError(
      "UPGRADE_REFUSED",
      `the server answered ${response.status}${response.reasonPhrase === "" ? "" : ` ${response.reasonPhrase}`} instead of 101 Switching Protocols to Upgrade: ${protocol}`,
      undefined,
      { request },
    );
    error.response = response;
    throw error;
  }

  /**
   * The WHATWG fetch signature over this client's pool: Node's global Request, Response and
   * Headers in and out, a body streaming from the socket, `init.redirect` and `init.signal`
   * as fetch has them; failures reject with a TypeError that says what happened, its
   * `cause` the wirepool error. Bound: `const f = client.fetch` can be passed around (to ky,
   * or any library that takes a fetch).
   */
  readonly fetch = (input: FetchInput, init?: RequestInit): Promise<globalThis.Response> => clientFetch(this, input, init);

  /** Sends a Request built by hand or by buildRequest(). */
  send(request: Request, options: { stream?: boolean; followRedirects?: boolean; auth?: Auth } = {}): Promise<Response> {
    checkOptions("send options", options, SEND_OPTIONS);
    if (this.closed) return Promise.reject(new RequestError("the client has been closed", { request }));
    // Credentials in the URL are Basic auth when no other is given, as in httpx; they never go on the wire as userinfo.
    const auth = options.auth ?? this.auth ?? (request.url.username !== "" ? urlAuth(request.url) : undefined);
    const follow = options.followRedirects ?? this.followRedirects;
    if (auth !== undefined || follow || this.hooks.request.length > 0 || this.hooks.response.length > 0 || this.defaultEncoding !== undefined || this.cookieJar !== undefined) {
      return this.sendWithPolicy(request, auth, follow, options.stream === true);
    }
    // The common case is one transport call. It gets no async frame of its own: under load
    // that frame was the largest allocation a request made.
    const transport = this.transportFor(request.url);
    // HTTPTransport names the request in its errors itself, and reads the body in the same promise.
    if (transport instanceof HTTPTransport) return options.stream ? transport.handleRequest(request) : transport.handleRequestRead(request, this.maxResponseSize);
    let pending: Promise<Response>;
    try {
      pending = transport.handleRequest(request);
    } catch (err) {
      return Promise.reject(named(err, request));
    }
    const failed = (err: unknown): never => {
      throw named(err, request);
    };
    return options.stream ? pending.then(undefined, failed) : pending.then(this.readBody, failed);
  }

  /** Reads the body into memory; a small body has usually arrived with the head, and then no promise is needed. */
  private readonly readBody = (response: Response): Response | Promise<Response> => readWhole(response, this.maxResponseSize);

  private async sendWithPolicy(request: Request, auth: Auth | undefined, follow: boolean, stream: boolean): Promise<Response> {
    try {
      if (auth !== undefined) request = await applyAuth(request, auth);
      const response = await this.sendFollowingRedirects(request, follow);
      return stream ? response : await this.readBody(response);
    } catch (err) {
      throw named(err, request);
    }
  }

  private async sendFollowingRedirects(request: Request, follow: boolean): Promise<Response> {
    // Allocated only when a redirect is followed: most requests never need them.
    let history: Response[] | undefined;
    let visited: Set<string> | undefined;
    const hooks = this.hooks;
    for (;;) {
      if (hooks.request.length > 0) for (const hook of hooks.request) await hook(request);
      const response = this.cookieJar === undefined ? await this.transportFor(request.url).handleRequest(request) : await this.sendWithCookies(request, this.cookieJar);
      if (this.defaultEncoding !== undefined) response.defaultEncoding = this.defaultEncoding;
      if (history !== undefined) response.history = [...history];
      if (hooks.response.length > 0) for (const hook of hooks.response) await hook(response);
      if (!follow || !response.isRedirect) return response;
      history ??= [];
      visited ??= new Set();

      // Redirect bodies are not for anyone, but a small one is read to its end before the next
      // hop, so that hop finds the connection idle again (gunicorn and varnish send the body after
      // the head: closing at once left the connection draining and opened a second one). Bounded
      // by REDIRECT_BODY_LIMIT and the read timeout; a larger body, or one that fails, is dropped.
      await response.read(REDIRECT_BODY_LIMIT).catch(() => response.close());
      history.push(response);
      visited.add(`${request.method} ${request.url.href}`);
      if (history.length > this.maxRedirects) {
        throw new TooManyRedirects(`exceeded maxRedirects (${this.maxRedirects})`, { request });
      }
      const next = redirectRequest(request, response);
      if (visited.has(`${next.method} ${next.url.href}`)) {
        throw new TooManyRedirects(`redirect loop: ${next.method} ${redactURL(next.url)} was already requested`, { request });
      }
      request = next;
    }
  }

  /**
   * One hop with a cookie jar: the jar's cookies for this URL join the caller's own
   * `Cookie` header for the send (and only for it: the next hop asks the jar again, for its
   * own URL), and every `Set-Cookie` of the response goes into the jar, those of redirects
   * in the middle of a chain too. A cookie the jar refuses (a foreign domain, say) is
   * dropped, as browsers and httpx drop it, without failing the request.
   */
  private async sendWithCookies(request: Request, jar: CookieJar): Promise<Response> {
    const url = request.url.href;
    const own = request.headers.get("cookie");
    const fromJar = await jar.getCookieString(url);
    if (fromJar !== "") request.headers.set("Cookie", own === null ? fromJar : `${own}; ${fromJar}`);
    let response: Response;
    try {
      response = await this.transportFor(request.url).handleRequest(request);
    } finally {
      if (fromJar !== "") {
        if (own === null) request.headers.delete("cookie");
        else request.headers.set("Cookie", own);
      }
    }
    for (const cookie of response.headers.getSetCookie()) {
      try {
        await jar.setCookie(cookie, url);
      } catch {
        // refused by the jar's rules: not ours to store
      }
    }
    return response;
  }

  private transportFor(url: URL): Transport {
    if (this.mounts.length === 0) return this.transport;
    for (const m of this.mounts) if (matches(m.pattern, url)) return m.transport;
    return this.transport;
  }

  /**
   * Adds a listener of the pool events of this client's transports (those that have a
   * pool: HTTPTransport); returns the function that removes it. What `recordTimeline()`
   * (wirepool/timeline) listens with.
   */
  observe(listener: PoolListener, types?: readonly PoolEventType[]): () => void {
    const stops: (() => void)[] = [];
    for (const t of this.transports()) {
      const observable = t as Partial<{ observe(l: PoolListener, types?: readonly PoolEventType[]): () => void }>;
      if (typeof observable.observe === "function") stops.push(observable.observe(listener, types));
    }
    return () => stops.forEach((stop) => stop());
  }

  /** The default transport's pool statistics (zeros when it has no pool, e.g. a MockTransport). */
  stats(): PoolStats {
    const t = this.transport as Partial<{ stats(): PoolStats }>;
    if (typeof t.stats === "function") return t.stats();
    return { connections: 0, idle: 0, active: 0, connecting: 0, queued: 0, origins: {}, totals: { opened: 0, closed: 0, requests: 0, reused: 0, retried: 0 } };
  }

  /** Closes every transport: requests in flight finish first, then all connections close. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.transports().map((t) => t.close()));
  }

  /** The default transport and the mounted ones. */
  private transports(): Transport[] {
    return [this.transport, ...this.mounts.map((m) => m.transport)];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The lower-case names of `given` that `prepared` has too (defaults the request replaces), or undefined if none. */
function overriddenKeys(given: Headers, prepared: PreparedHeaders): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i < given.size; i++) {
    const key = given.keyAt(i);
    if (prepared.names.has(key) && out?.includes(key) !== true) (out ??= []).push(key);
  }
  return out;
}

/** Names the request in an error of ours that does not name one yet. */
function named(err: unknown, request: Request): unknown {
  if (err instanceof HTTPError) err.withContext({ request });
  return err;
}

interface MountPattern {
  scheme: string | undefined; // undefined = "all"
  host: string | undefined;
  port: string | undefined;
  specificity: number;
}

function parseMount(key: string): MountPattern {
  const m = /^(all|https?):\/\/([^/:]*|\[[^\]]*\])(?::(\d+))?\/?$/.exec(key);
  if (m === null) throw new TypeError(`invalid mount key ${JSON.stringify(key)}: use "http://host[:port]", "https://", "all://" and the like`);
  const scheme = m[1] === "all" ? undefined : `${m[1]}:`;
  const host = m[2] === "" ? undefined : m[2]!.toLowerCase();
  const port = m[3];
  return { scheme, host, port, specificity: (scheme ? 1 : 0) + (host ? 2 : 0) + (port ? 4 : 0) };
}

function matches(p: MountPattern, url: URL): boolean {
  if (p.scheme !== undefined && p.scheme !== url.protocol) return false;
  if (p.host !== undefined && p.host !== url.hostname) return false;
  if (p.port !== undefined && p.port !== (url.port || (url.protocol === "https:" ? "443" : "80"))) return false;
  return true;
}
