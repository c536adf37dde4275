/**
 * Building the next request of a redirect chain (RFC 9110 §15.4), as httpx does:
 *   - 301/302/303 turn anything but GET and HEAD into a GET without a body;
 *   - 307/308 keep the method and the body (a stream that was already sent cannot be);
 *   - crossing to another origin drops the credentials.
 */
import { RemoteProtocolError, redactURL, StreamConsumed, UnsupportedProtocol } from "../errors.js";
import { Headers } from "../http/headers.js";
import type { Request } from "../transport/request.js";
import type { Response } from "../transport/response.js";

const CREDENTIALS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-length", "content-type", "transfer-encoding"];

export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && effectivePort(a) === effectivePort(b);
}

function effectivePort(u: URL): string {
  return u.port !== "" ? u.port : u.protocol === "https:" ? "443" : "80";
}

export function redirectRequest(request: Request, response: Response): Request {
  const location = response.headers.get("location")!;
  let url: URL;
  try {
    url = new URL(location, request.url);
  } catch (err) {
    throw new RemoteProtocolError("INVALID_LOCATION", `invalid redirect Location ${JSON.stringify(location)}`, undefined, { cause: err, request });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UnsupportedProtocol(`refusing to follow a redirect to ${JSON.stringify(redactURL(url))}`, { request });
  }
  // A fragment on the original URL is kept when the new one has none (RFC 9110 §10.2.2).
  if (url.hash === "" && request.url.hash !== "") url.hash = request.url.hash;

  const toGet = [301, 302, 303].includes(response.status) && request.method !== "GET" && request.method !== "HEAD";
  const headers = new Headers(request.headers);
  headers.delete("host");
  if (!sameOrigin(url, request.url)) for (const name of CREDENTIALS) headers.delete(name);
  if (toGet) {
    for (const name of BODY_HEADERS) headers.delete(name);
    return request.copyWith({ method: "GET", url, headers, body: { kind: "none" } });
  }
  if (!request.replayable) throw new StreamConsumed(`cannot follow a ${response.status} redirect: the streamed request body was already sent`);
  return request.copyWith({ url, headers });
}
