/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): every test file that runs in
 * about a second or less, the misbehaving-server catalogue (140 cases in 0.9 s), the TLS and
 * injection cases and the HTTPS tests among them. Left out are the long ones (nginx and squid
 * started per file, the CLI and lessons as child processes, fuzzing); they guard what the others
 * do not and run in CI, but per mutant they would make a run take hours on two cores.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/pool/**/*.test.ts", "test/http/**/*.test.ts", "test/transport/**/*.test.ts", "test/client/**/*.test.ts", "test/net/origin.test.ts", "test/net/connect.test.ts", "test/net/continue-upgrade.test.ts", "test/net/https.test.ts", "test/reliability/catalogue.test.ts", "test/reliability/tls.test.ts", "test/reliability/injection.test.ts", "test/timeline/**/*.test.ts"],
      exclude: ["test/http/fuzz.test.ts", "test/pool/exit.test.ts"],
    },
  }),
);
