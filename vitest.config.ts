import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string): string => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // The examples and lessons import "wirepool" as users do; in tests that is the source (as tsconfig's paths say).
  resolve: {
    alias: [
      { find: /^wirepool\/timeline$/, replacement: src("timeline/index.ts") },
      { find: /^wirepool$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
