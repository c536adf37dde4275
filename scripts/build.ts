/**
 * `npm run build` (and `prepack`): the package users get.
 *   1. dist/ from scratch, so nothing stale is published;
 *   2. type declarations from tsc (internals marked @internal left out);
 *   3. one bundled ESM module from esbuild (Node's loader costs ~0.3 ms per module:
 *      13-15 ms of import time for the separate files, 5-6 ms bundled), with the
 *      llhttp parser's wasm bytes inside it: taken out of llhttp-wasm 1.0.3 here, by the
 *      same extraction the source uses, and refused unless their SHA-256 is the one the
 *      glue was written for. llhttp-wasm is therefore only a build-time dependency.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { LLHTTP_WASM_SHA256, llhttpWasmBase64 } from "../src/http/llhttp-wasm.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });

const base64 = llhttpWasmBase64();
const sha256 = crypto.createHash("sha256").update(Buffer.from(base64, "base64")).digest("hex");
if (sha256 !== LLHTTP_WASM_SHA256) {
  throw new Error(`llhttp-wasm's wasm bytes have SHA-256 ${sha256}, not ${LLHTTP_WASM_SHA256}: wirepool's glue was written for llhttp-wasm 1.0.3 exactly`);
}

/** What both bundles share: one ESM file for Node 20+, packages left to node_modules. */
const common = { bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning" } as const;

const wasmSource = path.join(root, "src/http/llhttp-wasm.ts");
await build({
  ...common,
  entryPoints: [path.join(root, "src/index.ts")],
  outfile: path.join(dist, "index.js"),
  sourcemap: true,
  plugins: [
    {
      name: "llhttp-wasm-inline",
      setup(b) {
        // The bundle holds the bytes themselves instead of the code that reads them from the package.
        b.onLoad({ filter: /[\\/]src[\\/]http[\\/]llhttp-wasm\.ts$/ }, (args) => {
          if (path.resolve(args.path) !== wasmSource) return undefined;
          const contents = [
            "// llhttp-wasm 1.0.3's parser, inlined by scripts/build.ts",
            `export const LLHTTP_WASM_SHA256 = ${JSON.stringify(LLHTTP_WASM_SHA256)};`,
            `const BASE64 = ${JSON.stringify(base64)};`,
            "export function llhttpWasmBase64() { return BASE64; }",
            'export function llhttpWasmBytes() { return Buffer.from(BASE64, "base64"); }',
          ].join("\n");
          return { contents, loader: "js" };
        });
      },
    },
  ],
});

// The `wirepool` command and the `wirepool/timeline` subpath: small bundles of their own that
// import the library's (./index.js), not a copy of it.
const indexSource = path.join(root, "src/index.ts");
const libraryExternal = {
  name: "library-external",
  setup(b: import("esbuild").PluginBuild) {
    b.onResolve({ filter: /(^|\/)index\.js$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      return resolved === indexSource ? { path: "./index.js", external: true } : undefined;
    });
  },
};
for (const [entry, out] of [
  ["src/cli/bin.ts", "cli.js"],
  ["src/timeline/index.ts", "timeline.js"],
] as const) {
  await build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(dist, out), plugins: [libraryExternal] });
  if (fs.readFileSync(path.join(dist, out), "utf8").includes("llhttp")) throw new Error(`dist/${out} holds a copy of the library instead of importing ./index.js`);
}
fs.chmodSync(path.join(dist, "cli.js"), 0o755);
const cli = fs.readFileSync(path.join(dist, "cli.js"), "utf8");
if (!cli.startsWith("#!/usr/bin/env node")) throw new Error("dist/cli.js has lost its #! line");

const bundle = fs.readFileSync(path.join(dist, "index.js"), "utf8");
if (bundle.includes("llhttp-wasm/out")) throw new Error("dist/index.js still refers to the llhttp-wasm package");
console.log(`built dist/ (index.js ${(bundle.length / 1024).toFixed(0)} KiB, parser inlined, sha256 ${sha256.slice(0, 12)}...)`);
