/**
 * describeTlsError (src/net/tls-errors.ts) code by code. test/net/https.test.ts meets the common
 * ones from real handshakes (expired, wrong name, self-signed, unknown CA, client certificates,
 * plain HTTP on a TLS port); this pins the words for every code the table knows, so a code
 * dropped from a list or a message emptied is seen.
 */
import { describe, expect, it } from "vitest";
import { describeTlsError, isClientCertAlert } from "../../src/net/tls-errors.js";

const H = "example.test";

describe("describeTlsError", () => {
  it("names the certificate's fault for the host", () => {
    const cases: [string, string][] = [
      ["CERT_HAS_EXPIRED", `the server's certificate for ${H} has expired`],
      ["CERT_NOT_YET_VALID", `the server's certificate for ${H} is not yet valid (check the clocks)`],
      ["ERR_TLS_CERT_ALTNAME_INVALID", `the server's certificate is not valid for the host name ${H}`],
      ["DEPTH_ZERO_SELF_SIGNED_CERT", `the server's certificate for ${H} is self-signed and not trusted (pass its CA in tls.ca, or verify: false)`],
      ["SELF_SIGNED_CERT_IN_CHAIN", `the server's certificate for ${H} chains to a self-signed root that is not trusted (pass it in tls.ca)`],
      ["CERT_REVOKED", `the server's certificate for ${H} has been revoked`],
    ];
    for (const [code, words] of cases) expect(describeTlsError(code, H), code).toBe(words);
    for (const code of ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT", "CERT_UNTRUSTED"]) {
      expect(describeTlsError(code, H), code).toBe(`the server's certificate for ${H} was issued by an unknown authority (pass its CA in tls.ca or SSL_CERT_FILE)`);
    }
    expect(describeTlsError("CERT_HAS_EXPIRED", "p.test", "proxy")).toBe("the proxy's certificate for p.test has expired");
  });

  it("tells client-certificate alerts, plain HTTP and version mismatches apart, and knows them as client-certificate alerts or not", () => {
    for (const code of ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"]) {
      expect(describeTlsError(code, H), code).toBe(`the server ${H} requires a client certificate (tls.cert and tls.key)`);
      expect(isClientCertAlert(code), code).toBe(true);
    }
    for (const code of ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN", "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR", "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED"]) {
      expect(describeTlsError(code, H), code).toBe(`the server ${H} refused our client certificate`);
      expect(isClientCertAlert(code), code).toBe(true);
    }
    for (const code of ["ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST", "ERR_SSL_RECORD_LAYER_FAILURE"]) {
      expect(describeTlsError(code, H, "proxy"), code).toBe(`the proxy ${H} did not answer in TLS: is it plain HTTP on this port?`);
      expect(isClientCertAlert(code), code).toBe(false);
    }
    for (const code of ["ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", "ERR_SSL_UNSUPPORTED_PROTOCOL"]) {
      expect(describeTlsError(code, H), code).toBe(`the server ${H} and this client share no TLS version`);
    }
    expect(describeTlsError("ERR_SSL_SOMETHING_NEW", H)).toBe(`the TLS handshake with ${H} failed`);
    expect(describeTlsError("XERR_SSL_", H)).toBeUndefined();
    expect(describeTlsError("ECONNRESET", H)).toBeUndefined();
    expect(describeTlsError(undefined, H)).toBeUndefined();
    expect(isClientCertAlert(undefined)).toBe(false);
    expect(isClientCertAlert("CERT_HAS_EXPIRED")).toBe(false);
  });
});
