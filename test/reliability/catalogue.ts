/**
 * The catalogue of misbehaving servers. Each case is the exact bytes (and pauses,
 * closes, resets) a raw `net` server sends in answer to the first request on a
 * connection, and what wirepool must make of it. Any later request on any
 * connection gets a clean `200 fine`, so every case also checks that nothing a bad
 * server sent leaks into the next request.
 *
 * docs/reliability.md is generated from this file (`npm run docs:reliability`),
 * and a test keeps the two in step.
 */
import {
  ConnectError,
  ReadError,
  ReadTimeout,
  RemoteProtocolError,
  ResponseTooLarge,
  TransportError,
} from "../../src/errors.js";

/** What the server does, in order. The five words are actions; any other string or buffer is written (latin1). */
export type Step = string | Buffer | { wait: number } | "end" | "reset" | "destroy" | "stall" | "stop reading";

export interface Case {
  group: string;
  name: string;
  /** The server's answer to the first request of each connection. */
  script: Step[];
  /** Run the script as soon as the connection is accepted, before the request arrives. */
  atAccept?: boolean;
  /** The request: method, body, and the client's limits for this case. */
  request?: {
    method?: string;
    body?: Buffer;
    readTimeout?: number;
    maxResponseSize?: number;
    maxHeaderSize?: number;
  };
  /** Skip the one-byte-at-a-time variant (the case is about timing that dribbling would change). */
  wholeWritesOnly?: boolean;
  /** Send the next request as soon as the first one's response is read, not after a pause: on the same connection, if it is kept. */
  nextAtOnce?: boolean;
  expect:
    | { status: number; body?: string; reused: boolean }
    | { error: abstract new (...args: never[]) => Error; code?: string; phase?: string; anyReuse?: true; cause?: string; /** How the message begins. */ says?: string };
  /** One line for docs/reliability.md. */
  why: string;
}

const CRLF = "\r\n";
const head = (status: string, ...headers: string[]): string => `HTTP/1.1 ${status}${CRLF}${headers.map((h) => h + CRLF).join("")}${CRLF}`;
const ok = (body: string, ...headers: string[]): string => head("200 OK", `Content-Length: ${Buffer.byteLength(body)}`, ...headers) + body;
const chunked = (...headers: string[]): string => head("200 OK", "Transfer-Encoding: chunked", ...headers);
const x = (n: number): string => "x".repeat(n);

const protocol = (code: string, phase?: string) => ({ error: RemoteProtocolError, code, ...(phase ? { phase } : {}) });

