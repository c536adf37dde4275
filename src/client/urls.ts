/** URL rules of the Client: base URL merging (httpx's) and scheme checks. */
import { InvalidURL, redactURL, UnsupportedProtocol } from "../errors.js";

/**
 * Resolves `url` against `base` the way httpx does: a relative URL is appended to
 * the base's path, whether or not it starts with "/" (so base `http://h/api` with
 * `/users` gives `http://h/api/users`, not `http://h/users`). Absolute URLs are
 * used as they are.
 */
export function mergeURL(base: URL | undefined, url: string | URL): URL {
  if (url instanceof URL) return checkScheme(url);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) return checkScheme(parse(url));
  if (base === undefined) throw new InvalidURL(`relative URL ${JSON.stringify(redactURL(url))} given and the client has no baseURL`);
  const prefix = base.href.endsWith("/") ? base.href : `${base.href}/`;
  return checkScheme(parse(prefix + url.replace(/^\/+/, "")));
}

export function parseBaseURL(base: string | URL | undefined): URL | undefined {
  if (base === undefined) return undefined;
  const url = base instanceof URL ? new URL(base.href) : parse(base);
  // Query and fragment of a base URL do not carry over to requests; a trailing slash makes merging simple.
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return checkScheme(url);
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch (err) {
    throw new InvalidURL(`invalid URL ${JSON.stringify(redactURL(url))}`, { cause: err });
  }
}

export function checkScheme(url: URL): URL {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UnsupportedProtocol(`unsupported URL scheme ${JSON.stringify(url.protocol.slice(0, -1))}: wirepool speaks http and https (${redactURL(url)})`);
  }
  if (url.hostname === "") throw new InvalidURL(`URL has no host: ${redactURL(url)}`);
  return url;
}
