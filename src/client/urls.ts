/** URL rules of the Client: base URL merging (httpx's) and scheme checks. */
import { InvalidURL, redactURL, UnsupportedProtocol } from "../errors.js";
import { appendQuery } from "../transport/request.js";

/**
 * Resolves `url` against `base` the way httpx does: a relative URL is appended to
 * the base's path, whether or not it starts with "/" (so base `http://h/api` with
 * `/users` gives `http://h/api/users`, not `http://h/users`). Absolute URLs are
 * used as they are. `query` (already encoded, see queryText) is added after the URL's own
 * query before the one parse: parsing, then adding params, parsed the URL twice.
 */
export function mergeURL(base: URL | undefined, url: string | URL, query = ""): URL {
  if (url instanceof URL) return checkScheme(query === "" ? url : parse(appendQuery(url.href, query)));
  let text: string;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) text = url;
  else if (base === undefined) throw new InvalidURL(`relative URL ${JSON.stringify(redactURL(url))} given and the client has no baseURL`);
  else text = (base.href.endsWith("/") ? base.href : `${base.href}/`) + url.replace(/^\/+/, "");
  return checkScheme(parse(query === "" ? text : appendQuery(text, query)));
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
