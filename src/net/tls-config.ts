/**
 * TlsConfig: one transport's TLS settings, made ready once and shared by all its
 * connections: one secure context (the trusted CAs, a client certificate), whether
 * to verify, and the TLS sessions to resume.
 *
 * Why one context: `tls.connect({ ca })` builds a new context per connection, and a
 * context that adds CAs to Node's store must load all of the store's ~150 roots: a
 * millisecond or more each time. Made once, the context is reused by every handshake.
 *
 * Why sessions: the second connection to an origin resumes the first one's TLS session
 * (an abbreviated handshake: no certificate sent and checked again), as browsers and
 * Node's https.Agent do. Sessions are kept per origin key, the latest one each, for a
 * bounded number of origins.
 */
import type tlsModule from "node:tls";
import { createRequire } from "node:module";
import type { TlsOptions } from "./types.js";

const require = createRequire(import.meta.url);
// Stryker disable next-line ArrayDeclaration: OpenSSL skips a CA string that is not PEM, so a stray entry changes no trust
const NO_CA: readonly string[] = [];
let tls: typeof tlsModule | undefined;
/** node:tls (with the crypto it pulls in) costs milliseconds to import: loaded by the first TLS connection. */
export const loadTls = (): typeof tlsModule => (tls ??= require("node:tls") as typeof tlsModule);

/** Sessions kept for this many origins; the oldest remembered goes first. */
const MAX_SESSIONS = 256;

/**
 * Contexts for transports with no TLS options of their own, by the extra CAs they add:
 * shared, so that one-shot calls (a transport each) do not load the CA store each time.
 */
const shared = new WeakMap<readonly string[], tlsModule.SecureContext>();

export class TlsConfig {
  private context: tlsModule.SecureContext | undefined;
  private readonly sessions = new Map<string, Buffer>();

  constructor(
    private readonly options: TlsOptions,
    /** Check the server's certificate and name (httpx's `verify`). */
    readonly verify: boolean,
    /** More CAs to trust besides Node's store and `options.ca` (PEM: SSL_CERT_FILE / SSL_CERT_DIR), read when first needed. */
    private readonly extraCA: () => readonly string[] = () => NO_CA,
  ) {}

  /**
   * Options for `tls.connect()` to `host` (SNI only for a name, never an IP literal:
   * RFC 6066 §3), resuming the session last seen under `sessionKey`.
   */
  connectOptions(host: string, isIP: boolean, sessionKey: string): tlsModule.ConnectionOptions {
    const o = this.options;
    return {
      secureContext: (this.context ??= this.makeContext()),
      servername: o.servername ?? (isIP ? undefined : host),
      ALPNProtocols: ["http/1.1"],
      rejectUnauthorized: this.verify && o.rejectUnauthorized !== false,
      session: this.sessions.get(sessionKey),
    };
  }

  /** Whether handshakes present a client certificate (tls.cert). */
  get clientCertificate(): boolean {
    return this.options.cert !== undefined;
  }

  /** Keeps the sessions `socket` is given (TLS 1.3 sends them after the handshake) for the next connection. */
  remember(socket: tlsModule.TLSSocket, sessionKey: string): void {
    socket.on("session", (session: Buffer) => {
      this.sessions.delete(sessionKey);
      this.sessions.set(sessionKey, session);
      if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    });
  }

  private makeContext(): tlsModule.SecureContext {
    const o = this.options;
    const env = this.extraCA();
    const plain = o.ca === undefined && o.cert === undefined && o.key === undefined && o.ciphers === undefined && o.minVersion === undefined;
    if (!plain) return this.newContext(env);
    let context = shared.get(env);
    if (context === undefined) shared.set(env, (context = this.newContext(env)));
    return context;
  }

  private newContext(env: readonly string[]): tlsModule.SecureContext {
    const t = loadTls();
    const o = this.options;
    const given = o.ca === undefined ? [] : Array.isArray(o.ca) ? o.ca : [o.ca];
    const extra = [...given, ...env];
    return t.createSecureContext({
      // A CA list replaces Node's store: extra CAs are added to it, not put in its place.
      ca: extra.length === 0 ? undefined : [...t.rootCertificates, ...extra],
      cert: o.cert,
      key: o.key,
      passphrase: o.passphrase,
      ciphers: o.ciphers,
      minVersion: o.minVersion,
    });
  }
}
