/**
 * Request head serialization. Everything is validated before a single byte is
 * produced, so an injection attempt (CR/LF in a header, a space in the path)
 * fails the request instead of smuggling a second one onto the connection.
 *
 * The head is built as one latin1 string: the socket encodes it once, and
 * `cork()` lets the connection send it in the same packet as a small body.
 */
import { LocalProtocolError } from "../errors.js";
import type { Framing } from "./framing.js";
import type { Headers } from "./headers.js";
import { isFieldValue, isRequestTarget, isToken } from "./tokens.js";

/** Header lines validated once and reused verbatim, e.g. a client's User-Agent and Accept. */
export class PreparedHeaders {
  /** The last host tailFor() was asked for, and its tail. */
  private tailHost: string | undefined;
  // Stryker disable next-line StringLiteral: tailFor() makes the tail before it is first read
  private tail = "";

  /** The same lines less some names (see without()), made once per set of names. */
  private less: Map<string, PreparedHeaders> | undefined;

  private constructor(
    /** Rendered `Name: value\r\n` lines. */
    readonly text: string,
    /** Lower-case names present, so callers can tell when a request overrides one. */
    readonly names: ReadonlySet<string>,
    /** Each line with its lower-case name, in order. */
    private readonly lines: readonly (readonly [key: string, line: string])[],
  ) {}

  /**
   * These lines without those of the lower-case names in `keys`: what is left of the defaults
   * when a request gives its own value for some of them. Made once per set of names (a few
   * sets at most are kept), so a request overriding a default still sends the rest pre-serialized.
   */
  without(keys: readonly string[]): PreparedHeaders {
    const id = keys.join("\n");
    let out = this.less?.get(id);
    if (out === undefined) {
      const kept = this.lines.filter(([key]) => !keys.includes(key));
      out = new PreparedHeaders(kept.map(([, line]) => line).join(""), new Set(kept.map(([key]) => key)), kept);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound on the cache is memory only; a set made again is the same
      if (this.less === undefined || this.less.size >= 16) this.less = new Map();
      this.less.set(id, out);
    }
    return out;
  }

  /**
   * Everything of a bodiless request's head after its target, for `host` (validated by the
   * caller): the version, the Host line, these lines and the blank line, as one string made once
   * per host in a row. Such a head is then two pieces, not six: 128 bytes less for each request
   * waiting in a queue (bench:scale, heap per waiting request).
   */
  tailFor(host: string): string {
    // Stryker disable next-line ConditionalExpression: making the tail again for the same host makes the same string
    if (host !== this.tailHost) {
      this.tail = ` HTTP/1.1\r\nHost: ${host}\r\n${this.text}\r\n`;
      this.tailHost = host;
    }
    return this.tail;
  }

  static from(headers: Iterable<readonly [string, string]>): PreparedHeaders {
    const lines: [string, string][] = [];
    for (const [name, value] of headers) lines.push([name.toLowerCase(), headerLine(name, value)]);
    return new PreparedHeaders(lines.map(([, line]) => line).join(""), new Set(lines.map(([key]) => key)), lines);
  }
}

export interface RequestHead {
  readonly method: string;
  /** origin-form (`/path?query`) or, for proxies, absolute-form. */
  readonly target: string;
  /** The Host header value (URL.host: port only when not the default, IPv6 in brackets). */
  readonly host: string;
  /** The request's own fields; may be left out when `prepared` holds them all. */
  readonly headers?: Headers | undefined;
  readonly framing: Framing;
  /** Lines appended after `headers`; must not repeat a name present there. */
  readonly prepared?: PreparedHeaders | undefined;
  /** Lines for a forward proxy (validated already), written after the Host line. */
  readonly proxyLines?: string | undefined;
}

function headerLine(name: string, value: string): string {
  if (!isToken(name)) throw new LocalProtocolError(`invalid header name: ${JSON.stringify(name)}`);
  if (!isFieldValue(value)) {
    throw new LocalProtocolError(`invalid character in the value of header ${name}: ${JSON.stringify(value)}`);
  }
  return `${name}: ${value}\r\n`;
}

/** Headers the serializer writes itself from the framing and the URL. */
function isComputed(name: string): boolean {
  switch (name.length) {
    case 4:
      return name.toLowerCase() === "host";
    case 14:
      return name.toLowerCase() === "content-length";
    case 17:
      return name.toLowerCase() === "transfer-encoding";
    default:
      return false;
  }
}

export function serializeRequestHead(head: RequestHead): string {
  const { method, target, headers } = head;
  if (!isToken(method)) throw new LocalProtocolError(`invalid method: ${JSON.stringify(method)}`);
  if (!isRequestTarget(target)) throw new LocalProtocolError(`invalid request target: ${JSON.stringify(target)}`);
  const host = headers?.get("host") ?? head.host;
  if (host.length === 0 || !isFieldValue(host) || host.includes(" ")) {
    throw new LocalProtocolError(`invalid Host: ${JSON.stringify(host)}`);
  }

  // Stryker disable next-line all: a fast path (bench:scale's heap per waiting request); the general path writes the same bytes (test: "the two-piece head is the same text")
  if (head.prepared !== undefined && head.framing.kind === "none" && head.proxyLines === undefined && (headers === undefined || headers.size === 0)) {
    return `${method} ${target}${head.prepared.tailFor(host)}`;
  }
  let out = `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n`;
  if (head.proxyLines !== undefined) out += head.proxyLines;
  for (let i = 0; headers !== undefined && i < headers.size; i++) {
    const name = headers.nameAt(i);
    if (!isComputed(name)) out += headerLine(name, headers.valueAt(i));
  }
  if (head.prepared) out += head.prepared.text;
  switch (head.framing.kind) {
    case "length":
      out += `Content-Length: ${head.framing.length}\r\n`;
      break;
    case "chunked":
      out += "Transfer-Encoding: chunked\r\n";
      break;
    // Stryker disable next-line ConditionalExpression: nothing to write either way
    case "none":
      break;
  }
  return out + "\r\n";
}