export const catalogue: Case[] = [
  // --- framing
  { group: "framing", name: "Content-Length and Transfer-Encoding together", script: [head("200 OK", "Content-Length: 5", "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n"], expect: protocol("HPE_INVALID_TRANSFER_ENCODING", "read head"), why: "request smuggling vector (RFC 9112 §6.3): refused" },
  { group: "framing", name: "two different Content-Length values", script: [head("200 OK", "Content-Length: 5", "Content-Length: 7") + "hello!!"], expect: protocol("HPE_UNEXPECTED_CONTENT_LENGTH"), why: "the body length is ambiguous" },
  { group: "framing", name: "the same Content-Length twice", script: [head("200 OK", "Content-Length: 5", "Content-Length: 5") + "hello"], expect: protocol("HPE_UNEXPECTED_CONTENT_LENGTH"), why: "llhttp is strict; a correct server never sends it" },
  { group: "framing", name: "non-numeric Content-Length", script: [head("200 OK", "Content-Length: five") + "hello"], expect: protocol("HPE_INVALID_CONTENT_LENGTH"), why: "no length means no framing" },
  { group: "framing", name: "negative Content-Length", script: [head("200 OK", "Content-Length: -1")], expect: protocol("HPE_INVALID_CONTENT_LENGTH"), why: "no length means no framing" },
  { group: "framing", name: "non-hex chunk size", script: [chunked() + "zz\r\nhi\r\n0\r\n\r\n"], expect: protocol("HPE_INVALID_CHUNK_SIZE", "read body"), why: "chunk framing broken" },
  { group: "framing", name: "0x-prefixed chunk size", script: [chunked() + "0x5\r\nhello\r\n0\r\n\r\n"], expect: protocol("HPE_INVALID_CHUNK_SIZE"), why: "hex digits only (RFC 9112 §7.1)" },
  { group: "framing", name: "chunk size overflow", script: [chunked() + "fffffffffffffffffff\r\n"], expect: protocol("HPE_INVALID_CHUNK_SIZE"), why: "a size that cannot be represented" },
  { group: "framing", name: "chunk extensions", script: [chunked() + "5;name=value\r\nhello\r\n0;last\r\n\r\n"], expect: { status: 200, body: "hello", reused: true }, why: "extensions are legal and ignored" },
  { group: "framing", name: "control character in a chunk extension", script: [chunked() + "5;a=\x01\r\nhello\r\n0\r\n\r\n"], expect: protocol("HPE_STRICT"), why: "extensions must be tokens or quoted strings" },
  { group: "framing", name: "missing CRLF after chunk data", script: [chunked() + "5\r\nhelloXX0\r\n\r\n"], expect: protocol("HPE_STRICT"), why: "chunk longer than announced" },
  { group: "framing", name: "LF-only line endings", script: ["HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"], expect: protocol("HPE_CR_EXPECTED"), why: "strict CRLF; lenient parsing enables smuggling" },
  { group: "framing", name: "bare CR in a header value", script: [head("200 OK", "X-A: a\rb", "Content-Length: 0")], expect: protocol("HPE_LF_EXPECTED"), why: "bare CR is forbidden (RFC 9112 §2.2)" },
  { group: "framing", name: "obs-fold continuation line", script: [head("200 OK", "X-Folded: a", " b", "Content-Length: 0")], expect: protocol("HPE_INVALID_HEADER_TOKEN"), why: "obsolete line folding is rejected, as RFC 9112 §5.2 allows" },
  { group: "framing", name: "space before the colon", script: [head("200 OK", "Content-Length : 2") + "hi"], expect: protocol("HPE_INVALID_HEADER_TOKEN"), why: "RFC 9112 §5.1 requires rejecting it" },
  { group: "framing", name: "unsupported transfer coding", script: [head("200 OK", "Transfer-Encoding: gzip") + "\x1f\x8b\x08"], expect: protocol("UNSUPPORTED_TRANSFER_ENCODING"), why: "coded bytes would be handed over as if they were the body" },
  { group: "framing", name: "more body than Content-Length", script: [ok("hello") + "EXTRA BYTES"], expect: { status: 200, body: "hello", reused: false }, why: "the response is right; the extra bytes poison the connection, which is closed" },
  { group: "framing", name: "chunked body with trailers", script: [chunked() + "5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n"], expect: { status: 200, body: "hello", reused: true }, why: "trailers are parsed and the connection kept" },
  { group: "framing", name: "garbage instead of a status line", script: ["SSH-2.0-OpenSSH_9.2\r\n"], expect: protocol("HPE_INVALID_CONSTANT", "read head"), why: "not HTTP at all" },
  { group: "framing", name: "a request line from the server", script: ["GET / HTTP/1.1\r\nHost: x\r\n\r\n"], expect: protocol("HPE_INVALID_CONSTANT"), why: "a response-only parser (llhttp-wasm's RESPONSE type bug avoided)" },
  { group: "framing", name: "HTTP/2.0 status line", script: ["HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"], expect: protocol("HPE_INVALID_VERSION"), why: "only HTTP/1.0 and 1.1 are spoken here" },
  { group: "framing", name: "three-digit status out of range", script: ["HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n"], expect: protocol("HPE_INVALID_STATUS"), why: "status codes are 100-599" },

  // --- premature close and reset, at every phase
  { group: "close and reset", name: "close before the status line", script: ["end"], expect: { ...protocol("INCOMPLETE_RESPONSE", "read head"), says: "INCOMPLETE_RESPONSE: the server closed the connection before sending a response" }, why: "on a new connection nothing is retried: the server may have acted" },
  { group: "close and reset", name: "reset before the status line", script: ["reset"], expect: { error: ReadError, phase: "read head", cause: "ECONNRESET", says: "read failed: read ECONNRESET" }, why: "ECONNRESET kept as the cause" },
  { group: "close and reset", name: "close inside the status line", script: ["HTTP/1.1 20", "end"], expect: protocol("INCOMPLETE_RESPONSE", "read head"), why: "a cut head is an error" },
  { group: "close and reset", name: "close inside the headers", script: ["HTTP/1.1 200 OK\r\nContent-Le", "end"], expect: protocol("INCOMPLETE_RESPONSE", "read head"), why: "a cut head is an error" },
  { group: "close and reset", name: "reset inside the headers", script: ["HTTP/1.1 200 OK\r\nContent-Le", { wait: 20 }, "reset"], expect: { error: ReadError, cause: "ECONNRESET" }, why: "ECONNRESET kept as the cause" },
  { group: "close and reset", name: "close inside a Content-Length body", script: [head("200 OK", "Content-Length: 100") + "only part", "end"], expect: { ...protocol("INCOMPLETE_RESPONSE", "read body"), says: "INCOMPLETE_RESPONSE: the server closed the connection after 9 of 100 body bytes" }, why: "a body cut short is an error, never a short success" },
  { group: "close and reset", name: "reset inside a Content-Length body", script: [head("200 OK", "Content-Length: 100") + "only part", { wait: 20 }, "reset"], expect: { error: ReadError, phase: "read body", cause: "ECONNRESET", says: "read failed: read ECONNRESET" }, why: "a body cut short is an error" },
  { group: "close and reset", name: "close inside a chunk", script: [chunked() + "a\r\nonly", "end"], expect: { ...protocol("INCOMPLETE_RESPONSE", "read body"), says: "INCOMPLETE_RESPONSE: the server closed the connection before the end of the chunked body, after 4 body bytes" }, why: "a body cut short is an error" },
  { group: "close and reset", name: "close between chunks", script: [chunked() + "2\r\nhi\r\n", "end"], expect: protocol("INCOMPLETE_RESPONSE", "read body"), why: "no last chunk, no complete body" },
  { group: "close and reset", name: "close inside the trailers", script: [chunked() + "0\r\nX-T: 1\r\n", "end"], expect: protocol("INCOMPLETE_RESPONSE", "read body"), why: "the message did not end" },
  { group: "close and reset", name: "close-delimited body ends at EOF", script: [head("200 OK") + "until the end", "end"], expect: { status: 200, body: "until the end", reused: false }, why: "the only framing where EOF is the end (RFC 9112 §6.3 rule 8)" },
  { group: "close and reset", name: "close-delimited body cut by a reset", script: [head("200 OK") + "until the", { wait: 20 }, "reset"], expect: { error: ReadError, phase: "read body", cause: "ECONNRESET" }, why: "a reset is not an end" },
  { group: "close and reset", name: "socket destroyed as soon as it is accepted", script: ["destroy"], atAccept: true, expect: { error: TransportError }, why: "whichever of write or read notices first, a typed transport error" },

  // --- the server answers before the request body is in
  { group: "early response", name: "413 with Connection: close during a large upload", request: { method: "POST", body: Buffer.alloc(8 * 1024 * 1024, "u") }, script: [head("413 Content Too Large", "Connection: close", "Content-Length: 8") + "too big!", "end"], expect: { status: 413, body: "too big!", reused: false }, why: "the caller gets the 413, not a write error" },
  { group: "early response", name: "200 before the request body was read", request: { method: "POST", body: Buffer.alloc(32 * 1024 * 1024, "u") }, script: ["stop reading", ok("early")], expect: { status: 200, body: "early", reused: false }, why: "the answer is returned; the half-sent connection is never reused" },

  // --- timeouts
  { group: "timeouts", name: "no response at all", request: { readTimeout: 200 }, script: ["stall"], expect: { error: ReadTimeout, phase: "read head", says: "no data from the server for 200 ms" }, why: "ReadTimeout, connection closed" },
  { group: "timeouts", name: "headers dribbled slowly but steadily", request: { readTimeout: 300 }, wholeWritesOnly: true, script: [..."HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".split("").flatMap((c) => [c, { wait: 5 }])], expect: { status: 200, body: "hi", reused: true }, why: "the read timeout is per read, not per response" },
  { group: "timeouts", name: "body stalls after the head", request: { readTimeout: 200 }, script: [head("200 OK", "Content-Length: 10") + "12345", "stall"], expect: { error: ReadTimeout, phase: "read body", says: "no data from the server for 200 ms" }, why: "ReadTimeout in the body phase" },
  { group: "timeouts", name: "slow but steady body", request: { readTimeout: 300 }, wholeWritesOnly: true, script: [chunked(), ...Array.from({ length: 8 }, () => ["1\r\na\r\n", { wait: 60 }] as Step[]).flat(), "0\r\n\r\n"], expect: { status: 200, body: "aaaaaaaa", reused: true }, why: "total time above the timeout is fine while bytes keep coming" },

  // --- limits
  { group: "limits", name: "endless header line", request: { maxHeaderSize: 4096 }, script: ["HTTP/1.1 200 OK\r\nX-Endless: " + x(8000), "stall"], expect: protocol("HEADERS_TOO_LARGE", "read head"), why: "stopped at the limit, not buffered" },
  { group: "limits", name: "huge number of headers", request: { maxHeaderSize: 4096 }, script: [head("200 OK", ...Array.from({ length: 2000 }, (_, i) => `X-${i}: v`), "Content-Length: 0")], expect: protocol("HEADERS_TOO_LARGE"), why: "the limit counts the whole head" },
  { group: "limits", name: "endless status line", request: { maxHeaderSize: 4096 }, script: ["HTTP/1.1 200 " + x(8000), "stall"], expect: protocol("HEADERS_TOO_LARGE"), why: "the status line counts too" },
  { group: "limits", name: "endless trailers", request: { maxHeaderSize: 4096 }, script: [chunked() + "0\r\n" + Array.from({ length: 600 }, (_, i) => `X-T${i}: ${x(10)}\r\n`).join(""), "stall"], expect: protocol("HEADERS_TOO_LARGE", "read body"), why: "trailers have the same limit" },
  { group: "limits", name: "body above maxResponseSize", request: { maxResponseSize: 1000 }, script: [head("200 OK", "Content-Length: 5000") + x(5000)], expect: { error: ResponseTooLarge, anyReuse: true }, why: "buffered bodies are bounded (a body that already arrived whole leaves its connection reusable)" },
  { group: "limits", name: "default 16 KiB head limit", script: [head("200 OK", `X-Big: ${x(17000)}`, "Content-Length: 0")], expect: protocol("HEADERS_TOO_LARGE"), why: "like Node's default" },

  // --- responses without a body
  { group: "no body", name: "100 Continue, then 200", script: ["HTTP/1.1 100 Continue\r\n\r\n" + ok("after")], expect: { status: 200, body: "after", reused: true }, why: "1xx responses are skipped" },
  { group: "no body", name: "103 Early Hints, then 200", script: ["HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + ok("after")], expect: { status: 200, body: "after", reused: true }, why: "1xx responses are skipped" },
  { group: "no body", name: "unsolicited 101 Switching Protocols", script: [head("101 Switching Protocols", "Upgrade: websocket", "Connection: upgrade")], expect: protocol("UNEXPECTED_UPGRADE"), why: "we never asked to switch" },
  { group: "no body", name: "HEAD answered with Content-Length", request: { method: "HEAD" }, script: [head("200 OK", "Content-Length: 1000")], expect: { status: 200, body: "", reused: true }, why: "HEAD responses have no body whatever the headers say" },
  { group: "no body", name: "HEAD answered with chunked", request: { method: "HEAD" }, script: [chunked()], expect: { status: 200, body: "", reused: true }, why: "no body, connection kept" },
  { group: "no body", name: "HEAD answered with no length at all", request: { method: "HEAD" }, script: [head("200 OK")], expect: { status: 200, body: "", reused: true }, why: "not mistaken for a body that runs to EOF" },
  { group: "no body", name: "304 without a length", script: [head("304 Not Modified", "ETag: \"v1\"")], expect: { status: 304, body: "", reused: true }, why: "not mistaken for a body that runs to EOF" },
  { group: "no body", name: "204 with Content-Length", script: [head("204 No Content", "Content-Length: 10")], expect: { status: 204, body: "", reused: true }, why: "204 never has a body" },
  { group: "no body", name: "304 with Content-Length", script: [head("304 Not Modified", "Content-Length: 10")], expect: { status: 304, body: "", reused: true }, why: "304 never has a body" },
  { group: "no body", name: "204 followed by body bytes anyway", script: [head("204 No Content", "Content-Length: 5") + "hello"], expect: { status: 204, body: "", reused: false }, why: "the stray bytes are not the next response: connection closed" },

  // --- junk and unsolicited data
  { group: "junk", name: "junk on an idle connection", script: [ok("first"), { wait: 30 }, "JUNK"], expect: { status: 200, body: "first", reused: false }, why: "bytes while idle close the connection; the next request never sees them" },
  { group: "junk", name: "unsolicited response on an idle connection", script: [ok("first"), { wait: 30 }, ok("unsolicited")], expect: { status: 200, body: "first", reused: false }, why: "never read as the answer to a later request" },
  { group: "junk", name: "second response in the same packet", script: [ok("first") + ok("second")], expect: { status: 200, body: "first", reused: false }, why: "leftover bytes after a response poison the connection" },
  { group: "junk", name: "junk dribbled after a complete response, the next request at once", script: [ok("first"), "11111\r\n"], nextAtOnce: true, expect: { status: 200, body: "first", reused: false }, why: "bytes that are not a response, arriving after the next request went out on the connection: it was stale, and the GET is retried on a new one" },
  { group: "junk", name: "a second response dribbled after a complete one, the next request at once", script: [ok("first"), ok("poison", "X-Poison: yes")], nextAtOnce: true, expect: { status: 200, body: "first", reused: false }, why: "the poisoned response never answers the next request: bytes while idle, or mixed with the real answer, or as the answer to nothing, each end the connection" },
  { group: "junk", name: "FIN on an idle connection", script: [ok("first"), { wait: 30 }, "end"], expect: { status: 200, body: "first", reused: false }, why: "the next request opens a new connection without an error" },

  // --- Connection: close variants
  { group: "connection", name: "Connection: close, then the server closes", script: [ok("bye", "Connection: close"), "end"], expect: { status: 200, body: "bye", reused: false }, why: "not reused" },
  { group: "connection", name: "Connection: close, server keeps the socket open", script: [ok("bye", "Connection: close")], expect: { status: 200, body: "bye", reused: false }, why: "we close it ourselves" },
  { group: "connection", name: "Connection: keep-alive, close", script: [ok("bye", "Connection: keep-alive, close")], expect: { status: 200, body: "bye", reused: false }, why: "close anywhere in the list wins" },
  { group: "connection", name: "Connection: CLOSE in capitals with spaces", script: [ok("bye", "Connection:   CLOSE  ")], expect: { status: 200, body: "bye", reused: false }, why: "tokens are case-insensitive, whitespace trimmed" },
  { group: "connection", name: "HTTP/1.0 without keep-alive, body to EOF", script: ["HTTP/1.0 200 OK\r\n\r\nold", "end"], expect: { status: 200, body: "old", reused: false }, why: "HTTP/1.0 closes by default" },
  { group: "connection", name: "HTTP/1.0 with keep-alive and a length", script: ["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nold"], expect: { status: 200, body: "old", reused: true }, why: "explicit keep-alive is honoured" },
  { group: "connection", name: "Keep-Alive: timeout=1", script: [ok("short", "Keep-Alive: timeout=1")], expect: { status: 200, body: "short", reused: false }, why: "1 s minus our 1 s margin leaves nothing: not reused" },
];

/** Error classes referenced by the catalogue, for the generated docs. */
export const errorNames = new Map<unknown, string>([
  [RemoteProtocolError, "RemoteProtocolError"],
  [ReadError, "ReadError"],
  [ReadTimeout, "ReadTimeout"],
  [ResponseTooLarge, "ResponseTooLarge"],
  [TransportError, "TransportError"],
  [ConnectError, "ConnectError"],
]);
