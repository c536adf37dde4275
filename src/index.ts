/**
 * wirepool: an HTTP/1.1 client for Node.js built from raw sockets.
 *
 *   Client ─owns─► Transport ─owns─► ConnectionPool ─owns─► Connection ─owns─► socket + parser
 *
 * See docs/architecture.md for the layers and docs/pooling.md for the pool.
 */
export { Client, type BodylessOptions, type ClientOptions, type EventHooks, type RequestOptions, type UpgradeOptions, type Upgraded, type CookieJar } from "./client/client.js";
export { del, del as delete, get, head, options, patch, post, put, request, type OneShotBodylessOptions, type OneShotOptions } from "./client/functions.js";
export type { Auth } from "./client/auth.js";
export type { TimeoutInit } from "./transport/timeouts.js";
export { HTTPTransport, type HTTPTransportOptions } from "./transport/http-transport.js";
export { MockTransport, type MockHandler } from "./transport/mock-transport.js";
export type { Transport } from "./transport/transport.js";
export { Request, type Content, type FormFields, type QueryParams, type QueryValue, type RequestExtensions, type RequestInit } from "./transport/request.js";
export { Response, type ResponseInit } from "./transport/response.js";
export { Headers, type HeadersInit } from "./http/headers.js";
export type { Limits, LimitsInit } from "./pool/limits.js";
export type { PoolStats, OriginStats, Timeouts } from "./pool/types.js";
export type { PoolEvent, PoolEventType, PoolListener } from "./pool/events.js";
export type { TlsOptions, CloseReason } from "./net/types.js";
export type { ProxyInit } from "./net/proxy.js";
export * from "./errors.js";
export { VERSION } from "./version.js";
