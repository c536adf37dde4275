/**
 * Bytes to text: the charset a response names (any label TextDecoder knows:
 * utf-8, latin1, windows-1252, utf-16le, shift_jis...), a byte order mark that
 * overrides it (as the WHATWG decode algorithm says), and decoding that streams:
 * a character split between two chunks comes out whole. Always with
 * `{ stream: true }`: Node 20's one-shot decode of windows-1252 turns 0x80-0x9F
 * into control characters, its streaming decode maps them right.
 */

/** The `charset` parameter of a Content-Type value, if any. */
export function charsetOf(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
}

const BOMS: [bytes: number[], encoding: string][] = [
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xff, 0xfe], "utf-16le"],
  [[0xfe, 0xff], "utf-16be"],
];

/** The label TextDecoder knows it by, or undefined for a label it does not know. */
export function knownEncoding(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

export class TextDecoding {
  /** The encoding in use (TextDecoder's name for it): the one asked for, until a BOM says otherwise. */
  encoding: string;
  private decoder: InstanceType<typeof TextDecoder> | undefined;
  /** The first bytes, held until there are enough to tell whether they are a BOM. */
  private head: Uint8Array | undefined;

  /** `label`: the encoding to use; an unknown one falls back to UTF-8, as browsers and httpx do. */
  constructor(label: string) {
    this.encoding = knownEncoding(label) ?? "utf-8";
  }

  decode(chunk: Uint8Array): string {
    if (this.decoder === undefined) {
      const head = this.head === undefined ? chunk : Buffer.concat([this.head, chunk]);
      if (head.length < 3 && BOMS.some(([b]) => b.slice(0, head.length).every((x, i) => head[i] === x))) {
        this.head = head; // could still be the start of a BOM
        return "";
      }
      this.head = undefined;
      this.start(head);
      return this.decoder!.decode(head, { stream: true });
    }
    return this.decoder.decode(chunk, { stream: true });
  }

  /** The end of the text: whatever a last incomplete character stands for (U+FFFD). */
  end(): string {
    if (this.decoder === undefined) {
      const head = this.head ?? new Uint8Array(0);
      this.head = undefined;
      this.start(head);
      return this.decoder!.decode(head);
    }
    return this.decoder.decode();
  }

  private start(head: Uint8Array): void {
    const bom = BOMS.find(([b]) => head.length >= b.length && b.every((x, i) => head[i] === x));
    if (bom !== undefined) this.encoding = bom[1];
    // TextDecoder drops a BOM of its own encoding (ignoreBOM false); without one it decodes as asked.
    this.decoder = new TextDecoder(this.encoding);
  }
}

/** Lines of a text stream, split on \n, \r\n and \r; a \r\n split between chunks is one line end. */
export async function* lines(texts: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = "";
  let afterCR = false;
  for await (let text of texts) {
    if (afterCR && text.startsWith("\n")) text = text.slice(1);
    afterCR = false;
    pending += text;
    for (;;) {
      const i = pending.search(/[\r\n]/);
      if (i < 0) break;
      const line = pending.slice(0, i);
      if (pending[i] === "\r") {
        if (i + 1 === pending.length) {
          afterCR = true; // a \n may open the next chunk
          pending = "";
        } else pending = pending.slice(pending[i + 1] === "\n" ? i + 2 : i + 1);
      } else pending = pending.slice(i + 1);
      yield line;
    }
  }
  if (pending !== "") yield pending;
}
