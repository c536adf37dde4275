/**
 * What went wrong in a TLS handshake, in words. Node's errors carry OpenSSL's
 * code (`CERT_HAS_EXPIRED`) and a terse message ("certificate has expired"); the
 * ConnectError we raise says which certificate, for which host, and what to check,
 * and keeps Node's error as its `cause`.
 */

/** Codes for "the certificate's issuer is not one we trust". */
const UNKNOWN_ISSUER = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "CERT_UNTRUSTED"]);

/** The server asked for a client certificate and we sent none (TLS 1.3 and 1.2 alerts). */
const CLIENT_CERT_REQUIRED = new Set(["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"]);

/** The server refused the client certificate we sent. */
const CLIENT_CERT_REFUSED = new Set([
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
  "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
]);

/** Bytes that were not TLS where a TLS record belonged: typically plain HTTP on the port. */
const NOT_TLS = new Set(["ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST", "ERR_SSL_RECORD_LAYER_FAILURE"]);

/**
 * The words for a TLS failure talking to `host` (`who` says whether that is the server or a
 * proxy), or undefined when `code` is not a TLS code we know.
 */
export function describeTlsError(code: string | undefined, host: string, who: "server" | "proxy" = "server"): string | undefined {
  if (code === undefined) return undefined;
  const cert = `the ${who}'s certificate`;
  if (code === "CERT_HAS_EXPIRED") return `${cert} for ${host} has expired`;
  if (code === "CERT_NOT_YET_VALID") return `${cert} for ${host} is not yet valid (check the clocks)`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `${cert} is not valid for the host name ${host}`;
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT") return `${cert} for ${host} is self-signed and not trusted (pass its CA in tls.ca, or verify: false)`;
  if (code === "SELF_SIGNED_CERT_IN_CHAIN") return `${cert} for ${host} chains to a self-signed root that is not trusted (pass it in tls.ca)`;
  if (UNKNOWN_ISSUER.has(code)) return `${cert} for ${host} was issued by an unknown authority (pass its CA in tls.ca or SSL_CERT_FILE)`;
  if (code === "CERT_REVOKED") return `${cert} for ${host} has been revoked`;
  if (CLIENT_CERT_REQUIRED.has(code)) return `the ${who} ${host} requires a client certificate (tls.cert and tls.key)`;
  if (CLIENT_CERT_REFUSED.has(code)) return `the ${who} ${host} refused our client certificate`;
  if (NOT_TLS.has(code)) return `the ${who} ${host} did not answer in TLS: is it plain HTTP on this port?`;
  if (code === "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" || code === "ERR_SSL_UNSUPPORTED_PROTOCOL") return `the ${who} ${host} and this client share no TLS version`;
  if (code.startsWith("ERR_SSL_")) return `the TLS handshake with ${host} failed`;
  return undefined;
}

/** Whether `code` is an alert about the client's certificate, which TLS 1.3 delivers after the handshake. */
export function isClientCertAlert(code: string | undefined): boolean {
  return code !== undefined && (CLIENT_CERT_REQUIRED.has(code) || CLIENT_CERT_REFUSED.has(code));
}
