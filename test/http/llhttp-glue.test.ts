/**
 * wirepool drives the wasm parser inside llhttp-wasm directly (src/http/llhttp.ts).
 * That is only safe for the exact bytes it was written against: if the package
 * changes, these tests fail before anything else can go subtly wrong.
 */
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { wasmMemoryBytes } from "../../src/http/llhttp.js";
import { LLHTTP_WASM_SHA256, llhttpWasmBytes } from "../../src/http/llhttp-wasm.js";
import { ResponseParser } from "../../src/http/parser.js";

declare const WebAssembly: {
  Module: { new (bytes: Uint8Array): object; imports(m: object): { name: string; kind: string }[]; exports(m: object): { name: string; kind: string }[] };
};

describe("llhttp-wasm, driven by our own glue", () => {
  it("is version 1.0.3, pinned exactly", () => {
    const require = createRequire(import.meta.url);
    expect((require("llhttp-wasm/package.json") as { version: string }).version).toBe("1.0.3");
    const pkg = require("../../package.json") as { dependencies?: Record<string, string>; devDependencies: Record<string, string> };
    // Needed only to build: its bytes ship inside dist/ (scripts/build.ts), so users install nothing else.
    expect(pkg.devDependencies["llhttp-wasm"]).toBe("1.0.3");
    expect(pkg.dependencies).toBeUndefined();
  });

  it("ships the exact wasm binary the glue was written for", () => {
    const hash = crypto.createHash("sha256").update(llhttpWasmBytes()).digest("hex");
    expect(hash).toBe("259f8302ac0f7fd7d38469e0d16b505e59c6b432cc5eb856be4d012260de0e11");
    // ...and the build checks the same hash before it inlines the bytes.
    expect(LLHTTP_WASM_SHA256).toBe(hash);
  });

  it("imports the callbacks and exports the functions the glue uses", () => {
    const module = new WebAssembly.Module(llhttpWasmBytes());
    expect(WebAssembly.Module.imports(module).map((i) => i.name).sort()).toEqual([
      "wasm_on_body",
      "wasm_on_header_field",
      "wasm_on_header_value",
      "wasm_on_headers_complete",
      "wasm_on_message_begin",
      "wasm_on_message_complete",
      "wasm_on_status",
      "wasm_on_url",
    ]);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ["memory", "_initialize", "malloc", "free", "llhttp_alloc", "llhttp_free", "llhttp_execute", "llhttp_finish", "llhttp_resume", "llhttp_get_http_major", "llhttp_get_http_minor", "llhttp_get_error_pos", "llhttp_get_error_reason", "llhttp_errno_name"]) {
      expect(exports).toContain(name);
    }
  });

  it("frees what it takes from wasm memory: a destroyed parser's state, and the input buffer it outgrows", () => {
    const handler = { onHead() {}, onBody() {}, onEnd() {} };
    new ResponseParser(handler).destroy();
    const before = wasmMemoryBytes();
    for (let i = 0; i < 20_000; i++) new ResponseParser(handler).destroy(); // about 2 MB if never freed
    expect(wasmMemoryBytes()).toBe(before);

    // Chunks of 100 KiB, 200 KiB, ... 4,000 KiB: 80 MiB in all if each outgrown buffer were kept.
    const parser = new ResponseParser(handler);
    for (let n = 1; n <= 40; n++) {
      const body = Buffer.alloc(n * 100 * 1024, "a");
      parser.expect("GET");
      const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
      expect(parser.feed(response)).toBe("done");
    }
    parser.destroy();
    expect(wasmMemoryBytes()).toBeLessThan(3 * 4000 * 1024);
  });
});
