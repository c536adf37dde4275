/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): every test file that runs in
 * about a second or less, the misbehaving-server catalogue (140 cases in 0.9 s) and the TLS and
 * injection cases among them. Left out are the long ones (nginx and squid started per file, as
 * the HTTPS and proxy tests do, the CLI and lessons as child processes, fuzzing); they guard what
 * the others do not and run in CI, but per mutant they would make a run take hours on two cores.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * MUTATE_SCOPE picks the tests for one folder's run: `http` narrows them to those written against
 * the HTTP layer (the parser is covered by every test that makes a request, and Stryker runs each
 * covering test for each mutant), `net` widens them (below). `npm run mutate:http`, `mutate:net`.
 */
const ALL = ["test/pool/**/*.test.ts", "test/http/**/*.test.ts", "test/transport/**/*.test.ts", "test/client/**/*.test.ts", "test/net/origin.test.ts", "test/net/connect.test.ts", "test/net/continue-upgrade.test.ts", "test/net/socks5.test.ts", "test/net/proxy-url.test.ts", "test/net/tls-errors.test.ts", "test/net/http-tunnel.test.ts", "test/net/exchange.test.ts", "test/net/phase-timer.test.ts", "test/net/connection.test.ts", "test/net/body.test.ts", "test/net/read-buffer.test.ts", "test/net/request-writer.test.ts", "test/net/dial.test.ts", "test/net/tls-config.test.ts", "test/reliability/catalogue.test.ts", "test/reliability/tls.test.ts", "test/reliability/injection.test.ts", "test/timeline/**/*.test.ts"];
const SCOPES: Record<string, string[]> = {
  http: ["test/http/**/*.test.ts", "test/reliability/catalogue.test.ts", "test/reliability/injection.test.ts"],
  // src/net is reached from every layer above it, and many of its rules (timeouts, TLS client
  // certificates, closing mid-request) only from the client's and HTTPS tests: its scope is the
  // whole fast set plus the HTTPS and proxy files (squid and microsocks, started once per file).
  net: [...ALL, "test/net/https.test.ts", "test/net/proxy.test.ts"],
  // src/net against its own tests only (every test/net file but the squid and nginx ones, and the
  // catalogue): a lower bound on the folder's score (fewer tests can only kill fewer mutants), in
  // about a third of the time, because a connection's mutants are covered by nearly every test.
  "net-unit": [...ALL.filter((f) => f.startsWith("test/net/")), "test/reliability/catalogue.test.ts", "test/reliability/tls.test.ts"],
};

// Not mergeConfig's `include`: it concatenates arrays, and the base config's "test/**/*.test.ts"
// would bring every test file back (it did, until the third session: runs took hours for it).
const config = mergeConfig(base, defineConfig({ test: { exclude: ["test/http/fuzz.test.ts", "test/pool/exit.test.ts"] } }));
config.test!.include = SCOPES[process.env.MUTATE_SCOPE ?? ""] ?? ALL;
export default config;
