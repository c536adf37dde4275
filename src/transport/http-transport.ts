/**
 * HTTPTransport: the real thing. Serializes the request (src/http), sends it on a
 * pooled connection (src/pool), and wraps the reply in a Response whose body
 * streams from the socket.
 */
import { HTTPError } from "../errors.js";
import { type BodyLength, chooseFraming } from "../http/framing.js";
import { hasToken } from "../http/parser.js";
import { serializeRequestHead } from "../http/serializer.js";
import type { IncomingResponse } from "../net/exchange.js";
import { type Origin, originOf } from "../net/origin.js";
import type { ProxyInit } from "../net/proxy.js";
import { TlsConfig } from "../net/tls-config.js";
import type { TlsOptions } from "../net/types.js";
import type { PoolEventType, PoolListener } from "../pool/events.js";
import type { LimitsInit } from "../pool/limits.js";
import { ConnectionPool } from "../pool/pool.js";
import type { PoolCaller, PoolRequest, PoolStats } from "../pool/types.js";
import type { Request } from "./request.js";
import { readWhole, Response } from "./response.js";
import { envCertificates } from "./env-ca.js";
import { checkOptions } from "./options.js";
import { ProxyRouter } from "./proxies.js";
import { MAX_TIMER, resolveTimeouts } from "./timeouts.js";
import type { Transport } from "./transport.js";

export interface HTTPTransportOptions {
  limits?: LimitsInit | undefined;
  /** Check servers' certificates and names. Default true; false is the shorthand for `tls.rejectUnauthorized = false`. */
  verify?: boolean | undefined;
  /** CAs to trust besides Node's store, a client certificate, TLS version and ciphers. */
  tls?: TlsOptions | undefined;
  /**
   * Send every request through this proxy: `http://`, `https://` (TLS to the proxy),
   * `socks5://` (names resolved here) or `socks5h://` (by the proxy); credentials in the
   * URL's userinfo. `null`: no proxy, whatever the environment says.
   */
  proxy?: ProxyInit | null | undefined;
  /**
   * Read HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY (lower case wins), SSL_CERT_FILE and
   * SSL_CERT_DIR from the environment. Default true, as in httpx.
   */
  trustEnv?: boolean | undefined;
  /** Connect to this Unix socket for every origin (the URL still gives Host). */
  socketPath?: string | undefined;
  /** The local address to connect from. */
  localAddress?: string | undefined;
  /** 4 or 6: only that IP version. Default 0: either, trying both at once (happy eyeballs). */
  family?: 0 | 4 | 6 | undefined;
  /** How many times to try again to open a connection that failed to connect, after httpx's backoff (0 s, 0.5 s, 1 s, 2 s...). Default 0. */
  retries?: number | undefined;
  /** With `Expect: 100-continue`, how long to wait for the server's 100 before sending the body anyway. Default 1000 ms. */
  expectContinueTimeout?: number | undefined;
  /** Receives every pool event (connections opened, reused, closed; requests queued...). */
  trace?: PoolListener | undefined;
  /** Largest response head, in bytes. Default 16 KiB. */
  maxHeaderSize?: number | undefined;
  /**
   * HTTP/1.1 pipelining: requests in flight per connection. Default 1 (off). Only
   * idempotent requests with bodies held in memory are pipelined, never behind a
   * streamed body; connections are opened up to the limits before any is shared.
   */
  pipelining?: number | undefined;
}

/**
 * Builds the Response from the pool's answer (and, for handleRequestRead, reads its body), and
 * names the request in every error. One per request.
 */
class ResponseMaker implements PoolCaller<Response | Promise<Response>> {
  private readonly startedAt = performance.now();

  /** `readLimit`: read the body whole, at most this many bytes, before the request's promise settles. */
  constructor(
    private readonly request: Request,
    private readonly readLimit?: number,
  ) {}

  respond({ head, body, upgrade }: IncomingResponse): Response | Promise<Response> {
    const httpVersion = head.httpVersion === "1.1" ? "HTTP/1.1" : "HTTP/1.0";
    const response = new Response(head.status, { rawHeaders: head.rawHeaders, reasonPhrase: head.reason, httpVersion, request: this.request }, body, this.startedAt);
    if (upgrade !== undefined) response.upgrade = upgrade;
    return this.readLimit === undefined ? response : readWhole(response, this.readLimit, this);
  }

  annotate(error: unknown): void {
    if (error instanceof HTTPError) error.withContext({ request: this.request });
  }
}

/** The options that say how connections are made: a Client forwards them to its default transport. */
export const CONNECTION_OPTIONS = ["verify", "tls", "proxy", "trustEnv", "socketPath", "localAddress", "family", "retries"] as const;

const TRANSPORT_OPTIONS: ReadonlySet<string> = new Set(["limits", ...CONNECTION_OPTIONS, "trace", "maxHeaderSize", "pipelining", "expectContinueTimeout"]);

const NONE: BodyLength = { kind: "none" };
const UNKNOWN: BodyLength = { kind: "unknown" };

