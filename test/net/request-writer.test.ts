/**
 * RequestWriter (src/net/request-writer.ts) on a real socket to a server that records the bytes it
 * gets, with events recorded in order: what each kind of body puts on the wire, when a request
 * counts as written or as waiting for the socket, when a streamed body stops, and how a body held
 * back for `Expect: 100-continue` leaves (a 100, the timeout) or does not (released).
 */
import type net from "node:net";
import { describe, expect, it } from "vitest";
import { LocalProtocolError, WriteError } from "../../src/errors.js";
import type { Framing } from "../../src/http/framing.js";
import { Exchange, type OutgoingRequest } from "../../src/net/exchange.js";
import { RequestWriter } from "../../src/net/request-writer.js";
import { useCleanup } from "../support/cleanup.js";
import { connectedSocket, eventually, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

interface Wire {
  writer: RequestWriter;
  /** written / stalled / failed, in order. */
  events: string[];
  failure: Error | undefined;
  /** What the server has received, as latin1. */
  received(): string;
  /** The server's side of the connection. */
  server: net.Socket;
  client: net.Socket;
}

async function wire(options: { paused?: boolean; expectContinueTimeout?: number } = {}): Promise<Wire> {
  let received = "";
  let server!: net.Socket;
  const s = await serve(rawServer((socket) => {
    server = socket;
    if (options.paused === true) socket.pause();
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (received += c));
  }));
  const client = await connectedSocket(s.port);
  client.on("error", () => {});
  defer(() => client.destroy());
  await eventually(() => server !== undefined);
  const w: Wire = {
    events: [],
    failure: undefined,
    received: () => received,
    server,
    client,
    writer: undefined as never,
  };
  w.writer = new RequestWriter(
    client,
    {
      written: () => void w.events.push("written"),
      stalled: () => void w.events.push("stalled"),
      failed: (_ex, error) => {
        w.events.push("failed");
        w.failure = error;
      },
    },
    options.expectContinueTimeout,
  );
  return w;
}

const exchange = (method = "POST"): Exchange => new Exchange(method, { read: null, write: null }, {} as never, false, 1);

function request(body: OutgoingRequest["body"], framing: Framing, extra: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return { method: "POST", head: "POST / HTTP/1.1\r\nhost: x\r\n\r\n", framing, body, ...extra };
}

const HEAD = "POST / HTTP/1.1\r\nhost: x\r\n\r\n";
const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1");

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield bytes(p);
}

describe("a request held whole", () => {
  it("with no body: the head, and it is written at once", async () => {
    const w = await wire();
    w.writer.write(exchange("GET"), request(null, { kind: "none" }));
    expect(w.events).toEqual(["written"]);
    await eventually(() => w.received() === HEAD);
  });

  it("with no body but chunked framing: the head and the last chunk", async () => {
    const w = await wire();
    w.writer.write(exchange(), request(null, { kind: "chunked" }));
    expect(w.events).toEqual(["written"]);
    await eventually(() => w.received() === `${HEAD}0\r\n\r\n`);
  });

  it("with bytes: the head and the body in one go, framed", async () => {
    const w = await wire();
    w.writer.write(exchange(), request(bytes("hello"), { kind: "chunked" }));
    expect(w.events).toEqual(["written"]);
    await eventually(() => w.received() === `${HEAD}5\r\nhello\r\n0\r\n\r\n`);
  });

  it("more than the socket takes at once: 'stalled' (the write timeout runs), not 'written'", async () => {
    const w = await wire({ paused: true });
    w.writer.write(exchange(), request(new Uint8Array(16 * 1024 * 1024), { kind: "length", length: 16 * 1024 * 1024 }));
    expect(w.events).toEqual(["stalled"]);
    expect(w.writer.wake()).toBe(false); // nothing streamed is waiting: a drain is the Connection's to act on
  });
});

