/**
 * Lesson 5: a server that closes idle connections.
 *
 * Servers close idle keep-alive connections when they like (nginx after 75 s, Node after
 * 5 s, some after one request). While a connection is idle, the pool sees the close (the
 * server's FIN) and drops it: nothing fails. The dangerous moment is a close that crosses
 * a request on the wire: the request went out on a connection the server had just given
 * up. A GET is then sent again, once, on a new connection (it is safe to repeat); a POST
 * is not (the server may have acted on it), and fails saying why.
 *
 *   npx tsx examples/lessons/05-server-closes-idle.ts [--out DIR]
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Client, type PoolEvent } from "wirepool";
import { recordTimeline } from "wirepool/timeline";
import { type LessonOptions, runIfMain, writeTimeline } from "./lesson.js";

/**
 * A raw server that answers the first request on each connection, then: with `idleClose`, closes the
 * connection 20 ms later; without, closes it when the second request arrives, without answering
 * (the race, made certain).
 */
async function closingServer(idleClose: boolean): Promise<{ base: string; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    let requests = 0;
    socket.on("error", () => {});
    socket.on("data", () => {
      if (++requests > 1) return void socket.destroy();
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      if (idleClose) setTimeout(() => socket.end(), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function run(o: LessonOptions): Promise<{ noticed: string | undefined; retried: number; getOk: boolean; postError: string; svg: string }> {
  // 1. Closed while idle: noticed, dropped, nothing fails.
  const idle = await closingServer(true);
  const c1 = new Client({ baseURL: idle.base });
  const closed = new Promise<PoolEvent>((resolve) => {
    const stop = c1.observe((e) => e.type === "connection:closed" && (stop(), resolve(e)));
  });
  await c1.get("/first");
  const event = await closed; // the server's FIN arrives while the connection is idle
  await c1.get("/second");
  const noticed = event.type === "connection:closed" ? event.reason : undefined;
  o.print(`1. the server closed an idle connection: the pool saw it ("${noticed}"), the next GET opened a new one (connections: ${idle.accepted()})`);
  await c1.close();
  await idle.close();

  // 2. The close crosses the request: a GET is retried once, a POST is not.
  const racing = await closingServer(false);
  const c2 = new Client({ baseURL: racing.base });
  const rec = recordTimeline(c2);
  await c2.get("/warm-up");
  const get = await c2.get("/again").then((r) => r.status === 200);
  const retried = c2.stats().totals.retried;
  o.print(`2. a GET sent as the server closed: retried once on a new connection, ${get ? "succeeded" : "failed"} (retried: ${retried}, connections: ${racing.accepted()})`);
  const post = await c2.post("/order", { json: { item: 1 } }).then(
    () => "it succeeded",
    (err: Error) => `${err.name}: ${err.message}`,
  );
  o.print(`3. a POST sent the same way is not retried: ${post}`);
  const svg = writeTimeline(o, "05-server-closes-idle", rec.stop(), "the server closes a connection as a request goes out: the GET is sent again on a new one");
  await c2.close();
  await racing.close();
  return { noticed, retried, getOk: get, postError: post, svg };
}

await runIfMain(import.meta.url, run);
