/**
 * One-shot functions: each call creates a Client, sends one request, reads the
 * body and closes the Client, so the connection is closed too. Convenient for a
 * script that makes one request; wasteful in a loop, where a shared Client
 * reuses connections (examples/lessons/01-one-shot-vs-client.ts shows the difference).
 */
import { CONNECTION_OPTIONS, HTTPTransport } from "../transport/http-transport.js";
import { checkOptions } from "../transport/options.js";
import type { Response } from "../transport/response.js";
import { type BodylessOptions, Client, type ClientOptions, REQUEST_OPTIONS, type RequestOptions, transportOptionsOf } from "./client.js";

export type OneShotOptions = RequestOptions & Omit<ClientOptions, "followRedirects">;

/**
 * A one-shot call closes what it created and nothing else: given a `transport` (or
 * `mounts`), it uses them and leaves them open, so the caller's next call still works.
 */
export async function request(method: string, url: string | URL, options: OneShotOptions = {}): Promise<Response> {
  checkOptions("one-shot request options", options, ONE_SHOT_OPTIONS);
  const { params, headers, content, json, form, timeout, signal, followRedirects, auth, ...clientOptions } = options;
  // With no transport given, the call makes its own from limits, verify, proxy... and closes it.
  // With one given, the Client is handed those options too and refuses the mix, as it always does.
  const forTransport = transportOptionsOf(clientOptions);
  if (clientOptions.transport === undefined) for (const name of Object.keys(forTransport)) delete (clientOptions as Record<string, unknown>)[name];
  const own = clientOptions.transport === undefined ? new HTTPTransport(forTransport) : undefined;
  const client = new Client({ ...clientOptions, transport: own ?? clientOptions.transport, timeout, auth });
  try {
    return await client.request(method, url, { params, headers, content, json, form, signal, followRedirects });
  } finally {
    await own?.close();
  }
}

const ONE_SHOT_OPTIONS: ReadonlySet<string> = new Set([
  ...REQUEST_OPTIONS,
  "baseURL",
  "limits",
  ...CONNECTION_OPTIONS,
  "maxRedirects",
  "eventHooks",
  "transport",
  "mounts",
  "maxResponseSize",
  "defaultEncoding",
  "cookieJar",
]);

/** The options of the one-shot functions without a body: `get()`, `head()`, `options()`, `del()`. */
export type OneShotBodylessOptions = Omit<OneShotOptions, "content" | "json" | "form"> & BodylessOptions;

export const get = (url: string | URL, options?: OneShotBodylessOptions): Promise<Response> => request("GET", url, options);
export const head = (url: string | URL, options?: OneShotBodylessOptions): Promise<Response> => request("HEAD", url, options);
export const options = (url: string | URL, opts?: OneShotBodylessOptions): Promise<Response> => request("OPTIONS", url, opts);
export const del = (url: string | URL, options?: OneShotBodylessOptions): Promise<Response> => request("DELETE", url, options);
export const post = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("POST", url, options);
export const put = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("PUT", url, options);
export const patch = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("PATCH", url, options);
