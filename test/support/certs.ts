/**
 * Certificates made for the test run with the `openssl` command: a CA, and leaves
 * signed by it that are valid, expired, not yet valid, for the wrong host, plus a
 * self-signed leaf and a client certificate. Made once per test file (a temp dir,
 * removed at exit), with EC keys so that it takes a fraction of a second.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Pair {
  readonly cert: string;
  readonly key: string;
}

export interface TestCerts {
  /** The CA's certificate (PEM): what a client trusts. */
  readonly ca: string;
  /** The CA's certificate file, for SSL_CERT_FILE and for servers' ssl_client_certificate. */
  readonly caFile: string;
  /** For localhost, 127.0.0.1 and ::1, valid now. */
  readonly valid: Pair & { readonly certFile: string; readonly keyFile: string };
  readonly expired: Pair;
  readonly notYetValid: Pair;
  /** Valid, but for wrong.example only. */
  readonly wrongHost: Pair;
  /** For localhost, signed by itself. */
  readonly selfSigned: Pair;
  /** A client certificate signed by the CA (mutual TLS). */
  readonly client: Pair;
  readonly dir: string;
}

let made: TestCerts | undefined;

export function testCerts(): TestCerts {
  if (made !== undefined) return made;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-certs-"));
  fs.chmodSync(dir, 0o755);
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=wirepool test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  fs.writeFileSync(path.join(dir, "index.txt"), "");
  fs.writeFileSync(path.join(dir, "serial"), "1000\n");
  fs.mkdirSync(path.join(dir, "new"));
  fs.writeFileSync(
    path.join(dir, "ca.cnf"),
    ["[ca]", "default_ca = d", "[d]", "dir = .", "database = index.txt", "new_certs_dir = new", "serial = serial", "default_md = sha256",
      "policy = any", "unique_subject = no", "email_in_dn = no", "[any]", "commonName = supplied"].join("\n"),
  );
  const leaf = (name: string, san: string, dates: [string, string] | undefined, usage = "serverAuth"): Pair => {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `[v3]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = ${usage}\n${san === "" ? "" : `subjectAltName = ${san}\n`}`);
    const when = dates ?? [stamp(-1), stamp(365)];
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", `${name}.csr`, "-out", `${name}.pem`,
      "-startdate", when[0], "-enddate", when[1], "-extfile", `${name}.ext`, "-extensions", "v3", "-notext");
    return read(name);
  };
  const read = (name: string): Pair => ({ cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"), key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8") });
  const hosts = "DNS:localhost,IP:127.0.0.1,IP:::1";
  const valid = leaf("valid", hosts, undefined);
  const expired = leaf("expired", hosts, ["20200101000000Z", "20200201000000Z"]);
  const notYetValid = leaf("future", hosts, [stamp(3650), stamp(3700)]);
  const wrongHost = leaf("wrong", "DNS:wrong.example", undefined);
  const client = leaf("client", "", undefined, "clientAuth");
  openssl("req", "-x509", ...ec, "-keyout", "self.key", "-out", "self.pem", "-days", "30", "-subj", "/CN=localhost", "-addext", `subjectAltName=${hosts}`);
  const selfSigned = read("self");
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o755);
  made = {
    ca: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    caFile: path.join(dir, "ca.pem"),
    valid: { ...valid, certFile: path.join(dir, "valid.pem"), keyFile: path.join(dir, "valid.key") },
    expired,
    notYetValid,
    wrongHost,
    selfSigned,
    client,
    dir,
  };
  return made;
}

/** `days` from now, as `openssl ca -startdate` takes it. */
function stamp(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
}
