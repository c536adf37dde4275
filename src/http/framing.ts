/**
 * How a request body is delimited on the wire (RFC 9112 §6): by a length, by
 * chunked transfer coding, or not at all. Deciding it is pure policy over the
 * method, the body's known length and the caller's own framing headers.
 */
import { LocalProtocolError } from "../errors.js";
import type { Headers } from "./headers.js";
import { trimOWS } from "./tokens.js";

export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" };

/** What the serializer knows of a body: absent, a known number of bytes, or a stream of unknown length. */
export type BodyLength = { readonly kind: "none" } | { readonly kind: "known"; readonly length: number } | { readonly kind: "unknown" };

const NO_FRAMING: Framing = { kind: "none" };
const CHUNKED: Framing = { kind: "chunked" };
const EMPTY: Framing = { kind: "length", length: 0 };

/** Methods whose requests are expected to carry a body: an empty one is announced as `Content-Length: 0`. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

function userContentLength(headers: Headers): number | undefined {
  const all = headers.getAll("content-length");
  if (all.length === 0) return undefined;
  // Repeated or list-valued Content-Length is allowed only when every value agrees (RFC 9110 §8.6).
  const parts = all.flatMap((v) => v.split(","));
  const first = trimOWS(parts[0]!);
  if (!/^\d{1,15}$/.test(first) || parts.some((p) => trimOWS(p) !== first)) {
    throw new LocalProtocolError(`invalid Content-Length header: ${JSON.stringify(all.join(", "))}`);
  }
  return Number(first);
}

function userChunked(headers: Headers): boolean {
  const te = headers.get("transfer-encoding");
  if (te === null) return false;
  if (trimOWS(te).toLowerCase() !== "chunked") {
    throw new LocalProtocolError(`unsupported Transfer-Encoding for a request body: ${JSON.stringify(te)}`);
  }
  return true;
}

export function chooseFraming(method: string, body: BodyLength, headers: Headers): Framing {
  const declared = userContentLength(headers);
  const chunked = userChunked(headers);
  if (declared !== undefined && chunked) {
    throw new LocalProtocolError("a request cannot carry both Content-Length and Transfer-Encoding");
  }
  if (chunked) return CHUNKED;
  switch (body.kind) {
    case "none":
      if (declared !== undefined && declared !== 0) {
        throw new LocalProtocolError(`Content-Length is ${declared} but the request has no body`);
      }
      return declared === 0 || BODY_METHODS.has(method) ? EMPTY : NO_FRAMING;
    case "known":
      if (declared !== undefined && declared !== body.length) {
        throw new LocalProtocolError(`Content-Length is ${declared} but the body has ${body.length} bytes`);
      }
      // Stryker disable next-line ConditionalExpression: EMPTY is this same framing, made once
      return body.length === 0 ? EMPTY : { kind: "length", length: body.length };
    case "unknown":
      // A caller who knows the length of a stream may say so; the connection checks it while sending.
      return declared !== undefined ? { kind: "length", length: declared } : CHUNKED;
  }
}

const CRLF = "\r\n";
export const LAST_CHUNK = "0\r\n\r\n";

/**
 * The size line for one chunk. An empty chunk would end the body early, so the
 * caller must skip empty pieces: this throws rather than frame one.
 */
export function chunkSizeLine(byteLength: number): string {
  if (byteLength === 0) throw new RangeError("an empty chunk would terminate a chunked body");
  return byteLength.toString(16) + CRLF;
}

export const CHUNK_END = CRLF;
