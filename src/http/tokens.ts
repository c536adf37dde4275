/**
 * Character rules from RFC 9110, as lookup tables: one array index per byte is
 * faster than a regular expression on the short strings headers are made of.
 */

const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TOKEN[c.charCodeAt(0)] = 1;
}

/** field-value: HTAB, SP, VCHAR and obs-text. Everything else (CR, LF, NUL, other controls) is out. */
const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0xff; c++) FIELD_VALUE[c] = c === 0x7f ? 0 : 1;

/** request-target: printable latin1, no space. Anything else would break the request line. */
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0xff; c++) TARGET[c] = c === 0x7f ? 0 : 1;

function allIn(table: Uint8Array, s: string): boolean {
  // Stryker disable next-line EqualityOperator: charCodeAt past the end is NaN, which no table entry rejects
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Characters above U+00FF have no latin1 byte: they are invalid everywhere on the wire.
    if (c > 0xff || table[c] === 0) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  return s.length > 0 && allIn(TOKEN, s);
}

export function isFieldValue(s: string): boolean {
  return allIn(FIELD_VALUE, s);
}

export function isRequestTarget(s: string): boolean {
  return s.length > 0 && allIn(TARGET, s);
}

/**
 * `s` without the optional whitespace HTTP allows around a field value or a list element: spaces
 * and tabs only (OWS, RFC 9110 §5.6.3). Not String.prototype.trim(), which also strips U+00A0 and
 * the other Unicode spaces: a response saying `Transfer-Encoding: chunked\xA0` is not chunked to
 * llhttp, and must not be to us (the fuzzer found this disagreement, docs/testing.md).
 */
export function trimOWS(s: string): string {
  let start = 0;
  let end = s.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: past the end charCodeAt is NaN, no space, so the loop stops there anyway
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: an end before the start still slices to the empty string, as all-space input must
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  // Stryker disable next-line ConditionalExpression: a fast path: slicing the whole string gives the same string
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
