/**
 * What every lesson shares: a local server that counts what it sees, a place to
 * write the timeline pictures (`./lessons-out/` by default, `--out DIR`), and the
 * way a lesson runs by itself (`npx tsx examples/lessons/01-one-shot-vs-client.ts`)
 * or from the tests (which call `run()` and check the figures it returns).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Timeline } from "wirepool/timeline";

export interface LessonOptions {
  /** Where the SVG and HTML pictures go. */
  readonly out: string;
  /** Where the lesson says what happened (console.log when run by itself). */
  readonly print: (line: string) => void;
}

export interface CountingServer {
  readonly base: string;
  /** TCP connections the server accepted, and requests it answered, so far. */
  accepted(): number;
  requests(): number;
  /** The server's sockets open now. */
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A Node http server on 127.0.0.1 that counts connections and requests; `handler` answers (default: "hello from <url>"). */
export async function countingServer(handler?: http.RequestListener, configure?: (s: http.Server) => void): Promise<CountingServer> {
  let accepted = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests++;
    if (handler) handler(req, res);
    else res.end(`hello from ${req.url}`);
  });
  configure?.(server);
  server.on("connection", (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    requests: () => requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `name`.svg and `name`.html into the output folder; returns the SVG's path. */
export function writeTimeline(options: LessonOptions, name: string, timeline: Timeline, title?: string): string {
  fs.mkdirSync(options.out, { recursive: true });
  const svg = path.join(options.out, `${name}.svg`);
  fs.writeFileSync(svg, timeline.toSVG(title === undefined ? {} : { title }));
  fs.writeFileSync(path.join(options.out, `${name}.html`), timeline.toHTML(title === undefined ? {} : { title }));
  return svg;
}

/** Runs `run` when the lesson's file is the script node was started with; `--out DIR` picks the output folder. */
export async function runIfMain(metaURL: string, run: (options: LessonOptions) => Promise<unknown>): Promise<void> {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== fileURLToPath(metaURL)) return;
  const { values } = parseArgs({ options: { out: { type: "string", default: "lessons-out" } }, allowPositionals: false });
  await run({ out: values.out!, print: (line) => console.log(line) });
}

export const µs = (ms: number, n: number): string => `${((ms * 1000) / n).toFixed(0).padStart(5)} µs/request`;
