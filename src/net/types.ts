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
  | "error";

export interface TlsOptions {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
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
