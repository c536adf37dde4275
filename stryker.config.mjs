// StrykerJS: `npm run mutate` (all of src/) or `npm run mutate -- --mutate "src/pool/**"`.
// Not in CI (too slow); run before resolving an issue that touches src/pool, src/net or src/http.
// Scores and the surviving mutants judged equivalent: docs/testing.md.
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: ["src/**/*.ts", "!src/cli/**", "!src/http/llhttp-wasm.ts", "!src/index.ts", "!src/version.ts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 15000,
  ignoreStatic: true,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
};
