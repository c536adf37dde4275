/**
 * `npx wirepool`: a curl-shaped command line over the Client, and the pooling
 * question answered against your own server (`--repeat`, `--compare`).
 *
 *   wirepool [METHOD] URL [options]
 *
 * The body goes to stdout (pretty-printed when it is JSON and stdout is a terminal);
 * the status line and headers go to stderr with -i or -v, and -v adds the request head
 * and every pool event. Exit codes as curl's: 0 success, 1 a transport error (its
 * message, naming the phase), 2 a usage error, 22 an HTTP error status with --fail.
 */
import type diagnostics from "node:diagnostics_channel";
import fs from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { Client, get, HTTPTransport, type HTTPTransportOptions, type PoolEvent, type Request, type Response, VERSION } from "../index.js";
import { recordTimeline } from "../timeline/index.js";

export interface CliIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const EXIT = { ok: 0, transport: 1, usage: 2, httpError: 22 } as const;

const OPTIONS = {
  header: { type: "string", short: "H", multiple: true },
  json: { type: "string" },
  data: { type: "string", short: "d" },
  form: { type: "string", short: "F", multiple: true },
  include: { type: "boolean", short: "i" },
  verbose: { type: "boolean", short: "v" },
  output: { type: "string", short: "o" },
  follow: { type: "boolean", short: "L" },
  timeout: { type: "string", short: "m" },
  insecure: { type: "boolean", short: "k" },
  proxy: { type: "string", short: "x" },
  "unix-socket": { type: "string" },
  repeat: { type: "string", short: "n" },
  concurrency: { type: "string", short: "c" },
  compare: { type: "boolean" },
  fail: { type: "boolean", short: "f" },
  timeline: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

export const USAGE = `usage: wirepool [METHOD] URL [options]

  -H, --header 'Name: value'  add a request header (repeatable)     -H 'Accept: application/json'
      --json DATA             send DATA as JSON (POST by default)    --json '{"name":"x"}'
  -d, --data DATA             send DATA as the body, @FILE to read a file   -d @body.txt
  -F, --form k=v              send a URL-encoded form field (repeatable)    -F user=alice -F page=2
  -i, --include               print the status line and headers (to stderr)
  -v, --verbose               also print the request head and every pool event (to stderr)
  -o, --output FILE           write the body to FILE (a progress bar on a terminal)   -o big.iso
  -L, --follow                follow redirects
  -m, --timeout MS            timeout for connect, read, write and pool wait, in ms   -m 2000
  -k, --insecure              do not verify the server's certificate
  -x, --proxy URL             go through this proxy (http, https, socks5, socks5h)    -x socks5h://127.0.0.1:1080
      --unix-socket PATH      connect to this Unix socket     --unix-socket /var/run/docker.sock http://docker/info
  -n, --repeat N              send N requests through one Client and print a summary  -n 200
  -c, --concurrency N         with --repeat: N at a time (default 1)                  -n 1000 -c 16
      --compare               with --repeat: the same N as one-shot get() calls, then through one Client
  -f, --fail                  exit with 22 when the status is 400 or more
      --timeline FILE         draw what the pool did: FILE.html (hover for details) or FILE.svg   -n 100 -c 8 --timeline pool.html
  -h, --help                  this help
  -V, --version               the version

examples:
  wirepool https://example.org/
  wirepool POST https://httpbin.org/post --json '{"a":1}' -i
  wirepool --repeat 200 --compare http://127.0.0.1:8080/
`;

class UsageError extends Error {}

interface Plan {
  method: string;
  url: string;
  headers: [string, string][];
  content: string | Uint8Array | undefined;
  json: unknown;
  form: [string, string][] | undefined;
  include: boolean;
  verbose: boolean;
  output: string | undefined;
  follow: boolean;
  timeout: number | undefined;
  transport: HTTPTransportOptions;
  repeat: number | undefined;
  concurrency: number;
  compare: boolean;
  fail: boolean;
  timeline: string | undefined;
}

/** Runs the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let plan: Plan | "help" | "version";
  try {
    plan = parse(argv);
  } catch (err) {
    io.stderr.write(`wirepool: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (plan === "help") return void io.stdout.write(USAGE), EXIT.ok;
  if (plan === "version") return void io.stdout.write(`wirepool ${VERSION}\n`), EXIT.ok;
  // Every pool of the run (one-shot calls included) is recorded: the picture shows them all.
  const recorder = plan.timeline === undefined ? undefined : recordTimeline();
  try {
    return plan.repeat !== undefined ? await repeat(plan, io) : await once(plan, io);
  } catch (err) {
    // A transport error's message says what happened and where (the request, the phase).
    io.stderr.write(`wirepool: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.transport;
  } finally {
    if (recorder !== undefined) {
      const timeline = recorder.stop();
      fs.writeFileSync(plan.timeline!, plan.timeline!.endsWith(".svg") ? timeline.toSVG() : timeline.toHTML());
      io.stderr.write(`wirepool: timeline of ${timeline.totals.requests} requests on ${timeline.totals.opened} connections written to ${plan.timeline}\n`);
    }
  }
}

function parse(argv: readonly string[]): Plan | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return "help";
  if (v.version) return "version";
  const bodies = [v.json, v.data, v.form].filter((x) => x !== undefined).length;
  if (bodies > 1) throw new UsageError("give one of --json, --data and --form");
  let method: string | undefined;
  let url: string | undefined;
  if (positionals.length === 2 && /^[A-Za-z]+$/.test(positionals[0]!)) [method, url] = [positionals[0]!.toUpperCase(), positionals[1]!];
  else if (positionals.length === 1) url = positionals[0]!;
  else throw new UsageError(positionals.length === 0 ? "no URL given" : `expected [METHOD] URL, got ${positionals.map((p) => JSON.stringify(p)).join(" ")}`);
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`not an http:// or https:// URL: ${JSON.stringify(url)}`);
  const headers = (v.header ?? []).map((h): [string, string] => {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`a header is 'Name: value', got ${JSON.stringify(h)}`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  });
  const form = v.form?.map((f): [string, string] => {
    const i = f.indexOf("=");
    if (i <= 0) throw new UsageError(`a form field is k=v, got ${JSON.stringify(f)}`);
    return [f.slice(0, i), f.slice(i + 1)];
  });
  let json: unknown;
  if (v.json !== undefined) {
    try {
      json = JSON.parse(v.json);
    } catch (err) {
      throw new UsageError(`--json is not JSON: ${(err as Error).message}`);
    }
  }
  let content: string | Uint8Array | undefined = v.data;
  if (content !== undefined && content.startsWith("@")) {
    try {
      content = fs.readFileSync(content.slice(1));
    } catch (err) {
      throw new UsageError(`--data ${content}: ${(err as Error).message}`);
    }
  }
  const count = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number above 0, got ${JSON.stringify(text)}`);
    return n;
  };
  const repeatN = count("repeat", v.repeat);
  const concurrency = count("concurrency", v.concurrency) ?? 1;
  if ((v.compare || v.concurrency !== undefined) && repeatN === undefined) throw new UsageError("--compare and --concurrency go with --repeat N");
  if (v.output !== undefined && repeatN !== undefined) throw new UsageError("--output and --repeat do not go together");
  const transport: HTTPTransportOptions = {};
  if (v.insecure) transport.verify = false;
  if (v.proxy !== undefined) transport.proxy = v.proxy;
  if (v["unix-socket"] !== undefined) transport.socketPath = v["unix-socket"];
  return {
    method: method ?? (bodies > 0 ? "POST" : "GET"),
    url,
    headers,
    content,
    json,
    form,
    include: v.include === true || v.verbose === true,
    verbose: v.verbose === true,
    output: v.output,
    follow: v.follow === true,
    timeout: count("timeout", v.timeout),
    transport,
    repeat: repeatN,
    concurrency,
    compare: v.compare === true,
    fail: v.fail === true,
    timeline: v.timeline,
  };
}

function clientFor(plan: Plan, trace?: (e: PoolEvent) => void): Client {
  return new Client({
    transport: new HTTPTransport({ ...plan.transport, ...(trace ? { trace } : {}) }),
    followRedirects: plan.follow,
    ...(plan.timeout !== undefined ? { timeout: plan.timeout } : {}),
  });
}

function build(client: Client, plan: Plan): Request {
  const form = plan.form === undefined ? undefined : new URLSearchParams(plan.form);
  return client.buildRequest(plan.method, plan.url, { headers: plan.headers, content: plan.content, json: plan.json, form });
}

/** One request: head to stderr if asked, body to stdout or a file. */
async function once(plan: Plan, io: CliIO): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const client = clientFor(plan, plan.verbose ? (e) => say(`* ${describe(e)}`) : undefined);
  try {
    const request = build(client, plan);
    if (plan.verbose) {
      say(`> ${request.method} ${request.url.pathname}${request.url.search} HTTP/1.1`);
      say(`> Host: ${request.url.host}`);
      for (const [name, value] of request.headers) say(`> ${name}: ${value}`);
      say(">");
    }
    const response = await client.send(request, { stream: true });
    if (plan.include) {
      for (const r of response.history) printHead(r, say);
      printHead(response, say);
    }
    if (plan.output !== undefined) await download(response, plan.output, io);
    else await printBody(response, io);
    if (plan.fail && response.status >= 400) {
      say(`wirepool: the server answered ${response.status} ${response.reasonPhrase} (--fail)`);
      return EXIT.httpError;
    }
    return EXIT.ok;
  } finally {
    await client.close();
  }
}

