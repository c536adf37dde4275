/**
 * An origin is what a connection can be reused for: scheme, host and port, and
 * the proxy it goes through, if any. (TLS options and a Unix socket path belong to
 * the transport that owns the pool, so within one pool they never differ and need
 * no place in the key.)
 *
 *   key                                          connections go           they carry requests for
 *   http://example.com:80                        straight there           that origin
 *   https://example.com:443 via http://p:3128    a tunnel through p       that origin (TLS inside the tunnel)
 *   http://p:3128 (forward proxy)                to the proxy             any http:// origin, in absolute-form
 */
import { redactURL, UnsupportedProtocol } from "../errors.js";
import type { Proxy } from "./proxy.js";

export interface Origin {
  readonly scheme: "http" | "https";
  /** Host name or IP address, IPv6 without brackets: what `net.connect` wants. */
  readonly hostname: string;
  readonly port: number;
  /** `scheme://host:port` (see above for proxies): the pool's key and the name errors use. Never holds credentials. */
  readonly key: string;
  /** The proxy connections go through. */
  readonly proxy?: Proxy | undefined;
  /**
   * With a proxy: true for a tunnel to this origin (CONNECT, or SOCKS); false for a
   * forward proxy's connections, which carry absolute-form requests for any http://
   * origin (`hostname` and `port` are then the proxy's, and `scheme` is "http").
   */
  readonly tunnel?: boolean | undefined;
}

/** The origin for connections that tunnel to `target` through `proxy` (not interned: the caller keeps it). */
export function tunnelOrigin(target: Origin, proxy: Proxy): Origin {
  return { scheme: target.scheme, hostname: target.hostname, port: target.port, key: `${target.key} via ${proxy.key}`, proxy, tunnel: true };
}

/** The origin for a forward proxy's connections (not interned: the caller keeps it). */
export function forwardOrigin(proxy: Proxy): Origin {
  return { scheme: "http", hostname: proxy.hostname, port: proxy.port, key: `${proxy.key} (forward proxy)`, proxy, tunnel: false };
}

const cache = new Map<string, Origin>();
/**
 * The origin found last, and the start of every href that has it: `scheme://host[:port]/`
 * as the URL spells it. A request to the same origin as the one before (the usual case)
 * is then recognised by comparing a few characters, without reading the URL's parts.
 */
let last: { readonly prefix: string; readonly origin: Origin } | undefined;

/** The origin of a URL. Origins are interned, so a request finds its pool entry without building strings. */
export function originOf(url: URL): Origin {
  // A WHATWG href of an http(s) URL is `scheme://[userinfo@]host[:port]/path...`: whatever starts
  // with `scheme://host[:port]/` has that origin (the authority ends at its first "/").
  const href = url.href;
  if (last !== undefined && href.startsWith(last.prefix)) return last.origin;
  const scheme = url.protocol === "http:" ? "http" : url.protocol === "https:" ? "https" : undefined;
  if (scheme === undefined) throw new UnsupportedProtocol(`unsupported URL scheme ${JSON.stringify(url.protocol)} in ${redactURL(url)}`);
  const port = url.port === "" ? (scheme === "https" ? 443 : 80) : Number(url.port);
  const key = `${scheme}://${url.hostname}:${port}`;
  let origin = cache.get(key);
  if (origin === undefined) {
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    origin = { scheme, hostname, port, key };
    if (cache.size > 1000) cache.clear(); // a bound, not an LRU: interning is only a speed-up
    cache.set(key, origin);
  }
  last = { prefix: `${url.protocol}//${url.host}/`, origin };
  return origin;
}
