/**
 * Lesson 6: a streamed response nobody reads or closes.
 *
 * `client.stream()` resolves at the response head and keeps the connection until the
 * body is read to the end or closed. Forget it, and that connection is lost to the pool:
 * with one connection allowed, the next request waits for it until its pool timeout.
 * `await using` closes the response when its block ends, and the connection comes back.
 *
 *   npx tsx examples/lessons/06-forgotten-stream.ts [--out DIR]
 */
import { Client, PoolTimeout } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { countingServer, type LessonOptions, runIfMain, writeTimeline } from "./lesson.js";

export async function run(o: LessonOptions): Promise<{ forgotten: string; fixed: number; connections: number; svg: string }> {
  // Larger than what the pool buffers for an unread body (256 KiB) and the sockets hold: the server is held back.
  const server = await countingServer((_req, res) => res.end("x".repeat(4 * 1024 * 1024)));
  const client = new Client({ baseURL: server.base, limits: { maxConnections: 1 }, timeout: { pool: 100 } });
  const rec = recordTimeline(client);

  const forgottenResponse = await client.stream("GET", "/big"); // never read, never closed
  const forgotten = await client.get("/next").then(
    () => "served",
    (err: Error) => (err instanceof PoolTimeout ? `PoolTimeout: ${err.message}` : String(err)),
  );
  o.print(`a stream left open holds its connection: the next request ended with ${forgotten}`);
  await forgottenResponse.close(); // what was missing

  let fixed = 0;
  for (let i = 0; i < 3; i++) {
    await using res = await client.stream("GET", "/big");
    void res.status; // read the head only; the body is closed when the block ends
    fixed++;
  }
  const next = await client.get("/after");
  o.print(`with await using: ${fixed} streams opened and closed, then a GET: ${next.status}; connections the server saw: ${server.accepted()}`);
  await client.close();
  const svg = writeTimeline(o, "06-forgotten-stream", rec.stop(), "a stream left open holds the only connection; await using gives it back");
  const connections = server.accepted();
  await server.close();
  return { forgotten, fixed, connections, svg };
}

await runIfMain(import.meta.url, run);
