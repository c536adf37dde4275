/** Authentication applied to the first request of a send (redirects decide separately, see redirects.ts). */
import type { Request } from "../transport/request.js";

export type Auth = { username: string; password: string } | { bearer: string } | ((request: Request) => Request | Promise<Request>);

export async function applyAuth(request: Request, auth: Auth | undefined): Promise<Request> {
  if (auth === undefined) return request;
  if (typeof auth === "function") return auth(request);
  if (request.headers.has("authorization")) return request; // an explicit header wins
  const value = "bearer" in auth ? `Bearer ${auth.bearer}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
  request.headers.set("Authorization", value);
  return request;
}

/** The URL's userinfo as Basic auth credentials (percent-decoded, as httpx does). */
export function urlAuth(url: URL): Auth {
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}
