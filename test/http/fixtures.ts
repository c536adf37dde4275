/**
 * Responses good and bad, each with what the parser must make of it. Every one is
 * fed whole, byte by byte, and cut at every offset (see parser.test.ts).
 */
export interface Fixture {
  name: string;
  raw: string;
  /** Method of the request this answers (HEAD responses have no body). */
  method?: string;
  maxHeaderSize?: number;
  expect: {
    status?: number;
    reason?: string;
    httpVersion?: "1.0" | "1.1";
    rawHeaders?: string[];
    keepAlive?: boolean;
    keepAliveTimeout?: number;
    body?: string;
    trailers?: string[];
    leftover?: number;
    /** A RemoteProtocolError code; the response must not be reported as ended. */
    error?: string;
  };
}

const CRLF = "\r\n";
const head = (status: string, ...headers: string[]): string => `HTTP/1.1 ${status}${CRLF}${headers.map((h) => h + CRLF).join("")}${CRLF}`;
const big = (n: number): string => "x".repeat(n);
const manyHeaders = (n: number): string[] => Array.from({ length: n }, (_, i) => `X-Header-${i}: value-${i}-${"v".repeat(i)}`);

export const fixtures: Fixture[] = [
  // --- well-formed responses
  { name: "content-length body", raw: head("200 OK", "Content-Length: 5") + "hello", expect: { status: 200, reason: "OK", httpVersion: "1.1", rawHeaders: ["Content-Length", "5"], keepAlive: true, body: "hello", leftover: 0 } },
  { name: "empty content-length body", raw: head("200 OK", "Content-Length: 0"), expect: { status: 200, body: "", keepAlive: true } },
  { name: "typical nginx response", raw: head("200 OK", "Server: nginx/1.22.1", "Date: Thu, 26 Nov 2026 20:00:00 GMT", "Content-Type: text/plain", "Content-Length: 13", "Connection: keep-alive") + "Hello, world!", expect: { status: 200, body: "Hello, world!", keepAlive: true, rawHeaders: ["Server", "nginx/1.22.1", "Date", "Thu, 26 Nov 2026 20:00:00 GMT", "Content-Type", "text/plain", "Content-Length", "13", "Connection", "keep-alive"] } },
  // Header text is cut from a window of the chunk (TEXT_WINDOW in src/http/llhttp.ts): spans
  // longer than it, and spans across its edges, must come out whole.
  {
    name: "head larger than the header text window",
    raw: head("200 OK", ...manyHeaders(40), `X-Long: ${big(1500)}`, "Content-Length: 2") + "ok",
    expect: { status: 200, body: "ok", rawHeaders: [...manyHeaders(40).flatMap((h) => h.split(": ")), "X-Long", big(1500), "Content-Length", "2"] },
  },
  { name: "header casing and order kept", raw: head("200 OK", "x-LOWER: a", "X-Dup: 1", "x-dup: 2", "Content-Length: 0"), expect: { rawHeaders: ["x-LOWER", "a", "X-Dup", "1", "x-dup", "2", "Content-Length", "0"] } },
  { name: "empty header values keep their place", raw: head("200 OK", "X-Empty:", "X-Spaces:   ", "Next: 1", "Content-Length: 0"), expect: { rawHeaders: ["X-Empty", "", "X-Spaces", "", "Next", "1", "Content-Length", "0"] } },
  { name: "whitespace around values is trimmed", raw: head("200 OK", "X-A:  padded  ", "Content-Length: 0"), expect: { rawHeaders: ["X-A", "padded", "Content-Length", "0"] } },
  { name: "reason phrase with spaces", raw: head("404 Not Found Here", "Content-Length: 0"), expect: { status: 404, reason: "Not Found Here" } },
  { name: "no reason phrase", raw: head("200", "Content-Length: 2") + "hi", expect: { status: 200, reason: "", body: "hi" } },
  { name: "chunked body", raw: head("200 OK", "Transfer-Encoding: chunked") + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", expect: { body: "hello world", keepAlive: true, trailers: [] } },
  { name: "chunk extensions are ignored", raw: head("200 OK", "Transfer-Encoding: chunked") + "5;a=b\r\nhello\r\n0;last\r\n\r\n", expect: { body: "hello" } },
  { name: "uppercase hex chunk size", raw: head("200 OK", "Transfer-Encoding: chunked") + "A\r\n0123456789\r\n0\r\n\r\n", expect: { body: "0123456789" } },
  { name: "chunked with trailers", raw: head("200 OK", "Transfer-Encoding: chunked") + "2\r\nhi\r\n0\r\nX-Checksum: abc\r\nX-Other:  2 \r\n\r\n", expect: { body: "hi", trailers: ["X-Checksum", "abc", "X-Other", "2"] } },
  { name: "chunked is case-insensitive", raw: head("200 OK", "Transfer-Encoding: Chunked") + "2\r\nhi\r\n0\r\n\r\n", expect: { body: "hi" } },
  { name: "binary body bytes pass through", raw: head("200 OK", "Content-Length: 4") + "\x00\xff\r\n", expect: { body: "\x00\xff\r\n" } },
  { name: "close-delimited body ends at EOF", raw: head("200 OK") + "until the end", expect: { body: "until the end", keepAlive: false } },
  { name: "HTTP/1.0 without keep-alive closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", expect: { httpVersion: "1.0", keepAlive: false, body: "hi" } },
  { name: "HTTP/1.0 with keep-alive stays open", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", expect: { httpVersion: "1.0", keepAlive: true } },
  { name: "Connection: close", raw: head("200 OK", "Connection: close", "Content-Length: 2") + "hi", expect: { keepAlive: false, body: "hi" } },
  { name: "Connection: CLOSE with trailing whitespace", raw: head("200 OK", "Connection: CLOSE   ", "Content-Length: 0"), expect: { keepAlive: false } },
  { name: "close inside a Connection list", raw: head("200 OK", "Connection: keep-alive, close", "Content-Length: 0"), expect: { keepAlive: false } },
  { name: "close in a second Connection header", raw: head("200 OK", "Connection: keep-alive", "Connection: close", "Content-Length: 0"), expect: { keepAlive: false } },
  { name: "Keep-Alive timeout hint", raw: head("200 OK", "Keep-Alive: timeout=5, max=100", "Content-Length: 0"), expect: { keepAlive: true, keepAliveTimeout: 5000 } },
  { name: "HEAD response with Content-Length has no body", method: "HEAD", raw: head("200 OK", "Content-Length: 100"), expect: { body: "", keepAlive: true, leftover: 0 } },
  { name: "HEAD response with chunked has no body", method: "HEAD", raw: head("200 OK", "Transfer-Encoding: chunked"), expect: { body: "", keepAlive: true } },
  { name: "HEAD response without length stays reusable", method: "HEAD", raw: head("200 OK"), expect: { body: "", keepAlive: true } },
  { name: "204 with Content-Length has no body", raw: head("204 No Content", "Content-Length: 10"), expect: { status: 204, body: "", keepAlive: true } },
  // The bytes after a bodiless response are the next response, however its head counts them.
  { name: "204 with Content-Length, then the next response", raw: head("204 No Content", "Content-Length: 10") + "HTTP/1.1 200 OK\r\n\r\n", expect: { status: 204, body: "", keepAlive: true, leftover: 19 } },
  // llhttp's own keep-alive verdict is not used for bodiless responses: ours must see the close.
  { name: "204 with Connection: close", raw: head("204 No Content", "Connection: close"), expect: { status: 204, body: "", keepAlive: false } },
  { name: "HEAD response with Connection: close", method: "HEAD", raw: head("200 OK", "Connection: close", "Content-Length: 100"), expect: { body: "", keepAlive: false } },
  { name: "304 with chunked has no body", raw: head("304 Not Modified", "Transfer-Encoding: chunked"), expect: { status: 304, body: "", keepAlive: true } },
  { name: "100 Continue then 200", raw: "HTTP/1.1 100 Continue\r\n\r\n" + head("200 OK", "Content-Length: 2") + "hi", expect: { status: 200, body: "hi" } },
  { name: "103 Early Hints then 200", raw: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + head("201 Created", "Content-Length: 0"), expect: { status: 201, rawHeaders: ["Content-Length", "0"] } },
  { name: "junk after a complete response is left over", raw: head("200 OK", "Content-Length: 2") + "hiJUNK", expect: { body: "hi", leftover: 4 } },
  { name: "a second, unsolicited response is left over", raw: head("200 OK", "Content-Length: 0") + head("200 OK", "Content-Length: 0"), expect: { body: "", leftover: 38 } },
  { name: "obs-text in a header value is decoded as latin1", raw: head("200 OK", "X-Latin: caf\xe9", "Content-Length: 0"), expect: { rawHeaders: ["X-Latin", "caf\xe9", "Content-Length", "0"] } },
  { name: "header section just under the limit", maxHeaderSize: 2048, raw: head("200 OK", `X-Big: ${big(1900)}`, "Content-Length: 0"), expect: { status: 200 } },

  // --- malformed responses
  { name: "request line from a server", raw: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", expect: { error: "HPE_INVALID_CONSTANT" } },
  { name: "HTTP/2.0 status line", raw: "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", expect: { error: "HPE_INVALID_VERSION" } },
  { name: "status code below 100", raw: "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", expect: { error: "HPE_INVALID_STATUS" } },
  { name: "status code not a number", raw: "HTTP/1.1 2x0 OK\r\n\r\n", expect: { error: "HPE_INVALID_STATUS" } },
  { name: "Content-Length and Transfer-Encoding together", raw: head("200 OK", "Content-Length: 5", "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n", expect: { error: "HPE_INVALID_TRANSFER_ENCODING" } },
  { name: "duplicate Content-Length, different values", raw: head("200 OK", "Content-Length: 5", "Content-Length: 6") + "hello!", expect: { error: "HPE_UNEXPECTED_CONTENT_LENGTH" } },
  { name: "duplicate Content-Length, same value", raw: head("200 OK", "Content-Length: 5", "Content-Length: 5") + "hello", expect: { error: "HPE_UNEXPECTED_CONTENT_LENGTH" } },
  { name: "negative Content-Length", raw: head("200 OK", "Content-Length: -5"), expect: { error: "HPE_INVALID_CONTENT_LENGTH" } },
  { name: "Content-Length with a sign", raw: head("200 OK", "Content-Length: +5") + "hello", expect: { error: "HPE_INVALID_CONTENT_LENGTH" } },
  { name: "Content-Length list", raw: head("200 OK", "Content-Length: 5, 5") + "hello", expect: { error: "HPE_INVALID_CONTENT_LENGTH" } },
  { name: "hex-prefixed chunk size", raw: head("200 OK", "Transfer-Encoding: chunked") + "0x5\r\nhello\r\n0\r\n\r\n", expect: { error: "HPE_INVALID_CHUNK_SIZE" } },
  { name: "non-hex chunk size", raw: head("200 OK", "Transfer-Encoding: chunked") + "zz\r\nhi\r\n0\r\n\r\n", expect: { error: "HPE_INVALID_CHUNK_SIZE" } },
  { name: "chunk size overflow", raw: head("200 OK", "Transfer-Encoding: chunked") + "ffffffffffffffffff\r\n", expect: { error: "HPE_INVALID_CHUNK_SIZE" } },
  { name: "missing CRLF after chunk data", raw: head("200 OK", "Transfer-Encoding: chunked") + "5\r\nhelloXX0\r\n\r\n", expect: { error: "HPE_STRICT" } },
  { name: "chunk data longer than its size", raw: head("200 OK", "Transfer-Encoding: chunked") + "2\r\nhello\r\n0\r\n\r\n", expect: { error: "HPE_STRICT" } },
  { name: "LF-only line endings", raw: "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", expect: { error: "HPE_CR_EXPECTED" } },
  { name: "bare CR in the status line", raw: "HTTP/1.1 200 OK\rContent-Length: 2\r\n\r\nhi", expect: { error: "HPE_STRICT" } },
  { name: "bare CR inside a header value", raw: head("200 OK", "X-A: a\rb", "Content-Length: 0"), expect: { error: "HPE_LF_EXPECTED" } },
  { name: "obs-fold continuation line", raw: head("200 OK", "X-Folded: a", " b", "Content-Length: 0"), expect: { error: "HPE_INVALID_HEADER_TOKEN" } },
  { name: "space before the colon", raw: head("200 OK", "Content-Length : 2") + "hi", expect: { error: "HPE_INVALID_HEADER_TOKEN" } },
  { name: "NUL in a header value", raw: head("200 OK", "X-A: a\x00b", "Content-Length: 0"), expect: { error: "HPE_INVALID_HEADER_TOKEN" } },
  { name: "unsupported transfer coding", raw: head("200 OK", "Transfer-Encoding: gzip") + "\x1f\x8b", expect: { error: "UNSUPPORTED_TRANSFER_ENCODING" } },
  { name: "chunked not the only coding", raw: head("200 OK", "Transfer-Encoding: gzip, chunked") + "0\r\n\r\n", expect: { error: "UNSUPPORTED_TRANSFER_ENCODING" } },
  // U+00A0 (a latin1 0xA0 byte) is not whitespace to HTTP (OWS is spaces and tabs): llhttp does not
  // see "chunked" in this value, so neither may we (String.prototype.trim() would have, and the body
  // would have been read two ways at once; found by FUZZ_RUNS=200000).
  { name: "chunked followed by a no-break space is not chunked", raw: head("200 OK", "Transfer-Encoding: chunked\xa0") + "1\r\na\r\n0\r\n\r\n", expect: { error: "UNSUPPORTED_TRANSFER_ENCODING" } },
  { name: "no-break spaces around a value are part of it; spaces and tabs are not", raw: head("200 OK", "X-A: \xa0v\xa0", "X-B: \t w \t", "Content-Length: 0"), expect: { rawHeaders: ["X-A", "\xa0v\xa0", "X-B", "w", "Content-Length", "0"] } },
  { name: "unsolicited 101", raw: head("101 Switching Protocols", "Upgrade: websocket", "Connection: upgrade"), expect: { error: "UNEXPECTED_UPGRADE" } },
  { name: "header section over the limit", maxHeaderSize: 2048, raw: head("200 OK", `X-Big: ${big(2100)}`, "Content-Length: 0"), expect: { error: "HEADERS_TOO_LARGE" } },
  { name: "many headers over the limit", maxHeaderSize: 1024, raw: head("200 OK", ...Array.from({ length: 200 }, (_, i) => `X-${i}: v`), "Content-Length: 0"), expect: { error: "HEADERS_TOO_LARGE" } },
  { name: "endless header line", maxHeaderSize: 1024, raw: "HTTP/1.1 200 OK\r\nX-Endless: " + big(5000), expect: { error: "HEADERS_TOO_LARGE" } },
  { name: "trailers over the limit", maxHeaderSize: 1024, raw: head("200 OK", "Transfer-Encoding: chunked") + "0\r\nX-T: " + big(2000) + "\r\n\r\n", expect: { error: "HEADERS_TOO_LARGE" } },
  { name: "EOF before any byte", raw: "", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF inside the status line", raw: "HTTP/1.1 20", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF inside the headers", raw: "HTTP/1.1 200 OK\r\nContent-Len", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF inside a Content-Length body", raw: head("200 OK", "Content-Length: 20") + "only ten b", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF inside a chunk", raw: head("200 OK", "Transfer-Encoding: chunked") + "a\r\nonly", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF before the last chunk", raw: head("200 OK", "Transfer-Encoding: chunked") + "2\r\nhi\r\n", expect: { error: "INCOMPLETE_RESPONSE" } },
  { name: "EOF inside the trailers", raw: head("200 OK", "Transfer-Encoding: chunked") + "0\r\nX-T: 1\r\n", expect: { error: "INCOMPLETE_RESPONSE" } },
];