describe("a streamed body", () => {
  it("is 'stalled' from the start and 'written' once the stream ends and all of it left, each chunk framed", async () => {
    const w = await wire();
    const ex = exchange();
    w.writer.write(ex, request(chunks("ab", "", "cde"), { kind: "chunked" }));
    expect(w.events).toEqual(["stalled"]);
    await eventually(() => w.events.length === 2);
    expect(w.events).toEqual(["stalled", "written"]);
    await eventually(() => w.received() === `${HEAD}2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n`);
  });

  it("waits for the socket to drain (stalled again), and goes on only when woken", async () => {
    const w = await wire({ paused: true });
    const big = new Uint8Array(8 * 1024 * 1024);
    const ex = exchange();
    let taken = 0;
    async function* source() {
      for (; taken < 3; ) {
        taken++;
        yield big;
      }
    }
    w.writer.write(ex, request(source(), { kind: "length", length: big.length * 3 }));
    await eventually(() => w.events.length === 2);
    expect(w.events).toEqual(["stalled", "stalled"]);
    expect(taken).toBe(1); // it waits: the next chunk is not asked for
    w.server.resume();
    // The Connection wakes the writer on each drain; here the test does.
    w.client.on("drain", () => w.writer.wake());
    await eventually(() => w.events.includes("written"), 10_000);
    expect(taken).toBe(3);
    await eventually(() => w.received().length === HEAD.length + big.length * 3, 10_000);
  });

  it("a source that throws: 'failed' with WriteError, its error kept as the cause", async () => {
    const w = await wire();
    const boom = new Error("disk gone");
    async function* source() {
      yield bytes("x");
      throw boom;
    }
    w.writer.write(exchange(), request(source(), { kind: "chunked" }));
    await eventually(() => w.events.length === 2);
    expect(w.events).toEqual(["stalled", "failed"]);
    expect(w.failure).toBeInstanceOf(WriteError);
    expect((w.failure as WriteError).detail).toBe("reading the request body failed");
    expect(w.failure!.cause).toBe(boom);
  });

  it("a stream longer than its Content-Length: 'failed' with the encoder's LocalProtocolError itself", async () => {
    const w = await wire();
    w.writer.write(exchange(), request(chunks("abc", "de"), { kind: "length", length: 4 }));
    await eventually(() => w.events.length === 2);
    expect(w.failure).toBeInstanceOf(LocalProtocolError);
    expect(w.failure!.message).toBe("the request body is longer than its Content-Length of 4");
    expect(w.received()).toBe(`${HEAD}abc`); // nothing past the declared length
  });

  it("shorter than its Content-Length: 'failed' at the end, never 'written'", async () => {
    const w = await wire();
    w.writer.write(exchange(), request(chunks("ab"), { kind: "length", length: 4 }));
    await eventually(() => w.events.length === 2);
    expect(w.events).toEqual(["stalled", "failed"]);
    expect(w.failure!.message).toBe("the request body has 2 bytes but its Content-Length is 4");
  });

  it("an exchange that stops (answered early, failed) stops the writer: whatever the source does next, nothing more is written or reported", async () => {
    // After "one", the source waits; the exchange stops; then the source yields, throws, or ends.
    const next: Record<string, () => Uint8Array | undefined> = {
      yields: () => bytes("two"),
      throws: () => {
        throw new Error("after the end");
      },
      ends: () => undefined,
    };
    for (const [what, then] of Object.entries(next)) {
      const w = await wire();
      const ex = exchange();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let resumed = false;
      async function* source() {
        yield bytes("one");
        await gate;
        resumed = true;
        const chunk = then();
        if (chunk !== undefined) yield chunk;
      }
      w.writer.write(ex, request(source(), { kind: "chunked" }));
      await eventually(() => w.received() === `${HEAD}3\r\none\r\n`);
      ex.request = "abandoned";
      release();
      await eventually(() => resumed);
      await new Promise((r) => setImmediate(r));
      expect(w.events, what).toEqual(["stalled"]);
      expect(w.received(), what).toBe(`${HEAD}3\r\none\r\n`); // not "two", nor the body's end
    }
  });

  it("woken while its exchange has stopped: it exits without writing the rest", async () => {
    const w = await wire({ paused: true });
    const ex = exchange();
    const big = new Uint8Array(8 * 1024 * 1024);
    let asked = 0;
    async function* source() {
      for (;;) {
        asked++;
        yield big;
      }
    }
    w.writer.write(ex, request(source(), { kind: "chunked" }));
    await eventually(() => w.events.length === 2); // waiting for drain
    ex.request = "abandoned";
    expect(w.writer.wake()).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(asked).toBe(1);
    expect(w.events).toEqual(["stalled", "stalled"]);
  });
});

describe("Expect: 100-continue", () => {
  const continued = (body: OutgoingRequest["body"]): OutgoingRequest => request(body, { kind: "length", length: 4 }, { expectContinue: true });

  it("the head goes alone; the body when proceed() is called for that exchange, not another", async () => {
    const w = await wire({ expectContinueTimeout: 60_000 });
    const ex = exchange();
    w.writer.write(ex, continued(bytes("body")));
    await eventually(() => w.received() === HEAD);
    expect(w.events).toEqual([]);
    w.writer.proceed(exchange());
    expect(w.events).toEqual([]); // another exchange's 100 releases nothing
    w.writer.proceed(ex);
    expect(w.events).toEqual(["written"]);
    await eventually(() => w.received() === `${HEAD}body`);
    w.writer.proceed(ex); // once only
    await new Promise((r) => setImmediate(r));
    expect(w.received()).toBe(`${HEAD}body`);
  });

  it("no word from the server within expectContinueTimeout: the body goes anyway", async () => {
    const w = await wire({ expectContinueTimeout: 20 });
    w.writer.write(exchange(), continued(bytes("body")));
    await eventually(() => w.received() === `${HEAD}body`);
    expect(w.events).toEqual(["written"]);
  });

  it("released (a final answer came first): the body never goes, timer or not", async () => {
    const w = await wire({ expectContinueTimeout: 20 });
    const ex = exchange();
    w.writer.write(ex, continued(bytes("body")));
    w.writer.release();
    w.writer.proceed(ex);
    await new Promise((r) => setTimeout(r, 60));
    expect(w.received()).toBe(HEAD);
    expect(w.events).toEqual([]);
  });

  it("an exchange that stopped before proceed(): the body stays", async () => {
    const w = await wire({ expectContinueTimeout: 60_000 });
    const ex = exchange();
    w.writer.write(ex, continued(bytes("body")));
    ex.request = "abandoned";
    w.writer.proceed(ex);
    await eventually(() => w.received() === HEAD);
    await new Promise((r) => setImmediate(r));
    expect(w.received()).toBe(HEAD);
    expect(w.events).toEqual([]);
  });

  it("with no body there is nothing to hold: the request goes whole", async () => {
    const w = await wire();
    w.writer.write(exchange(), request(null, { kind: "none" }, { expectContinue: true }));
    expect(w.events).toEqual(["written"]);
  });
});
