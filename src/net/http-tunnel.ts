/**
 * A tunnel through an HTTP proxy (RFC 9110 §9.3.6): `CONNECT host:port`, and a
 * 2xx reply head means every later byte goes to the target untouched. What we
 * send the proxy (its credentials, its extra headers) stays on this hop: inside
 * the tunnel the target sees only what the request itself carries.
 */
import type net from "node:net";
import { ProxyError } from "../errors.js";
import type { Origin } from "./origin.js";
import type { Proxy } from "./proxy.js";
import { ReplyReader } from "./reply-reader.js";

/** A CONNECT reply head larger than this is refused (the limit on response heads). */
const MAX_REPLY_HEAD = 16 * 1024;

/** `host:port` as CONNECT and Host spell it (IPv6 in brackets). */
export function authority(origin: Origin): string {
  return origin.hostname.includes(":") ? `[${origin.hostname}]:${origin.port}` : `${origin.hostname}:${origin.port}`;
}

/**
 * Asks `proxy`, on `socket`, for a tunnel to `target`. `done` hears the bytes that came
 * after the reply head (normally none: the target speaks after us) or the error.
 */
export function openHttpTunnel(socket: net.Socket, target: Origin, proxy: Proxy, done: (error: Error | undefined, rest?: Buffer) => void): void {
  const where = authority(target);
  const reader = new ReplyReader(socket, done, MAX_REPLY_HEAD);
  socket.write(`CONNECT ${where} HTTP/1.1\r\nHost: ${where}\r\n${proxy.headerLines}\r\n`, "latin1");
  reader.expect(
    (gathered) => {
      const end = gathered.indexOf("\r\n\r\n", 0, "latin1");
      return end < 0 ? 0 : end + 4;
    },
    (reply) => {
      const rest = reader.detach();
      const line = reply.toString("latin1", 0, reply.indexOf("\r\n"));
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(line);
      if (m === null) return done(new ProxyError(`the proxy ${proxy.key} answered CONNECT with something that is not HTTP: ${JSON.stringify(line.slice(0, 80))}`));
      const status = Number(m[1]);
      if (status < 200 || status > 299) return done(new ProxyError(refusal(status, m[2] ?? "", where, proxy)));
      done(undefined, rest);
    },
  );
}

/** A non-2xx answer to CONNECT, in words. */
function refusal(status: number, reason: string, where: string, proxy: Proxy): string {
  const said = `the proxy ${proxy.key} answered CONNECT ${where} with ${status}${reason === "" ? "" : ` ${reason}`}`;
  if (status === 407) return `${said}: proxy authentication required${proxy.username === undefined ? " (no credentials were given: put them in the proxy URL)" : " (the credentials given were refused)"}`;
  if (status === 403) return `${said}: the proxy does not allow a tunnel to ${where}`;
  if (status === 502 || status === 503 || status === 504) return `${said}: the proxy could not reach ${where}`;
  return said;
}
