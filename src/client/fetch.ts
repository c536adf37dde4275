/**
 * `client.fetch()`: the WHATWG fetch signature over the Client's pool, for code and
 * libraries that take a `fetch` (ky, openai, octokit...). Node's own Request,
 * Response and Headers classes go in and come out; what happens in between is the
 * Client's: its base URL, default headers, pool, limits, timeouts and events.
 *
 *   input, init ──► a global Request (fetch's own rules: methods, bodies of every kind,
 *                   FormData as multipart, GET with a body refused...)
 *               ──► a wirepool Request (known-length bodies as bytes, streams streamed)
 *               ──► client.send(..., { stream: true }), redirects as init.redirect says
 *               ──► a global Response whose body streams from the socket; reading it to
 *                   the end (or cancelling it) gives the connection back
 *
 * Failures reject with a TypeError, as fetch must, whose message says what happened and
 * where ("fetch failed: connect ECONNREFUSED ... (GET http://..., during connect)") and
 * whose `cause` is the wirepool error. An aborted signal rejects with the signal's reason.
 */
import { AbortError } from "../errors.js";
import type { Response as WirepoolResponse } from "../transport/response.js";
import type { Client } from "./client.js";

/** Statuses whose Response must have a null body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export type FetchInput = string | URL | globalThis.Request;

export async function clientFetch(client: Client, input: FetchInput, init?: RequestInit): Promise<globalThis.Response> {
  const signal = init?.signal ?? (input instanceof globalThis.Request ? input.signal : undefined) ?? undefined;
  if (signal?.aborted) throw signal.reason;
  let wire: globalThis.Request;
  try {
    // A relative URL is the Client's base URL's, as with every other method.
    const target = typeof input === "string" && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(input) && client.baseURL !== undefined ? client.buildRequest("GET", input).url : input;
    wire = new globalThis.Request(target, init);
  } catch (err) {
    throw err instanceof TypeError ? err : failed(err);
  }
  const redirect = init?.redirect ?? (input instanceof globalThis.Request ? input.redirect : "follow");
  const headers: [string, string][] = [];
  wire.headers.forEach((value, name) => headers.push([name, value]));
  let response: WirepoolResponse;
  try {
    // A body given as a stream is streamed; any other kind has a length, and goes as bytes with it.
    const streamed = init?.body instanceof ReadableStream;
    const content = wire.body === null ? undefined : streamed ? wire.body : new Uint8Array(await wire.arrayBuffer());
    const request = client.buildRequest(wire.method, wire.url, { headers, content, signal: signal ?? undefined });
    response = await client.send(request, { stream: true, followRedirects: redirect === "follow" });
  } catch (err) {
    if (signal?.aborted && (err instanceof AbortError || (err as Error).name === "AbortError")) throw signal.reason;
    throw failed(err);
  }
  if (redirect === "error" && response.isRedirect) {
    await response.close();
    throw new TypeError(`fetch failed: redirect mode is "error" and ${wire.method} ${wire.url} answered ${response.status} ${response.reasonPhrase}`);
  }
  return toFetchResponse(response, wire.method, signal ?? undefined);
}

/** fetch's TypeError, saying what happened instead of a bare "fetch failed", with the wirepool error as its cause. */
function failed(err: unknown): TypeError {
  return new TypeError(`fetch failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function toFetchResponse(response: WirepoolResponse, method: string, signal: AbortSignal | undefined): globalThis.Response {
  const headers = new globalThis.Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  const bodyless = method === "HEAD" || NULL_BODY.has(response.status);
  let body: ReadableStream<Uint8Array> | null = null;
  if (bodyless) void response.close();
  else {
    const chunks = response[Symbol.asyncIterator]();
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          controller.error(signal?.aborted ? signal.reason : failed(err));
        }
      },
      async cancel() {
        await chunks.return?.();
      },
    });
  }
  const out = new globalThis.Response(body, { status: response.status, statusText: response.reasonPhrase, headers });
  // `url` and `redirected` are fetch's own to set; shadowed on the instance so callers see the truth.
  const url = response.url?.href ?? "";
  Object.defineProperty(out, "url", { value: url, enumerable: true });
  Object.defineProperty(out, "redirected", { value: response.history.length > 0, enumerable: true });
  return out;
}
