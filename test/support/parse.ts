import { RemoteProtocolError } from "../../src/errors.js";
import { ResponseParser, type ResponseHead } from "../../src/http/parser.js";

/** Everything a parse produced, normalised so that different chunkings can be compared. */
export interface Outcome {
  head?: Omit<ResponseHead, "rawHeaders"> & { rawHeaders: string[] };
  body: string;
  trailers?: string[];
  ended: boolean;
  /** Bytes after the end of the response, across all chunks. */
  leftover: number;
  error?: string;
  /** The error's message without its byte offset (which depends on where the input was cut). */
  message?: string;
}

/**
 * Feeds `bytes` cut at `cuts` (sorted offsets) into a fresh parser, then signals
 * EOF if the response has not ended, exactly as a connection would.
 */
export function parse(bytes: Uint8Array, method = "GET", cuts: readonly number[] = [], maxHeaderSize?: number): Outcome {
  const out: Outcome = { body: "", ended: false, leftover: 0 };
  const parser = new ResponseParser(
    {
      onHead: (h) => (out.head = { ...h, rawHeaders: [...h.rawHeaders] }),
      onBody: (b) => (out.body += Buffer.from(b).toString("latin1")),
      onEnd: (t) => {
        out.ended = true;
        out.trailers = [...t];
      },
    },
    maxHeaderSize === undefined ? {} : { maxHeaderSize },
  );
  parser.expect(method);
  const edges = [0, ...cuts, bytes.length];
  try {
    for (let i = 0; i + 1 < edges.length; i++) {
      const chunk = bytes.subarray(edges[i], edges[i + 1]);
      if (chunk.length === 0) continue;
      if (parser.feed(chunk) === "done") {
        out.leftover = parser.leftover + (bytes.length - edges[i + 1]!);
        break;
      }
    }
    parser.finish();
  } catch (err) {
    if (!(err instanceof RemoteProtocolError)) throw err;
    out.error = err.code;
    out.message = err.message.replace(/ at byte \d+$/, "");
  } finally {
    parser.destroy();
  }
  return out;
}

export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}
