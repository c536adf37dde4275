/**
 * Which proxy, if any, a request goes through: the transport's `proxy` option, or
 * (with `trustEnv`, the default, as in httpx) the environment's HTTP_PROXY,
 * HTTPS_PROXY and ALL_PROXY, minus the hosts NO_PROXY names. The answer is the
 * origin the pool files the request under (see net/origin.ts): the target itself,
 * a tunnel to it through the proxy, or the forward proxy's own connections.
 *
 * Chosen per request, so a redirect to another origin gets the proxy (and the
 * NO_PROXY verdict) of its own URL.
 */
import { type Origin, forwardOrigin, tunnelOrigin } from "../net/origin.js";
import { type Proxy, type ProxyInit, parseProxy } from "../net/proxy.js";
import { NoProxy } from "./no-proxy.js";

/** The proxy settings the environment gives, read as curl does: a lower-case name wins over the upper-case one. */
export interface EnvProxies {
  readonly http: string | undefined;
  readonly https: string | undefined;
  readonly all: string | undefined;
  readonly noProxy: string | undefined;
}

export function readEnvProxies(env: NodeJS.ProcessEnv): EnvProxies {
  const set = (v: string | undefined): string | undefined => (v === undefined || v.trim() === "" ? undefined : v.trim());
  const get = (name: string): string | undefined => set(env[name.toLowerCase()]) ?? set(env[name.toUpperCase()]);
  return { http: get("http_proxy"), https: get("https_proxy"), all: get("all_proxy"), noProxy: get("no_proxy") };
}

/** Bound on remembered routes; a bound, not an LRU: interning is only a speed-up. */
const MAX_ROUTES = 1000;

export class ProxyRouter {
  private readonly routes = new Map<string, Origin>();
  private readonly forward = new Map<Proxy, Origin>();

  private constructor(
    private readonly forHttp: Proxy | undefined,
    private readonly forHttps: Proxy | undefined,
    private readonly noProxy: NoProxy | undefined,
  ) {}

  /**
   * The router for these settings, or undefined when every request goes direct (then the
   * transport skips it entirely). `proxy: null` means no proxy, whatever the environment says.
   */
  static create(proxy: ProxyInit | null | undefined, trustEnv: boolean, env: NodeJS.ProcessEnv): ProxyRouter | undefined {
    if (proxy !== undefined && proxy !== null) {
      const p = parseProxy(proxy, "the proxy option");
      return new ProxyRouter(p, p, undefined);
    }
    if (proxy === null || !trustEnv) return undefined;
    const e = readEnvProxies(env);
    const http = e.http ?? e.all;
    const https = e.https ?? e.all;
    if (http === undefined && https === undefined) return undefined;
    const name = (v: string): string => (v === e.all ? "ALL_PROXY" : v === e.http ? "HTTP_PROXY" : "HTTPS_PROXY");
    const forHttp = http === undefined ? undefined : parseProxy(http, `the environment's ${name(http)}`);
    const forHttps = https === undefined ? undefined : https === http ? forHttp : parseProxy(https, `the environment's ${name(https)}`);
    return new ProxyRouter(forHttp, forHttps, e.noProxy === undefined ? undefined : new NoProxy(e.noProxy));
  }

  /** The proxy for `url`, or undefined to go direct. */
  proxyFor(url: URL, target: Origin): Proxy | undefined {
    const proxy = target.scheme === "https" ? this.forHttps : this.forHttp;
    if (proxy === undefined || this.noProxy?.matches(url.hostname, target.port)) return undefined;
    return proxy;
  }

  /** The origin the pool files a request to `url` (whose own origin is `target`) under. */
  route(url: URL, target: Origin): Origin {
    let origin = this.routes.get(target.key);
    if (origin !== undefined) return origin;
    const proxy = this.proxyFor(url, target);
    if (proxy === undefined) origin = target;
    else if (target.scheme === "http" && (proxy.scheme === "http" || proxy.scheme === "https")) {
      // Plain HTTP through an HTTP proxy: absolute-form requests on the proxy's own connections.
      origin = this.forward.get(proxy) ?? forwardOrigin(proxy);
      this.forward.set(proxy, origin);
    } else origin = tunnelOrigin(target, proxy);
    if (this.routes.size >= MAX_ROUTES) this.routes.clear();
    this.routes.set(target.key, origin);
    return origin;
  }
}