function printHead(response: Response, say: (line: string) => void): void {
  say(`< ${response.httpVersion} ${response.status} ${response.reasonPhrase}`);
  for (const [name, value] of response.headers) say(`< ${name}: ${value}`);
  say("<");
}

function describe(e: PoolEvent): string {
  switch (e.type) {
    case "connection:opened":
      return `connection ${e.connection} opened to ${e.origin}`;
    case "connection:ready":
      return `connection ${e.connection} connected${e.tls !== undefined && e.tcp !== undefined ? ` (TLS ${(e.tls - e.tcp).toFixed(1)} ms after TCP)` : ""}`;
    case "connection:reused":
      return `connection ${e.connection} reused for request ${e.request}`;
    case "connection:idle":
      return `connection ${e.connection} idle`;
    case "connection:closed":
      return `connection ${e.connection} closed (${e.reason})`;
    case "request:queued":
      return `request ${e.request} (${e.method} ${e.target}) queued for ${e.origin}`;
    case "request:assigned":
      return `request ${e.request} assigned to connection ${e.connection}`;
    case "request:finished":
      return `request ${e.request} finished (${e.outcome}${e.status !== undefined ? `, status ${e.status}` : ""})`;
  }
}

async function printBody(response: Response, io: CliIO): Promise<void> {
  const type = response.headers.get("content-type") ?? "";
  if (io.stdout.isTTY === true && /[/+]json\b/i.test(type)) {
    const text = await response.text();
    try {
      io.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    } catch {
      io.stdout.write(text);
    }
    return;
  }
  for await (const chunk of response) if (!io.stdout.write(chunk)) await new Promise<void>((r) => io.stdout.once("drain", () => r()));
}

