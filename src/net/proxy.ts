/**
 * A proxy, as the dialers need it: where it is, how to speak to it, and what to
 * tell it (credentials, extra headers). Parsed once per transport from the
 * `proxy` option or the environment; never shown with its credentials.
 *
 *   scheme     the client talks to the proxy      http:// targets            https:// targets
 *   http       plain TCP                          absolute-form requests     CONNECT tunnel, then TLS
 *   https      TLS to the proxy itself            absolute-form requests     CONNECT tunnel, then TLS inside TLS
 *   socks5     SOCKS5, names resolved here        SOCKS tunnel               SOCKS tunnel, then TLS
 *   socks5h    SOCKS5, names resolved by it       SOCKS tunnel               SOCKS tunnel, then TLS
 */
import { redactURL, UnsupportedProtocol } from "../errors.js";
import { Headers, type HeadersInit } from "../http/headers.js";
import { PreparedHeaders } from "../http/serializer.js";

export type ProxyScheme = "http" | "https" | "socks5" | "socks5h";

export interface Proxy {
  readonly scheme: ProxyScheme;
  /** Host name or IP address, IPv6 without brackets. */
  readonly hostname: string;
  readonly port: number;
  /** From the URL's userinfo, percent-decoded. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  /**
   * Header lines for the proxy (`Name: value\r\n` each), `Proxy-Authorization` first when
   * there are credentials: sent on CONNECT and on absolute-form requests, never to a target.
   */
  readonly headerLines: string;
  /** `scheme://host:port`, without credentials: the name events, stats and errors use. */
  readonly key: string;
}

/** What the `proxy` option accepts. */
export type ProxyInit = string | URL | { url: string | URL; headers?: HeadersInit };

const DEFAULT_PORTS: Record<ProxyScheme, number> = { http: 80, https: 443, socks5: 1080, socks5h: 1080 };

/**
 * Parses a proxy URL (`where` names the option, for the error). A URL without a scheme
 * (`proxy.corp:3128`, as environment variables often have it) is taken as http://.
 */
export function parseProxy(init: ProxyInit, where: string): Proxy {
  const given = typeof init === "string" || init instanceof URL ? init : init.url;
  const headers = typeof init === "string" || init instanceof URL ? undefined : init.headers;
  let url: URL;
  try {
    const text = String(given);
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch (cause) {
    throw new TypeError(`${where}: not a proxy URL: ${JSON.stringify(redactURL(String(given)))}`, { cause });
  }
  const scheme = url.protocol.slice(0, -1);
  if (!(scheme in DEFAULT_PORTS)) {
    throw new UnsupportedProtocol(`${where}: unsupported proxy scheme ${JSON.stringify(url.protocol)} in ${redactURL(url)} (http, https, socks5 and socks5h are)`);
  }
  const s = scheme as ProxyScheme;
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? DEFAULT_PORTS[s] : Number(url.port);
  const username = url.username === "" ? undefined : decodeURIComponent(url.username);
  const password = url.username === "" && url.password === "" ? undefined : decodeURIComponent(url.password);
  let headerLines = "";
  if (username !== undefined && (s === "http" || s === "https")) {
    headerLines += `Proxy-Authorization: Basic ${Buffer.from(`${username}:${password ?? ""}`, "utf8").toString("base64")}\r\n`;
  }
  // Validated here, once, as any header is (no CR/LF smuggled onto the proxy's connection).
  if (headers !== undefined) headerLines += PreparedHeaders.from(new Headers(headers)).text;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { scheme: s, hostname, port, username, password, headerLines, key: `${s}://${host}:${port}` };
}
