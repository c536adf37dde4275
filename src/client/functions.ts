/**
 * One-shot functions: each call creates a Client, sends one request, reads the
 * body and closes the Client, so the connection is closed too. Convenient for a
 * script that makes one request; wasteful in a loop, where a shared Client
 * reuses connections (examples/one-shot-vs-client.ts shows the difference).
 */
import type { Response } from "../transport/response.js";
import { type BodylessOptions, Client, type ClientOptions, type RequestOptions } from "./client.js";

export type OneShotOptions = RequestOptions & Omit<ClientOptions, "followRedirects">;

export async function request(method: string, url: string | URL, options: OneShotOptions = {}): Promise<Response> {
  const { params, headers, content, json, form, timeout, signal, followRedirects, auth, ...clientOptions } = options;
  const client = new Client({ ...clientOptions, timeout, auth });
  try {
    return await client.request(method, url, { params, headers, content, json, form, signal, followRedirects });
  } finally {
    await client.close();
  }
}

type Bodyless = Omit<OneShotOptions, "content" | "json" | "form"> & BodylessOptions;

export const get = (url: string | URL, options?: Bodyless): Promise<Response> => request("GET", url, options);
export const head = (url: string | URL, options?: Bodyless): Promise<Response> => request("HEAD", url, options);
export const options = (url: string | URL, opts?: Bodyless): Promise<Response> => request("OPTIONS", url, opts);
export const del = (url: string | URL, options?: Bodyless): Promise<Response> => request("DELETE", url, options);
export const post = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("POST", url, options);
export const put = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("PUT", url, options);
export const patch = (url: string | URL, options?: OneShotOptions): Promise<Response> => request("PATCH", url, options);
