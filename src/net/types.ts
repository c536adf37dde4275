/**
 * The connection layer's public vocabulary: what a connection can be, why it
 * closed, how TLS is set up, and whom it reports to. Kept apart from the classes
 * so that the pool and the public API can name these without importing sockets.
 */

/**
 * A connection's life, as the connection itself sees it:
 *
 *   connecting ──► idle ◄──► active
 *        │          │          │
 *        └──────────┴──────────┴──► closed (final, with a CloseReason)
 *
 * "idle" means no request is in flight. The pool keeps every idle connection on its
 * idle lists, because a connection that is handed to a waiter is sent a request in
 * the same tick: outside the pool's own callbacks, "idle" and "on the idle lists"
 * are the same set.
 */
export type ConnectionState = "connecting" | "idle" | "active" | "closed";

export type CloseReason =
  | "server closed"
  | "expired"
  | "keep-alive limit"
  | "making room"
  | "pool closed"
  | "not reusable"
  | "unexpected data"
  | "aborted"
  | "timeout"
  | "upgraded"
  | "error";

export interface TlsOptions {
  /** CAs to trust besides Node's store (PEM). */
  ca?: string | Buffer | (string | Buffer)[];
  /** A client certificate and its key (PEM), for servers that ask for one (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Unlocks an encrypted `key`. */
  passphrase?: string;
  /** Default true; `verify: false` on the transport is the shorthand for false. */
  rejectUnauthorized?: boolean;
  /** The SNI name and the name checked against the certificate, when not the URL's host. */
  servername?: string;
  /** The lowest TLS version accepted: "TLSv1.2" (Node's default) or "TLSv1.3". */
  minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  /** OpenSSL cipher list, when Node's default will not do. */
  ciphers?: string;
}

/**
 * Who hears of a connection's changes of state (the pool). These three calls are
 * the only way a connection's state reaches its owner.
 */
export interface ConnectionOwner<C> {
  /** Connected (TCP, or the TLS handshake done): it can take its first request. */
  connectionReady(conn: C): void;
  /** Every response was read to the end and the connection can be reused. */
  connectionIdle(conn: C): void;
  /** Closed, for `conn.closeReason`; `error` is why, when it closed before it was ever ready. */
  connectionClosed(conn: C, error?: Error): void;
}