export class HTTPTransport implements Transport {
  private readonly pool: ConnectionPool;
  /** Which proxy each request goes through; undefined when none ever does. */
  private readonly router: ProxyRouter | undefined;

  constructor(options: HTTPTransportOptions = {}) {
    checkOptions("new HTTPTransport()", options, TRANSPORT_OPTIONS);
    const { verify = true, trustEnv = true, family = 0, proxy, socketPath, localAddress, expectContinueTimeout = 1000 } = options;
    const where = "new HTTPTransport()";
    if (typeof verify !== "boolean") throw new TypeError(`${where}: verify must be true or false, got ${String(verify)}`);
    if (typeof trustEnv !== "boolean") throw new TypeError(`${where}: trustEnv must be true or false, got ${String(trustEnv)}`);
    if (family !== 0 && family !== 4 && family !== 6) throw new RangeError(`${where}: family must be 0, 4 or 6, got ${String(family)}`);
    if (typeof expectContinueTimeout !== "number" || !(expectContinueTimeout >= 0) || expectContinueTimeout > MAX_TIMER) {
      throw new RangeError(`${where}: expectContinueTimeout must be a number of ms from 0 to ${MAX_TIMER}, got ${String(expectContinueTimeout)}`);
    }
    if (socketPath !== undefined && proxy !== undefined && proxy !== null) {
      throw new TypeError(`${where}: socketPath and proxy cannot be combined: a Unix socket is the way to the server already`);
    }
    // The environment is read now, as httpx reads it when the client is made.
    this.router = socketPath === undefined ? ProxyRouter.create(proxy, trustEnv, process.env) : undefined;
    const env = trustEnv ? process.env : {};
    this.pool = new ConnectionPool({
      limits: options.limits,
      dial: { tls: new TlsConfig(options.tls ?? {}, verify, () => envCertificates(env)), socketPath, localAddress, family },
      maxHeaderSize: options.maxHeaderSize,
      onEvent: options.trace,
      pipelining: options.pipelining,
      connectRetries: options.retries,
      expectContinueTimeout,
    });
  }

  handleRequest(request: Request): Promise<Response> {
    return this.handle(request, new ResponseMaker(request));
  }

  /**
   * @internal handleRequest() and reading the body whole (at most `maxSize` bytes) in one promise:
   * the Client's common case. One promise per request instead of two plus a handler: a queued
   * request's heap (bench:scale) and a promise turn per request.
   */
  handleRequestRead(request: Request, maxSize: number): Promise<Response> {
    return this.handle(request, new ResponseMaker(request, maxSize));
  }

  private handle(request: Request, caller: ResponseMaker): Promise<Response> {
    let spec: PoolRequest;
    try {
      const target = originOf(request.url);
      spec = toPoolRequest(request, this.router === undefined ? target : this.router.route(request.url, target));
    } catch (err) {
      caller.annotate(err);
      return Promise.reject(err);
    }
    // A promise resolved with a promise (the body being read) settles as that one does.
    return this.pool.request(spec, caller) as Promise<Response>;
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  /**
   * Adds a listener of this transport's pool events (as `trace` does, but at any time), of
   * `types` only if given; returns the function that removes it.
   */
  observe(listener: PoolListener, types?: readonly PoolEventType[]): () => void {
    return this.pool.observe(listener, types);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * The request as the pool takes it: its origin (the pool's key, maybe a proxy's: see
 * net/origin.ts), the serialized head, the framing and the body, and its timeouts.
 */
export function toPoolRequest(request: Request, origin: Origin = originOf(request.url)): PoolRequest {
  const { method, url, headers, body } = request;
  const length: BodyLength = body.kind === "none" ? NONE : body.kind === "bytes" ? { kind: "known", length: body.bytes.length } : UNKNOWN;
  const framing = chooseFraming(method, length, headers);
  // The Client's default headers, untouched since it built the request, were validated and serialized once.
  const p = request.prepared !== undefined && request.prepared.revision === headers.revision ? request.prepared : undefined;
  // A forward proxy is sent the whole URL (absolute-form, RFC 9112 §3.2.2), without userinfo, and its own headers.
  const forward = origin.proxy !== undefined && !origin.tunnel;
  const target = forward ? `${url.protocol}//${url.host}${url.pathname}${url.search}` : url.pathname + url.search;
  const proxyLines = forward ? origin.proxy!.headerLines : undefined;
  const head = serializeRequestHead({ method, target, host: url.host, headers: p ? p.own : headers, framing, prepared: p?.text, proxyLines });
  const wireBody = body.kind === "none" ? null : body.kind === "bytes" ? body.bytes : body.stream;
  const { timeout, signal, upgrade } = request.extensions;
  const expect = wireBody === null ? null : headers.get("expect");
  const expectContinue = expect !== null && hasToken(expect, "100-continue");
  return { method, head, framing, body: wireBody, expectContinue, upgrade: upgrade === true, origin, timeouts: resolveTimeouts(timeout), signal, replayable: request.replayable };
}
