/**
 * A SOCKS5 tunnel (RFC 1928), with username/password authentication (RFC 1929).
 * Three exchanges, each a few bytes:
 *
 *   client                                   proxy
 *   05 n methods...              ──►                           greeting: 00 none, 02 username/password
 *                                ◄──  05 method                FF: none of ours is acceptable
 *   01 ulen user plen pass       ──►                           only if it chose 02
 *                                ◄──  01 status                00: accepted
 *   05 01 00 atyp addr port      ──►                           CONNECT to an IPv4 (01), a name (03) or IPv6 (04)
 *                                ◄──  05 rep 00 atyp addr port rep 00: the tunnel is open
 *
 * `socks5://` resolves the target's name here and sends the address; `socks5h://`
 * sends the name and lets the proxy resolve it (what you want when only the proxy
 * can see the target's DNS).
 */
import type dnsModule from "node:dns";
import { createRequire } from "node:module";
import type net from "node:net";
import { ProxyError } from "../errors.js";
import type { Origin } from "./origin.js";
import type { Proxy } from "./proxy.js";
import { authority } from "./http-tunnel.js";
import { ReplyReader } from "./reply-reader.js";

const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_NAME = 0x03;
const ATYP_IPV6 = 0x04;

/** The reply codes of RFC 1928 §6, in words. */
const REPLIES: Record<number, string> = {
  0x01: "general SOCKS server failure",
  0x02: "connection not allowed by the proxy's rules",
  0x03: "network unreachable",
  0x04: "host unreachable",
  0x05: "connection refused by destination",
  0x06: "TTL expired",
  0x07: "command not supported",
  0x08: "address type not supported",
};

const require = createRequire(import.meta.url);

/** Resolves a target's name to the address a socks5:// proxy is sent (the socks5h:// proxy is sent the name). */
export type Resolve = (hostname: string, done: (error: Error | null, address: string, family: number) => void) => void;

export const lookup = (family: 0 | 4 | 6): Resolve => (hostname, done) => (require("node:dns") as typeof dnsModule).lookup(hostname, { family }, done);

/**
 * Opens a tunnel to `target` through the SOCKS5 `proxy` on `socket` (connected to it).
 * `done` hears the bytes after the last reply, or the error.
 */
export function openSocksTunnel(socket: net.Socket, target: Origin, proxy: Proxy, resolve: Resolve, done: (error: Error | undefined, rest?: Buffer) => void): void {
  const fail = (why: string): void => {
    reader.detach();
    done(new ProxyError(`the SOCKS proxy ${proxy.key} ${why}`));
  };
  const reader = new ReplyReader(socket, done, 512);
  const withPassword = proxy.username !== undefined;
  socket.write(Buffer.from([VERSION, 1, withPassword ? USER_PASS : NO_AUTH]));

  reader.expect(fixed(2), (reply) => {
    if (reply[0] !== VERSION) return fail(`answered in SOCKS version ${reply[0]}, not 5`);
    if (reply[1] === NO_ACCEPTABLE) return fail(withPassword ? "refused username/password authentication" : "requires authentication (put the username and password in the proxy URL)");
    if (reply[1] === USER_PASS && withPassword) return authenticate();
    if (reply[1] === NO_AUTH && !withPassword) return address();
    fail(`chose authentication method ${reply[1]}, which was not offered`);
  });

  function authenticate(): void {
    // parseProxy sets both whenever there is a username (withPassword): the fallbacks are for the types.
    const user = Buffer.from(proxy.username ?? "", "utf8");
    const pass = Buffer.from(proxy.password ?? "", "utf8");
    if (user.length > 255 || pass.length > 255) return fail("cannot be sent a username or password longer than 255 bytes");
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    reader.expect(fixed(2), (reply) => {
      if (reply[1] !== 0) return fail("rejected the username and password: authentication failed");
      address();
    });
  }

  function address(): void {
    const port = Buffer.from([target.port >> 8, target.port & 0xff]);
    const send = (addr: Buffer): void => {
      socket.write(Buffer.concat([Buffer.from([VERSION, CMD_CONNECT, 0]), addr, port]));
      reader.expect(connectReply, (reply) => {
        if (reply[1] !== 0) return fail(`could not connect to ${authority(target)}: ${REPLIES[reply[1]!] ?? `reply code ${reply[1]}`}`);
        done(undefined, reader.detach());
      });
    };
    const literal = encodeIP(target.hostname);
    if (literal !== undefined) return send(literal);
    if (proxy.scheme === "socks5h") {
      const name = Buffer.from(target.hostname, "utf8");
      if (name.length > 255) return fail("cannot be sent a host name longer than 255 bytes");
      return send(Buffer.concat([Buffer.from([ATYP_NAME, name.length]), name]));
    }
    resolve(target.hostname, (error, resolved) => {
      if (error !== null) {
        reader.detach();
        return done(new ProxyError(`could not resolve ${target.hostname} for the SOCKS proxy ${proxy.key}: ${error.message}`, { cause: error }));
      }
      // (If the dial was cancelled meanwhile, the socket is destroyed and Node drops the write without an error.)
      send(encodeIP(resolved)!);
    });
  }
}

/** A reply of exactly `n` bytes. */
function fixed(n: number): (gathered: Buffer) => number {
  return (gathered) => (gathered.length >= n ? n : 0);
}

/** The CONNECT reply's length: 4 bytes, the bound address (its length by type), 2 bytes of port. */
function connectReply(g: Buffer): number {
  if (g.length < 5) return 0;
  if (g[0] !== VERSION) throw new ProxyError(`the SOCKS proxy answered CONNECT in version ${g[0]}, not 5`);
  const atyp = g[3];
  const addr = atyp === ATYP_IPV4 ? 4 : atyp === ATYP_IPV6 ? 16 : atyp === ATYP_NAME ? 1 + g[4]! : -1;
  if (addr < 0) throw new ProxyError(`the SOCKS proxy answered CONNECT with address type ${atyp}`);
  const n = 4 + addr + 2;
  return g.length >= n ? n : 0;
}

/** An IP literal as SOCKS sends it (type byte and address), or undefined for a name. */
function encodeIP(host: string): Buffer | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4 !== null) return Buffer.from([ATYP_IPV4, ...v4.slice(1).map(Number)]);
  if (!host.includes(":")) return undefined;
  return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(host)]);
}

/** The 16 bytes of an IPv6 address (with `::` and an IPv4 tail). */
function ipv6Bytes(host: string): Buffer {
  let text = host;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail !== null) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
