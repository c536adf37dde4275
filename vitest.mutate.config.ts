/**
 * The tests StrykerJS runs against each mutant (`npm run mutate`): every test that runs in well
 * under a second per file. Left out are the long ones (the misbehaving-server catalogue, nginx,
 * proxies, the CLI and lessons as child processes, fuzzing); they guard what the others do not
 * and run in CI, but per mutant they would make a run take hours on two cores.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/pool/**/*.test.ts", "test/http/**/*.test.ts", "test/transport/**/*.test.ts", "test/client/**/*.test.ts", "test/net/origin.test.ts", "test/net/connect.test.ts", "test/net/continue-upgrade.test.ts", "test/timeline/**/*.test.ts"],
      exclude: ["test/http/fuzz.test.ts", "test/pool/exit.test.ts"],
    },
  }),
);
