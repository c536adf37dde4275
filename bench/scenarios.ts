/** The benchmark scenarios: what is requested, how many in flight, over how many connections (passed to bench/contender.mjs). */
export interface Scenario {
  readonly name: "seq" | "conc" | "big" | "post" | "pipelined" | "seq1" | "tls" | "gzip";
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly inflight: number;
  readonly connections: number;
  /** Request body size, for POST. */
  readonly bodySize: number;
  /** Report throughput in MiB/s rather than requests/s. */
  readonly unit: "req/s" | "MiB/s";
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1 means none. */
  readonly pipelining: number;
  /** Client and server are pinned to this one CPU (with taskset) for the run. */
  readonly cpu?: number;
  /** Over HTTPS (nginx's ssl module, a certificate from a CA made for the run). */
  readonly tls?: boolean;
  /** The body comes gzip-coded (nginx's gzip_static) and is decoded by each contender; MiB/s counts decoded bytes. */
  readonly gzip?: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: "seq", method: "GET", path: "/small", inflight: 1, connections: 1, bodySize: 0, unit: "req/s", pipelining: 1 },
  { name: "conc", method: "GET", path: "/small", inflight: 64, connections: 16, bodySize: 0, unit: "req/s", pipelining: 1 },
  { name: "big", method: "GET", path: "/1mb", inflight: 4, connections: 4, bodySize: 0, unit: "MiB/s", pipelining: 1 },
  { name: "post", method: "POST", path: "/echo", inflight: 32, connections: 8, bodySize: 4096, unit: "req/s", pipelining: 1 },
  // Reported on its own row, never used for the targets: conc with 4 requests in flight per connection.
  { name: "pipelined", method: "GET", path: "/small", inflight: 64, connections: 16, bodySize: 0, unit: "req/s", pipelining: 4 },
  // Also on its own row, not a target: seq with client and server on one CPU. With one request
  // in flight they never run at the same time, and on a VM waking a process on the other CPU
  // costs more than the whole exchange; on one CPU the clients' own costs show.
  { name: "seq1", method: "GET", path: "/small", inflight: 1, connections: 1, bodySize: 0, unit: "req/s", pipelining: 1, cpu: 0 },
  // conc over HTTPS: each contender's TLS (node:tls underneath for all) and its pool on top.
  { name: "tls", method: "GET", path: "/small", inflight: 64, connections: 16, bodySize: 0, unit: "req/s", pipelining: 1, tls: true },
  // big, gzip-coded: 1 MiB of text in about 300 KiB, decoded by each (undici with its decompress
  // interceptor, node:http through zlib.createGunzip).
  { name: "gzip", method: "GET", path: "/text.txt", inflight: 4, connections: 4, bodySize: 0, unit: "MiB/s", pipelining: 1, gzip: true },
];

/** node:http and the floor have no pipelining: they sit out the pipelined scenario; the floor speaks no TLS. */
export function runs(contender: ContenderName, scenario: Scenario): boolean {
  if ((scenario.tls === true || scenario.gzip === true) && contender === "floor") return false;
  return scenario.pipelining === 1 || (contender !== "node:http" && contender !== "floor");
}

/** `floor` is not a client but a yardstick: the least work a client can do (see bench/contender.mjs). */
export const CONTENDERS = ["wirepool", "undici", "node:http", "floor"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export interface ContenderResult {
  requests: number;
  bytes: number;
  seconds: number;
  errors: number;
  /** Peak resident set size of the contender's process, MB. */
  maxRssMB: number;
}
