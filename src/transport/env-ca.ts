/**
 * SSL_CERT_FILE and SSL_CERT_DIR: more CAs to trust, named by the environment as
 * OpenSSL, curl and httpx read them (Node itself ignores them unless started with
 * --use-openssl-ca). Read when the first TLS connection needs them, not when the
 * transport is made, and once per process per path: a certificate directory can
 * hold hundreds of files, and one-shot calls make a transport each.
 */
import type fsModule from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** Files in a CA directory: OpenSSL's hashed names (`5ad8a5d6.0`) and the usual extensions. */
const CA_FILE = /(^[0-9a-f]{8}\.\d+$)|(\.(pem|crt|cer)$)/i;

const loaded = new Map<string, readonly string[]>();

/** The certificates the environment names, as PEM blocks, without duplicates; [] when it names none. */
export function envCertificates(env: NodeJS.ProcessEnv): readonly string[] {
  const file = env.SSL_CERT_FILE || undefined;
  const dir = env.SSL_CERT_DIR || undefined;
  if (file === undefined && dir === undefined) return [];
  const key = `${file ?? ""}\0${dir ?? ""}`;
  let certs = loaded.get(key);
  if (certs !== undefined) return certs;
  const fs = require("node:fs") as typeof fsModule;
  const blocks = new Set<string>();
  const read = (path: string, what: string, optional: boolean): void => {
    let text: string;
    try {
      text = fs.readFileSync(path, "latin1");
    } catch (cause) {
      // A dangling link in a CA directory must not break every TLS connection; the file named must exist.
      if (optional) return;
      throw new Error(`${what}: cannot read ${path}: ${(cause as Error).message}`, { cause });
    }
    for (const m of text.matchAll(PEM)) blocks.add(m[0]);
  };
  if (file !== undefined) read(file, "SSL_CERT_FILE", false);
  if (dir !== undefined) {
    for (const d of dir.split(":").filter((p) => p !== "")) {
      let names: string[];
      try {
        names = fs.readdirSync(d);
      } catch (cause) {
        throw new Error(`SSL_CERT_DIR: cannot read ${d}: ${(cause as Error).message}`, { cause });
      }
      for (const name of names) if (CA_FILE.test(name)) read(`${d}/${name}`, "SSL_CERT_DIR", true);
    }
  }
  certs = [...blocks];
  loaded.set(key, certs);
  return certs;
}