/** Writes the body to `file`; on a terminal, a progress bar on stderr (bytes, percent when the length is known, rate). */
async function download(response: Response, file: string, io: CliIO): Promise<void> {
  const out = fs.createWriteStream(file);
  const total = Number(response.headers.get("content-length") ?? NaN);
  const bar = io.stderr.isTTY === true;
  const started = performance.now();
  let done = 0;
  let drawn = 0;
  const draw = (final: boolean): void => {
    const now = performance.now();
    if (!final && now - drawn < 100) return;
    drawn = now;
    const rate = done / Math.max((now - started) / 1000, 0.001);
    const pct = Number.isFinite(total) && total > 0 ? ` ${((100 * done) / total).toFixed(0).padStart(3)}%` : "";
    const of = Number.isFinite(total) ? ` / ${size(total)}` : "";
    io.stderr.write(`\r${size(done)}${of}${pct}  ${size(rate)}/s   ${final ? "\n" : ""}`);
  };
  try {
    for await (const chunk of response) {
      done += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      if (bar) draw(false);
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  if (bar) draw(true);
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

interface Summary {
  label: string;
  requests: number;
  failed: number;
  opened: number;
  reused: number;
  seconds: number;
  latencies: number[];
}

/** `--repeat N`: N requests through one Client (and with --compare, as N one-shot calls first). */
async function repeat(plan: Plan, io: CliIO): Promise<number> {
  const rows: Summary[] = [];
  if (plan.compare) rows.push(await measure("one-shot get() per call", plan, () => oneShot(plan)));
  const client = clientFor(plan);
  try {
    rows.push(await measure("one shared Client", plan, () => client.send(build(client, plan))));
  } finally {
    await client.close();
  }
  const header = ["", "requests", "failed", "connections", "reused", "req/s", "p50 ms", "p99 ms"];
  const table = [header, ...rows.map((r) => [r.label, r.requests, r.failed, r.opened, r.reused, (r.requests / r.seconds).toFixed(0), pct(r.latencies, 50), pct(r.latencies, 99)].map(String))];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) io.stdout.write(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}\n`);
  return rows.some((r) => r.failed > 0) ? EXIT.transport : EXIT.ok;
}

function oneShot(plan: Plan): Promise<Response> {
  return get(plan.url, { ...plan.transport, headers: plan.headers, followRedirects: plan.follow, ...(plan.timeout !== undefined ? { timeout: plan.timeout } : {}) });
}

const require = createRequire(import.meta.url);

/** Sends plan.repeat requests, plan.concurrency at a time; connections are counted from the pools' own events (diagnostics_channel). */
async function measure(label: string, plan: Plan, send: () => Promise<Response>): Promise<Summary> {
  const dc = require("node:diagnostics_channel") as typeof diagnostics;
  let opened = 0;
  let reused = 0;
  const onOpened = (): void => void opened++;
  const onReused = (): void => void reused++;
  dc.subscribe("wirepool:connection:opened", onOpened);
  dc.subscribe("wirepool:connection:reused", onReused);
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: unknown;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(plan.concurrency, plan.repeat!) }, async () => {
        while (next < plan.repeat!) {
          next++;
          const t0 = performance.now();
          try {
            await send();
            latencies.push(performance.now() - t0);
          } catch (err) {
            failed++;
            firstError ??= err;
          }
        }
      }),
    );
  } finally {
    dc.unsubscribe("wirepool:connection:opened", onOpened);
    dc.unsubscribe("wirepool:connection:reused", onReused);
  }
  if (firstError !== undefined && failed === plan.repeat) throw firstError;
  return { label, requests: plan.repeat! - failed, failed, opened, reused, seconds: (performance.now() - started) / 1000, latencies };
}

function pct(values: number[], p: number): string {
  if (values.length === 0) return "-";
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(2);
}
