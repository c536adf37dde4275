/**
 * NO_PROXY: the hosts that are reached directly although a proxy is set. The
 * format is curl's, which most tools share: a comma-separated list of
 *
 *   *                      every host
 *   example.com            that host and every subdomain (a leading "." or "*." means the same)
 *   example.com:8080       the same, on that port only
 *   127.0.0.1, ::1, [::1]  that IP address (a port may follow, as above)
 *   10.0.0.0/8, fd00::/8   every address in the range (CIDR)
 *
 * Names are compared without case and without a trailing dot; no name is resolved
 * (an IP range matches only URLs that hold an IP address, as in curl).
 */
import type net from "node:net";
import { createRequire } from "node:module";

interface NameRule {
  readonly suffix: string;
  readonly port: number | undefined;
}

export class NoProxy {
  private readonly all: boolean;
  private readonly names: NameRule[] = [];
  private readonly addresses: { readonly list: net.BlockList; readonly port: number | undefined }[] = [];

  constructor(value: string | undefined) {
    let all = false;
    for (const raw of (value ?? "").split(",")) {
      const entry = raw.trim().toLowerCase();
      if (entry === "") continue;
      if (entry === "*") {
        all = true;
        continue;
      }
      this.add(entry);
    }
    this.all = all;
  }

  /** Whether a URL with this `hostname` (as URL gives it: IPv6 in brackets) and effective `port` goes direct. */
  matches(hostname: string, port: number): boolean {
    if (this.all) return true;
    const host = unbracket(hostname.toLowerCase()).replace(/\.$/, "");
    const family = ipFamily(host);
    if (family !== undefined) {
      for (const a of this.addresses) if ((a.port === undefined || a.port === port) && a.list.check(host, family)) return true;
      return this.names.some((n) => n.suffix === host && (n.port === undefined || n.port === port));
    }
    for (const n of this.names) {
      if (n.port !== undefined && n.port !== port) continue;
      if (host === n.suffix || host.endsWith(`.${n.suffix}`)) return true;
    }
    return false;
  }

  private add(entry: string): void {
    // [v6]:port, v4:port or name:port; a bare IPv6 address has colons but no port.
    let host = entry;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed !== null) {
      host = bracketed[1]!;
      port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
    } else if ((entry.match(/:/g) ?? []).length === 1) {
      const i = entry.lastIndexOf(":");
      if (/^\d+$/.test(entry.slice(i + 1))) {
        host = entry.slice(0, i);
        port = Number(entry.slice(i + 1));
      }
    }
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(host);
    const ip = cidr !== null ? cidr[1]! : host;
    const family = ipFamily(ip);
    if (family !== undefined) {
      const list = new (loadNet().BlockList)();
      if (cidr !== null) list.addSubnet(ip, Number(cidr[2]), family);
      else list.addAddress(ip, family);
      this.addresses.push({ list, port });
      return;
    }
    const suffix = host.replace(/^\*?\./, "").replace(/\.$/, "");
    if (suffix !== "") this.names.push({ suffix, port });
  }
}

const require = createRequire(import.meta.url);
let netModule: typeof net | undefined;
const loadNet = (): typeof net => (netModule ??= require("node:net") as typeof net);

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function ipFamily(host: string): "ipv4" | "ipv6" | undefined {
  const v = loadNet().isIP(host);
  return v === 4 ? "ipv4" : v === 6 ? "ipv6" : undefined;
}
