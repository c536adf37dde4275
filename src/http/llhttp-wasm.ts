/**
 * Where the compiled llhttp parser comes from. Running from the source (tests,
 * tsx), it is read out of llhttp-wasm 1.0.3's published file, where it sits as
 * base64 inside the package's JavaScript. The published build does not read
 * the package at all: scripts/build.ts runs the same extraction, checks the
 * SHA-256 below, and puts the bytes inside dist/index.js in place of this module,
 * so installing wirepool installs nothing else and a bundled app needs no file
 * beside it (docs/decisions.md, "the parser's bytes ship inside the build").
 */
import type fsModule from "node:fs";
import { createRequire } from "node:module";

/** The one file of llhttp-wasm 1.0.3 that holds the wasm bytes. */
export const LLHTTP_WASM_PACKAGE = "llhttp-wasm/out/index.js";

/** SHA-256 of the bytes src/http/llhttp.ts was written against: any other parser is refused. */
export const LLHTTP_WASM_SHA256 = "259f8302ac0f7fd7d38469e0d16b505e59c6b432cc5eb856be4d012260de0e11";

/** The bytes as published in llhttp-wasm 1.0.3, base64, from the package's JavaScript. */
export function llhttpWasmBase64(): string {
  const require = createRequire(import.meta.url);
  const file = require.resolve(LLHTTP_WASM_PACKAGE);
  // Loaded here, not at import: importing node:fs as a module costs more than the rest of this file.
  const fs = require("node:fs") as typeof fsModule;
  const match = /let binaryString = "([A-Za-z0-9+/=]+)"/.exec(fs.readFileSync(file, "latin1"));
  if (match === null) throw new Error(`llhttp-wasm changed: no wasm binary found in ${file} (wirepool needs llhttp-wasm 1.0.3 exactly)`);
  return match[1]!;
}

/** The compiled parser. */
export function llhttpWasmBytes(): Buffer {
  return Buffer.from(llhttpWasmBase64(), "base64");
}
