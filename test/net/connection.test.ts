/**
 * One Connection (src/net/connection.ts) driven directly, with a recording owner and handlers, on
 * real sockets to scripted servers: its states and what it tells its owner, the reuse verdict, what
 * it takes and refuses, and what each way of failing reports (error, words, phase, and the facts the
 * pool's retry rule reads). The pool is not here: these are the connection's own rules.
 */
import type net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectError, ConnectTimeout, ReadError, ReadTimeout, StreamClosed, type TransportError, WriteError, WriteTimeout } from "../../src/errors.js";
import { afterResponse, type ConnectOptions, Connection, connectTimeoutMessage } from "../../src/net/connection.js";
import type { ExchangeHandler, ExchangeTimeouts, Failure, IncomingResponse, OutgoingRequest } from "../../src/net/exchange.js";
import { forwardOrigin, type Origin, originOf, tunnelOrigin } from "../../src/net/origin.js";
import { parseProxy } from "../../src/net/proxy.js";
import { TlsConfig } from "../../src/net/tls-config.js";
import { testCerts } from "../support/certs.js";
import { useCleanup } from "../support/cleanup.js";
import { eventually, onRequests, rawServer, tlsServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

/** What the owner heard, in order: "ready", "idle", "closed <reason>". */
interface Owned {
  conn: Connection;
  heard: string[];
  /** The error the owner was given with "closed", if any. */
  closedWith: Error | undefined;
  ready: Promise<void>;
  closed: Promise<void>;
}

function open(url: string, options: Partial<ConnectOptions> = {}): Owned {
  return openOrigin(originOf(new URL(url)), options);
}

function openOrigin(origin: Origin, options: Partial<ConnectOptions> = {}): Owned {
  const heard: string[] = [];
  let onReady!: () => void;
  let onClosed!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const closed = new Promise<void>((r) => (onClosed = r));
  const owned = { heard, closedWith: undefined as Error | undefined, ready, closed } as Owned;
  owned.conn = new Connection(
    origin,
    { tls: new TlsConfig({}, false), connectTimeout: 5000, pipelining: 1, ...options },
    {
      connectionReady: () => {
        heard.push("ready");
        onReady();
      },
      connectionIdle: () => void heard.push("idle"),
      connectionClosed: (c, error) => {
        heard.push(`closed ${c.closeReason}`);
        owned.closedWith = error;
        onClosed();
      },
    },
  );
  defer(() => owned.conn.close("pool closed"));
  return owned;
}

async function ready(url: string, options: Partial<ConnectOptions> = {}): Promise<Owned> {
  const owned = open(url, options);
  await Promise.race([owned.ready, owned.closed]);
  expect(owned.heard).toEqual(["ready"]);
  return owned;
}

/** A handler that records its calls and settles `done` on its terminal one. */
interface Heard {
  handler: ExchangeHandler;
  calls: string[];
  response: IncomingResponse | undefined;
  error: TransportError | undefined;
  failure: Failure | undefined;
  /** Settles on onError or onEnd. */
  done: Promise<void>;
  /** Settles on onResponse or onError. */
  answered: Promise<void>;
}

function heard(): Heard {
  let onDone!: () => void;
  let onAnswered!: () => void;
  const h: Heard = {
    calls: [],
    response: undefined,
    error: undefined,
    failure: undefined,
    done: new Promise<void>((r) => (onDone = r)),
    answered: new Promise<void>((r) => (onAnswered = r)),
    handler: {
      onResponse: (response) => {
        h.calls.push(`response ${response.head.status}`);
        h.response = response;
        onAnswered();
      },
      onWritten: () => void h.calls.push("written"),
      onError: (error, failure) => {
        h.calls.push(`error ${error.constructor.name}`);
        h.error = error as TransportError;
        h.failure = failure;
        onAnswered();
        onDone();
      },
      onEnd: (outcome) => {
        h.calls.push(`end ${outcome}`);
        onDone();
      },
    },
  };
  return h;
}

const NO_LIMITS: ExchangeTimeouts = { read: 5000, write: 5000 };

function get(path = "/", method = "GET"): OutgoingRequest {
  return { method, head: `${method} ${path} HTTP/1.1\r\nhost: x\r\n\r\n`, framing: { kind: "none" }, body: null };
}

function put(body: Uint8Array, method = "PUT"): OutgoingRequest {
  return { method, head: `${method} / HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n`, framing: { kind: "length", length: body.length }, body };
}

function send(owned: Owned, request: OutgoingRequest = get(), timeouts = NO_LIMITS): Heard {
  const h = heard();
  owned.conn.send(request, timeouts, h.handler);
  return h;
}

const text = async (h: Heard): Promise<string> => Buffer.concat(await h.response!.body.readAll()).toString("latin1");

/** A server answering every request on a connection with `reply(head, n)`. */
function answering(reply: (head: string, n: number, socket: net.Socket) => string | undefined) {
  return serve(rawServer((socket) => onRequests(socket, (head, n) => {
    const r = reply(head, n, socket);
    if (r !== undefined) socket.write(r);
  })));
}

const OK = (body = "ok") => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

describe("the reuse verdict, afterResponse()", () => {
  const ended = (keepAlive: boolean, written: boolean, early: boolean) => ({ keepAlive, written, early });

  it("keeps a connection only when the response kept it, the request was written whole, and not answered early", () => {
    for (const keepAlive of [true, false])
      for (const written of [true, false])
        for (const early of [true, false]) {
          const expected = keepAlive && written && !early ? "idle" : "close";
          expect(afterResponse(ended(keepAlive, written, early), 0, 0), `${keepAlive} ${written} ${early}`).toBe(expected);
          // With a pipelined request waiting, a good response reads on; a bad one still closes.
          expect(afterResponse(ended(keepAlive, written, early), 5, 1)).toBe(expected === "idle" ? "next" : "close");
        }
  });

  it("bytes after the last response asked for poison the connection; with a request waiting they are its response", () => {
    expect(afterResponse(ended(true, true, false), 1, 0)).toBe("close");
    expect(afterResponse(ended(true, true, false), 0, 2)).toBe("next");
    expect(afterResponse(ended(true, true, false), 1, 1)).toBe("next");
  });
});

describe("a connection's life, as its owner hears it", () => {
  it("ready, then idle after each response read to the end; requests counted; the server's keep-alive hint kept", async () => {
    const s = await answering(() => "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=7\r\n\r\nok");
    const owned = await ready(s.url());
    expect(owned.conn.state).toBe("idle");
    expect(owned.conn.isUsable()).toBe(true);
    for (let i = 1; i <= 2; i++) {
      const h = send(owned);
      expect(owned.conn.state).toBe("active");
      expect(owned.conn.inFlight).toBe(1);
      await h.answered;
      expect(await text(h)).toBe("ok");
      await h.done;
      expect(h.calls).toEqual(["written", "response 200", "end response"]);
      expect(owned.conn.state).toBe("idle");
      expect(owned.conn.requests).toBe(i);
    }
    expect(owned.heard).toEqual(["ready", "idle", "idle"]);
    expect(owned.conn.keepAliveHint).toBe(7000);
    expect(s.accepted).toBe(1);
  });

  it("a response that says close ends the connection after it: closed, not reusable", async () => {
    const s = await answering(() => "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.answered;
    expect(await text(h)).toBe("ok");
    await owned.closed;
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
    expect(owned.closedWith).toBeUndefined();
  });

  it("send() refuses when the connection cannot take the request, naming it", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    send(owned);
    expect(() => send(owned)).toThrow(`connection ${owned.conn.id} (active) cannot take this request now`);
    owned.conn.close("pool closed");
    expect(() => send(owned)).toThrow(`connection ${owned.conn.id} (closed) cannot take this request now`);
    expect(owned.conn.isUsable()).toBe(false);
  });

  it("an idle connection whose socket is ending is not usable, before any event says so", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    const socket = (owned.conn as unknown as { socket: net.Socket }).socket;
    socket.end(); // our side: no longer writable
    expect(owned.conn.state).toBe("idle");
    expect(owned.conn.isUsable()).toBe(false);
    expect(owned.conn.canTake(get())).toBe(false);
  });

  it("an idle connection is not kept alive by its socket; an active one is", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    const socket = (owned.conn as unknown as { socket: net.Socket & { _handle: { hasRef(): boolean } } }).socket;
    expect(socket._handle.hasRef()).toBe(false);
    send(owned);
    expect(socket._handle.hasRef()).toBe(true);
  });
});

describe("bytes nobody asked for", () => {
  it("on an idle connection: it closes at once, as 'unexpected data'", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => (server = socket)));
    const owned = await ready(s.url());
    await eventually(() => server !== undefined);
    server.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    await owned.closed;
    expect(owned.heard).toEqual(["ready", "closed unexpected data"]);
  });

  it("after the response, in the same read: the response is delivered, then the connection closes", async () => {
    const s = await answering(() => OK() + "HTTP/1.1 200 OK\r\n");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(await text(h)).toBe("ok");
    expect(h.calls).toEqual(["written", "response 200", "end response"]);
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });
});

describe("a reader that gives up (cancel) and the rest of the body", () => {
  /** A response whose head and first byte come at once, the rest (`rest` bytes) when the test says. */
  async function cancelled(rest: number): Promise<{ owned: Owned; h: Heard }> {
    let server!: net.Socket;
    const s = await answering((_head, _n, socket) => {
      server = socket;
      return `HTTP/1.1 200 OK\r\ncontent-length: ${rest + 1}\r\n\r\ny`;
    });
    const owned = await ready(s.url());
    const h = send(owned);
    await h.answered;
    h.response!.body.cancel();
    server.write("y".repeat(rest)); // after the reader gave up: read and dropped, up to the limit
    await h.done;
    return { owned, h };
  }

  it("a remainder of exactly 64 KiB is read and dropped, and the connection is reused", async () => {
    const { owned, h } = await cancelled(64 * 1024);
    expect(h.calls).toEqual(["written", "response 200", "end response"]);
    expect(owned.heard).toEqual(["ready", "idle"]);
  });

  it("one byte more: the connection is closed instead, not reusable, and the body ends as aborted", async () => {
    const { owned, h } = await cancelled(64 * 1024 + 1);
    await owned.closed;
    expect(h.calls).toEqual(["written", "response 200", "end aborted"]);
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });
});

describe("close(): what each request in flight hears", () => {
  it("while connecting: the owner is told, with a ConnectError that names the reason; once", async () => {
    const s = await answering(() => undefined);
    const owned = open(s.url());
    owned.conn.close("pool closed");
    owned.conn.close("pool closed");
    expect(owned.heard).toEqual(["closed pool closed"]);
    expect(owned.closedWith).toBeInstanceOf(ConnectError);
    expect(owned.closedWith!.message).toBe(`connection closed before it was established (pool closed) (${owned.conn.origin.key}, during connect)`);
  });

  it("before the response head: the request fails with ReadError naming the reason, neither dropped nor retryable as such", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    const h = send(owned);
    owned.conn.close("making room");
    expect(h.calls).toEqual(["written", "error ReadError"]);
    expect(h.error!.message).toBe(`the connection was closed (making room) (${owned.conn.origin.key}, during read head)`);
    expect(h.failure).toMatchObject({ reused: false, beforeResponse: false, dropped: false });
    expect(owned.heard).toEqual(["ready", "closed making room"]);
  });

  it("with the client closed under an open body: the reader hears StreamClosed in words; the exchange ends as aborted", async () => {
    const s = await answering(() => "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.answered;
    owned.conn.close("pool closed");
    await expect(h.response!.body.readAll()).rejects.toThrow(new StreamClosed("the response body was closed: the client was closed before it was read to the end"));
    expect(h.calls).toEqual(["written", "response 200", "end aborted"]);
  });

  it("for any other reason under an open body: the reader hears a ReadError with the reason", async () => {
    const s = await answering(() => "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.answered;
    owned.conn.close("expired");
    const err = await h.response!.body.readAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as Error).message).toBe(`the connection was closed (expired) (${owned.conn.origin.key}, during read body)`);
    expect(h.calls).toEqual(["written", "response 200", "end aborted"]);
  });
});

describe("the server closing", () => {
  it("an idle connection the server closes: closed, 'server closed'", async () => {
    const s = await serve(rawServer((socket) => socket.end()));
    const owned = await ready(s.url());
    await owned.closed;
    expect(owned.heard).toEqual(["ready", "closed server closed"]);
  });

  it("a body delimited by the close ends with it; the connection is not reusable", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\n\r\nuntil the end"))));
    const owned = await ready(s.url());
    const h = send(owned);
    await h.answered;
    expect(await text(h)).toBe("until the end");
    await h.done;
    expect(h.calls).toEqual(["written", "response 200", "end response"]);
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });

  it("inside the head: INCOMPLETE_RESPONSE, dropped by the peer, after bytes of the response arrived", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.end("HTTP/1.1 200 OK\r\ncontent-"))));
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(h.calls).toEqual(["written", "error RemoteProtocolError"]);
    expect(h.error).toMatchObject({ code: "INCOMPLETE_RESPONSE", phase: "read head" });
    expect(h.error!.detail).toBe("INCOMPLETE_RESPONSE: the server closed the connection inside the response head, after 25 bytes");
    expect(h.failure).toMatchObject({ reused: false, beforeResponse: false, dropped: true });
    expect(owned.heard).toEqual(["ready", "closed server closed"]);
  });

  it("before a byte of the second request's response: reused, before the response, dropped (what the pool retries)", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, (_head, n) => (n === 0 ? socket.write(OK()) : socket.end()))));
    const owned = await ready(s.url());
    const first = send(owned);
    await first.done;
    const second = send(owned);
    await second.done;
    expect(second.error).toMatchObject({ code: "INCOMPLETE_RESPONSE" });
    expect(second.error!.detail).toBe("INCOMPLETE_RESPONSE: the server closed the connection before sending a response");
    expect(second.failure).toMatchObject({ reused: true, beforeResponse: true, dropped: true });
  });

  it("a reset before the response: ReadError with the socket's error as cause, dropped", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.resetAndDestroy())));
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(h.calls).toEqual(["written", "error ReadError"]);
    expect(h.error!.detail).toBe("read failed: read ECONNRESET");
    expect((h.error!.cause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    expect(h.error!.phase).toBe("read head");
    expect(h.failure).toMatchObject({ reused: false, beforeResponse: true, dropped: true });
    expect(owned.heard).toEqual(["ready", "closed error"]);
  });

  it("a reset while the request is still being written: WriteError, in the write phase, dropped", async () => {
    // The server resets as soon as the head has come, while 16 MiB of body are still on their way.
    const s = await serve(rawServer((socket) => socket.once("data", () => socket.resetAndDestroy())));
    const owned = await ready(s.url());
    const h = send(owned, put(new Uint8Array(16 * 1024 * 1024)));
    await h.done;
    expect(h.calls).toEqual(["error WriteError"]);
    expect(h.error!.detail).toMatch(/^write failed: (read ECONNRESET|write EPIPE|write ECONNRESET)$/);
    expect(["ECONNRESET", "EPIPE"]).toContain((h.error!.cause as NodeJS.ErrnoException).code);
    expect(h.error!.phase).toBe("write");
    expect(h.failure).toMatchObject({ beforeResponse: true, dropped: true });
  });
});

describe("pipelining (opt-in): what may go behind a request, and who hears a failure", () => {
  it("idempotent requests held whole go behind one another up to the limit; a POST or an unwritten request never", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url(), { pipelining: 3 });
    expect(owned.conn.canTake(get("/", "POST"))).toBe(true); // idle: anything
    send(owned);
    expect(owned.conn.canTake(get())).toBe(true);
    expect(owned.conn.canTake(put(new Uint8Array(4)))).toBe(true);
    expect(owned.conn.canTake(get("/", "POST"))).toBe(false);
    send(owned);
    send(owned);
    expect(owned.conn.inFlight).toBe(3);
    expect(owned.conn.canTake(get())).toBe(false); // the pipeline is full
  });

  it("behind a request whose body has not all left yet, nothing goes", async () => {
    const s = await serve(rawServer(() => {})); // reads nothing: the 16 MiB body stalls
    const owned = await ready(s.url(), { pipelining: 3 });
    const h = send(owned, put(new Uint8Array(16 * 1024 * 1024)));
    expect(h.calls).toEqual([]); // not written: waiting for the socket to drain
    expect(owned.conn.canTake(get())).toBe(false);
  });

  it("without pipelining an active connection takes nothing", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    send(owned);
    expect(owned.conn.canTake(get())).toBe(false);
  });

  it("responses are read in order and each exchange ends; the connection is idle after the last", async () => {
    const s = await answering((_head, n) => OK(`r${n}`));
    const owned = await ready(s.url(), { pipelining: 3 });
    const hs = [send(owned), send(owned), send(owned)];
    for (const [i, h] of hs.entries()) {
      await h.answered;
      expect(await text(h)).toBe(`r${i}`);
      await h.done;
    }
    expect(owned.heard).toEqual(["ready", "idle"]);
    expect(s.accepted).toBe(1);
  });

  it("the first response closing the connection: those behind it fail as dropped before any response (retryable)", async () => {
    const s = await answering((_head, n) => (n === 0 ? "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n" : undefined));
    const owned = await ready(s.url(), { pipelining: 3 });
    const [first, second, third] = [send(owned), send(owned), send(owned)];
    await Promise.all([first.done, second.done, third.done]);
    expect(first.calls).toEqual(["written", "response 200", "end response"]);
    for (const h of [second, third]) {
      expect(h.calls).toEqual(["written", "error ReadError"]);
      expect(h.error!.detail).toBe("the connection closed before this pipelined request was answered");
      expect(h.error!.cause).toBeUndefined();
      expect(h.failure).toEqual({ error: h.error, reused: true, beforeResponse: true, dropped: true });
    }
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });

  it("aborting one of them: it gets the error; the others fail as dropped, naming it as their cause", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url(), { pipelining: 3 });
    const hs = [send(owned), send(owned), send(owned)];
    const cause = new ReadError("the request was aborted");
    owned.conn.abort(cause, hs[1]!.handler);
    expect(hs[1]!.error).toBe(cause);
    expect(hs[1]!.failure).toMatchObject({ reused: true, beforeResponse: true, dropped: false });
    for (const h of [hs[0]!, hs[2]!]) {
      expect(h.error!.detail).toBe("the connection failed before this pipelined request was answered: the request was aborted");
      expect(h.error!.cause).toBe(cause);
      expect(h.failure).toMatchObject({ reused: true, beforeResponse: true, dropped: true });
    }
    expect(owned.heard).toEqual(["ready", "closed aborted"]);
  });

  it("aborting for a handler no longer in flight: every request left fails as dropped, with the bare message", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url(), { pipelining: 2 });
    const hs = [send(owned), send(owned)];
    owned.conn.abort(new ReadError("gone"), heard().handler);
    for (const h of hs) {
      expect(h.error!.detail).toBe("gone");
      expect(h.error!.cause).toBeUndefined();
      expect(h.failure).toMatchObject({ beforeResponse: true, dropped: true });
    }
  });

  it("aborting with no handler named: the first request owns the error; the first on a fresh connection is not 'reused'", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url(), { pipelining: 2 });
    const hs = [send(owned), send(owned)];
    const cause = new ReadError("stop");
    owned.conn.abort(cause);
    expect(hs[0]!.error).toBe(cause);
    expect(hs[0]!.failure).toMatchObject({ reused: false, beforeResponse: true, dropped: false });
    expect(hs[1]!.error!.cause).toBe(cause);
    owned.conn.abort(new ReadError("again")); // closed: nothing more happens
    expect(hs[0]!.calls).toEqual(["written", "error ReadError"]);
  });
});

describe("writing", () => {
  it("a body held whole that waits for the socket to drain is 'written' only once it has all gone; the connection is then reused", async () => {
    let reading!: () => void;
    const go = new Promise<void>((r) => (reading = r));
    const size = 16 * 1024 * 1024;
    const s = await serve(rawServer((socket) => {
      socket.pause();
      void go.then(() => {
        let got = 0;
        socket.resume();
        socket.on("data", (c: Buffer) => {
          got += c.length;
          if (got >= size) socket.write(OK()); // the head's bytes are counted too: it answers at the body's end
        });
      });
    }));
    const owned = await ready(s.url());
    const h = send(owned, put(new Uint8Array(size)));
    expect(h.calls).toEqual([]);
    reading();
    await h.done;
    expect(h.calls).toEqual(["written", "response 200", "end response"]);
    expect(owned.heard).toEqual(["ready", "idle"]);
  });

  it("a server that takes nothing: WriteTimeout in words, the connection closed for 'timeout'", async () => {
    const s = await serve(rawServer((socket) => socket.pause()));
    const owned = await ready(s.url());
    const h = send(owned, put(new Uint8Array(16 * 1024 * 1024)), { read: 5000, write: 100 });
    await h.done;
    expect(h.error).toBeInstanceOf(WriteTimeout);
    expect(h.error!.detail).toBe("write made no progress for 100 ms");
    expect(h.error!.phase).toBe("write");
    expect(h.failure).toMatchObject({ dropped: false });
    expect(owned.heard).toEqual(["ready", "closed timeout"]);
  });
});

describe("timeouts", () => {
  it("a server that never answers: ReadTimeout in words, in the read-head phase, the connection closed for 'timeout'", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    const h = send(owned, get(), { read: 50, write: 5000 });
    await h.done;
    expect(h.error).toBeInstanceOf(ReadTimeout);
    expect(h.error!.message).toBe(`no data from the server for 50 ms (${owned.conn.origin.key}, during read head)`);
    expect(h.failure).toMatchObject({ reused: false, dropped: false });
    expect(owned.heard).toEqual(["ready", "closed timeout"]);
  });

  it("a TLS server that never finishes the handshake: ConnectTimeout naming the handshake, given to the owner", async () => {
    const s = await serve(rawServer(() => {}));
    const owned = open(`https://127.0.0.1:${s.port}/`, { connectTimeout: 50 });
    await owned.closed;
    expect(owned.heard).toEqual(["closed timeout"]);
    expect(owned.closedWith).toBeInstanceOf(ConnectTimeout);
    expect(owned.closedWith!.message).toBe(`TLS handshake timed out after 50 ms (${owned.conn.origin.key}, during connect)`);
  });

  it("no timeout (null) means none: a slow answer is waited for", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => onRequests(socket, () => (server = socket))));
    const owned = await ready(s.url());
    const h = send(owned, get(), { read: null, write: null });
    await eventually(() => server !== undefined);
    await new Promise((r) => setTimeout(r, 30));
    server.write(OK());
    await h.done;
    expect(h.calls).toEqual(["written", "response 200", "end response"]);
  });
});

describe("the read timeout counts silence, not the whole response (fake timers for the connection's timer)", () => {
  afterEach(() => void vi.useRealTimers());

  /** A server that sends the head and one body byte, then one more byte each time the test asks. */
  async function dribbling(length: number): Promise<{ owned: Owned; h: Heard; more: (bytes: string) => void }> {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => onRequests(socket, () => {
      server = socket;
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${length}\r\n\r\na`);
    })));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const owned = await ready(s.url());
    const h = send(owned, get(), { read: 200, write: 5000 });
    await h.answered;
    return { owned, h, more: (bytes) => server.write(bytes) };
  }

  it("each piece of the body starts the time again; silence for the whole timeout ends it", async () => {
    const { h, more } = await dribbling(3);
    const it = h.response!.body[Symbol.asyncIterator]();
    expect((await it.next()).value).toHaveLength(1);
    vi.advanceTimersByTime(150);
    more("b");
    expect((await it.next()).value).toHaveLength(1);
    vi.advanceTimersByTime(150); // 300 ms since the request, 150 since the last byte
    expect(h.calls).toEqual(["written", "response 200"]);
    vi.advanceTimersByTime(50);
    await expect(it.next()).rejects.toThrow(ReadTimeout);
    expect(h.calls).toEqual(["written", "response 200", "end timeout"]);
  });

  it("a reader that stops reading is not a slow server: while the socket is paused, no timeout; reading again restarts it", async () => {
    const big = 2 * 1024 * 1024;
    const { owned, h, more } = await dribbling(big + 2);
    more("b".repeat(big)); // more than the body's high-water mark: the socket is paused
    const body = h.response!.body;
    await vi.waitFor(() => expect(body.received).toBeGreaterThan(256 * 1024), { interval: 1 });
    const socket = (owned.conn as unknown as { socket: net.Socket }).socket;
    await vi.waitFor(() => expect(socket.isPaused()).toBe(true), { interval: 1 });
    vi.advanceTimersByTime(10_000);
    expect(h.calls).toEqual(["written", "response 200"]);
    // Reading takes it under the mark and resumes; the rest comes but one byte: silence, then the timeout.
    const it = body[Symbol.asyncIterator]();
    let got = 0;
    while (got < big + 1) got += (await it.next()).value!.length;
    vi.advanceTimersByTime(199);
    expect(h.calls).toEqual(["written", "response 200"]);
    vi.advanceTimersByTime(1);
    await expect(it.next()).rejects.toThrow(ReadTimeout);
  });
});

// --- rules named by the mutants that survived the fast suite (docs/testing.md)

const certs = testCerts();

const socketOf = (owned: Owned): net.Socket => (owned.conn as unknown as { socket: net.Socket }).socket;
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`simulated ${code}`), { code });

/** A connection that has served one response, with its second request sent; `second` is the server's answer to that one (none if not given). */
async function secondRequest(second?: string): Promise<{ owned: Owned; h: Heard }> {
  const s = await answering((_head, n) => (n === 0 ? OK() : second));
  const owned = await ready(s.url());
  await send(owned).done;
  return { owned, h: send(owned) };
}

describe("who a failure belongs to, and what the pool's retry rule is told", () => {
  it("close() under the second request of a connection: reused", async () => {
    const { owned, h } = await secondRequest();
    owned.conn.close("making room");
    expect(h.failure).toMatchObject({ reused: true, beforeResponse: false, dropped: false });
  });

  it("junk where the second response should start: stale (before the response, dropped), so a GET may be retried", async () => {
    const { h } = await secondRequest("XYZ junk\r\n\r\n");
    await h.done;
    expect(h.error).toMatchObject({ code: "HPE_INVALID_CONSTANT" });
    expect(h.failure).toMatchObject({ reused: true, beforeResponse: true, dropped: true });
  });

  it("the same junk as a first response: not stale (the server got this request), not dropped", async () => {
    const s = await answering(() => "XYZ junk\r\n\r\n");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(h.failure).toMatchObject({ reused: false, beforeResponse: false, dropped: false });
  });

  it("a bad response after a good head start is a protocol error, not stale, even on a reused connection", async () => {
    const { h } = await secondRequest("HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n");
    await h.done;
    expect(h.failure).toMatchObject({ reused: true, beforeResponse: false, dropped: false });
  });

  it("a TLS record where the first response should be: TLS_RESPONSE, in words", async () => {
    // A TLS alert record (handshake failure), which is what a TLS server answers to plain HTTP.
    const s = await answering(() => "\x15\x03\x01\x00\x02\x02\x28");
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(h.error).toMatchObject({ code: "TLS_RESPONSE", detail: "TLS_RESPONSE: the server answered in TLS: is this an https:// port?" });
  });

  it("TLS-looking junk on a reused connection is stale junk, not a TLS port", async () => {
    const { h } = await secondRequest("\x16\x03\x01junk");
    await h.done;
    expect(h.error).toMatchObject({ code: "HPE_INVALID_CONSTANT" });
    expect(h.failure).toMatchObject({ beforeResponse: true, dropped: true });
  });

  it("aborting the second of two pipelined requests while the first's response is arriving: its own failure is before its response", async () => {
    const s = await answering((_head, n) => (n === 0 ? "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc" : undefined));
    const owned = await ready(s.url(), { pipelining: 2 });
    const [first, second] = [send(owned), send(owned)];
    await first.answered;
    owned.conn.abort(new ReadError("stop"), second.handler);
    expect(second.failure).toMatchObject({ reused: true, beforeResponse: true, dropped: false });
    await expect(first.response!.body.readAll()).rejects.toThrow("the connection failed before this pipelined request was answered: stop");
  });

  it("a handler that throws on the response: the body fails with ReadError, the handler's error as its cause", async () => {
    const s = await answering(() => OK("body"));
    const owned = await ready(s.url());
    const h = heard();
    const boom = new Error("handler bug");
    let body: IncomingResponse["body"] | undefined;
    owned.conn.send(get(), NO_LIMITS, {
      ...h.handler,
      onResponse: (r) => {
        body = r.body;
        throw boom;
      },
    });
    await h.done;
    const err = await body!.readAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadError);
    expect((err as ReadError).detail).toBe("reading the response failed");
    expect((err as Error).cause).toBe(boom);
    expect(h.calls).toEqual(["written", "end error"]);
  });
});

describe("client certificates over TLS 1.3, where the refusal comes after the handshake", () => {
  const withCert = () => new TlsConfig({ ca: certs.ca, cert: certs.selfSigned.cert, key: certs.selfSigned.key }, true);

  it("presented, and the server closes before a byte: a ConnectError that says it probably refused the certificate", async () => {
    const { port } = await serve(tlsServer({}, (socket) => socket.end()));
    const owned = await ready(`https://localhost:${port}/`, { tls: withCert() });
    const h = send(owned);
    await h.done;
    expect(h.error).toBeInstanceOf(ConnectError);
    expect(h.error!.message).toBe(`the server localhost closed the connection right after the TLS handshake, before any answer: it probably refused our client certificate (${owned.conn.origin.key}, during connect)`);
  });

  it("no certificate presented, the same close: the response was cut short, nothing about certificates", async () => {
    const { port } = await serve(tlsServer({}, (socket) => socket.end()));
    const owned = await ready(`https://localhost:${port}/`, { tls: new TlsConfig({ ca: certs.ca }, true) });
    const h = send(owned);
    await h.done;
    expect(h.error).toMatchObject({ code: "INCOMPLETE_RESPONSE" });
  });

  it("presented, but the server had already answered on this connection: a cut-short response, not a refusal", async () => {
    const { port } = await serve(tlsServer({}, (socket) => onRequests(socket, (_head, n) => (n === 0 ? socket.write(OK()) : socket.end()))));
    const owned = await ready(`https://localhost:${port}/`, { tls: withCert() });
    await send(owned).done;
    const h = send(owned);
    await h.done;
    expect(h.error).toMatchObject({ code: "INCOMPLETE_RESPONSE" });
  });

  it("presented, and some of the response came before the close: cut short, not a refusal", async () => {
    const { port } = await serve(tlsServer({}, (socket) => onRequests(socket, () => socket.end("HTTP/1.1 2"))));
    const owned = await ready(`https://localhost:${port}/`, { tls: withCert() });
    const h = send(owned);
    await h.done;
    expect(h.error).toMatchObject({ code: "INCOMPLETE_RESPONSE" });
  });

  it("none presented to a server that requires one: its alert on the first read is a ConnectError in words, with the cause", async () => {
    const { port } = await serve(tlsServer({ requestCert: true, rejectUnauthorized: true, ca: certs.ca }));
    const owned = await ready(`https://localhost:${port}/`, { tls: new TlsConfig({ ca: certs.ca }, true) });
    const h = send(owned);
    await h.done;
    expect(h.error).toBeInstanceOf(ConnectError);
    expect(h.error!.message).toBe(`the server localhost requires a client certificate (tls.cert and tls.key) (${owned.conn.origin.key}, during connect)`);
    expect((h.error!.cause as NodeJS.ErrnoException).code).toBe("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });

  it("the same alert on a later request is a read failure, not a failure to connect (simulated: the socket reports it)", async () => {
    const { owned, h } = await secondRequest();
    socketOf(owned).emit("error", errno("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"));
    expect(h.error).toBeInstanceOf(ReadError);
    expect(h.error!.detail).toBe("read failed: simulated ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });
});

describe("socket events in between (simulated where no server can make them on cue)", () => {
  it("EPIPE on our write after the server already answered (an early 413): ignored, the response is read to its end", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => {
      server = socket;
      socket.once("data", () => {
        socket.pause(); // the 16 MiB body stays unread
        socket.write("HTTP/1.1 413 Too Large\r\ncontent-length: 6\r\nconnection: close\r\n\r\nto");
      });
    }));
    const owned = await ready(s.url());
    const h = send(owned, put(new Uint8Array(16 * 1024 * 1024)));
    await h.answered;
    socketOf(owned).emit("error", errno("EPIPE"));
    server.end(" big");
    expect(await text(h)).toBe("to big");
    await h.done;
    expect(h.calls).toEqual(["response 413", "end response"]);
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });

  it("any other error then fails the body: a reset is still a reset", async () => {
    const s = await serve(rawServer((socket) => socket.once("data", () => {
      socket.pause();
      socket.write("HTTP/1.1 413 Too Large\r\ncontent-length: 6\r\n\r\nto");
    })));
    const owned = await ready(s.url());
    const h = send(owned, put(new Uint8Array(16 * 1024 * 1024)));
    await h.answered;
    socketOf(owned).emit("error", errno("ECONNRESET"));
    await expect(h.response!.body.readAll()).rejects.toThrow("read failed: simulated ECONNRESET");
  });

  it("which socket errors mean the peer dropped the connection: resets, broken pipes, aborts; not a timeout", async () => {
    for (const [code, dropped] of [["ECONNRESET", true], ["EPIPE", true], ["ECONNABORTED", true], ["ETIMEDOUT", false]] as const) {
      const s = await answering(() => undefined);
      const owned = await ready(s.url());
      const h = send(owned);
      socketOf(owned).emit("error", errno(code));
      expect(h.failure, code).toMatchObject({ dropped });
      expect(h.error!.detail).toBe(`read failed: simulated ${code}`);
    }
  });

  it("a socket closed under a request with neither EOF nor error: ReadError, dropped", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    const h = send(owned);
    socketOf(owned).destroy();
    await h.done;
    expect(h.error!.detail).toBe("connection closed unexpectedly");
    expect(h.failure).toMatchObject({ dropped: true });
    expect(owned.heard).toEqual(["ready", "closed server closed"]);
  });

  it("an idle socket closed that way: closed, 'server closed'; and it is not usable from the moment it was destroyed", async () => {
    const s = await answering(() => undefined);
    const owned = await ready(s.url());
    socketOf(owned).destroy();
    expect(owned.conn.isUsable()).toBe(false);
    await owned.closed;
    expect(owned.heard).toEqual(["ready", "closed server closed"]);
  });
});

describe("connect timeouts name the step that stalled", () => {
  it("a CONNECT proxy that never answers: the tunnel was not opened in time", async () => {
    const proxy = await serve(rawServer(() => {}));
    const origin = tunnelOrigin(originOf(new URL("http://target.test/")), parseProxy(`http://127.0.0.1:${proxy.port}`, "the test"));
    const owned = openOrigin(origin, { connectTimeout: 50 });
    await owned.closed;
    expect(owned.closedWith).toBeInstanceOf(ConnectTimeout);
    expect(owned.closedWith!.message).toBe(`the proxy http://127.0.0.1:${proxy.port} did not open the tunnel within 50 ms (${origin.key}, during connect)`);
  });

  it("an https:// proxy that never finishes its handshake: the proxy's TLS timed out", async () => {
    const proxy = await serve(rawServer(() => {}));
    const origin = forwardOrigin(parseProxy(`https://localhost:${proxy.port}`, "the test"));
    const owned = openOrigin(origin, { connectTimeout: 50 });
    await owned.closed;
    expect(owned.closedWith!.message).toBe(`the TLS handshake with the proxy https://localhost:${proxy.port} timed out after 50 ms (${origin.key}, during connect)`);
  });
});

describe("options and views", () => {
  it("maxHeaderSize applies to the response head", async () => {
    const s = await answering(() => `HTTP/1.1 200 OK\r\nx-long: ${"a".repeat(200)}\r\ncontent-length: 0\r\n\r\n`);
    const owned = await ready(s.url(), { maxHeaderSize: 100 });
    const h = send(owned);
    await h.done;
    expect(h.error).toMatchObject({ code: "HEADERS_TOO_LARGE" });
  });

  it("streaming: true while a body is being read, not while waiting for the head nor once it ended", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => onRequests(socket, () => (server = socket))));
    const owned = await ready(s.url());
    const h = send(owned);
    expect(owned.conn.streaming).toBe(false);
    await eventually(() => server !== undefined);
    server.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab");
    await h.answered;
    expect(owned.conn.streaming).toBe(true);
    server.write("cd");
    await h.done;
    expect(owned.conn.streaming).toBe(false);
  });

  it("streaming stays true while a body the reader gave up on is drained", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => onRequests(socket, () => (server = socket))));
    const owned = await ready(s.url());
    const h = send(owned);
    await eventually(() => server !== undefined);
    server.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab");
    await h.answered;
    h.response!.body.cancel();
    expect(owned.conn.streaming).toBe(true);
    server.write("cd");
    await h.done;
    expect(owned.conn.streaming).toBe(false);
  });

  it("connect timeouts with no proxy, and to a proxy, in words (a TCP connect cannot be made to hang here)", () => {
    const direct = originOf(new URL("http://slow.test:81/"));
    expect(connectTimeoutMessage("connect", direct, 25)).toBe("connect timed out after 25 ms");
    expect(connectTimeoutMessage("tls", direct, 25)).toBe("TLS handshake timed out after 25 ms");
    const proxied = forwardOrigin(parseProxy("http://p.test:3128", "the test"));
    expect(connectTimeoutMessage("connect", proxied, 25)).toBe("connecting to the proxy http://p.test:3128 timed out after 25 ms");
  });

  it("a 1xx other than 100 does not release a body held for Expect: 100-continue; the 100 does", async () => {
    const events: string[] = [];
    const s = await serve(rawServer((socket) => {
      let seen = "";
      socket.setEncoding("latin1");
      socket.on("data", (c: string) => {
        seen += c;
        if (seen.endsWith("\r\n\r\n") && events.length === 0) {
          events.push("head");
          socket.write("HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n");
          // Long enough for a body released by the 103 to arrive first; it must not.
          setTimeout(() => {
            events.push(seen.endsWith("body") ? "body before 100" : "100");
            socket.write("HTTP/1.1 100 Continue\r\n\r\n");
          }, 50);
        } else if (seen.endsWith("body")) {
          events.push("body");
          socket.write(OK());
        }
      });
    }));
    const owned = await ready(s.url(), { expectContinueTimeout: 60_000 });
    const h = send(owned, { ...put(Buffer.from("body")), expectContinue: true });
    await h.done;
    expect(events).toEqual(["head", "100", "body"]);
  });

  it("a 100 Continue nobody asked for is skipped", async () => {
    const s = await answering(() => "HTTP/1.1 100 Continue\r\n\r\n" + OK());
    const owned = await ready(s.url());
    const h = send(owned);
    await h.done;
    expect(await text(h)).toBe("ok");
  });
});

describe("the window between a response's end and the verdict", () => {
  it("in onEnd the connection takes nothing yet (it is not idle), and a close there is final: no 'idle' after it", async () => {
    const s = await answering(() => OK());
    const owned = await ready(s.url(), { pipelining: 2 });
    const h = heard();
    const asked: boolean[] = [];
    owned.conn.send(get(), NO_LIMITS, {
      ...h.handler,
      onEnd: (outcome) => {
        asked.push(owned.conn.canTake(get()));
        owned.conn.close("pool closed");
        h.handler.onEnd(outcome);
      },
    });
    await h.done;
    expect(asked).toEqual([false]);
    expect(owned.heard).toEqual(["ready", "closed pool closed"]);
    expect(owned.conn.state).toBe("closed");
  });

  it("three pipelined responses in one read: each ends, in order, and the connection goes idle once", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, (_head, n) => {
      if (n === 2) socket.write(OK("a") + OK("b") + OK("c"));
    })));
    const owned = await ready(s.url(), { pipelining: 3 });
    const hs = [send(owned), send(owned), send(owned)];
    await Promise.all(hs.map((h) => h.done));
    expect(await Promise.all(hs.map(text))).toEqual(["a", "b", "c"]);
    expect(owned.heard).toEqual(["ready", "idle"]);
  });

  it("a response that closes, with the next one in the same read: the one behind fails as dropped", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, (_head, n) => {
      if (n === 1) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\na" + OK("b"));
    })));
    const owned = await ready(s.url(), { pipelining: 2 });
    const [first, second] = [send(owned), send(owned)];
    await Promise.all([first.done, second.done]);
    expect(first.calls).toEqual(["written", "response 200", "end response"]);
    expect(second.failure).toMatchObject({ beforeResponse: true, dropped: true });
  });
});

describe("writing while something else happens", () => {
  /** A streamed body: a chunk each time it is asked, until `stop`; counts how often it was asked. */
  function endless(): { body: AsyncIterable<Uint8Array>; asked: () => number; stop: () => void } {
    let asked = 0;
    let stopped = false;
    return {
      asked: () => asked,
      stop: () => void (stopped = true),
      body: (async function* () {
        while (!stopped) {
          asked++;
          yield new Uint8Array(1024);
          await new Promise((r) => setImmediate(r));
        }
      })(),
    };
  }
  const streamed = (body: AsyncIterable<Uint8Array>): OutgoingRequest => ({ method: "POST", head: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n", framing: { kind: "chunked" }, body });

  it("an early answer to a streamed upload: the source is no longer read, and the connection is not reused though the answer kept it", async () => {
    const s = await serve(rawServer((socket) => socket.once("data", () => socket.write(OK("early")))));
    const owned = await ready(s.url());
    const source = endless();
    const h = send(owned, streamed(source.body));
    await h.done;
    expect(await text(h)).toBe("early");
    const asked = source.asked();
    await new Promise((r) => setTimeout(r, 20));
    expect(source.asked()).toBeLessThanOrEqual(asked + 1);
    source.stop();
    expect(h.calls).toEqual(["response 200", "end response"]);
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });

  it("a source that ends just after an early answer: the connection still is not reused", async () => {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => socket.once("data", () => {
      server = socket;
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nea");
    })));
    const owned = await ready(s.url());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = send(owned, streamed((async function* () {
      yield new Uint8Array(10);
      await gate;
    })()));
    await h.answered;
    release(); // the source ends now, after the answer began
    await new Promise((r) => setImmediate(r));
    server.write("rly");
    await h.done;
    expect(await text(h)).toBe("early");
    expect(owned.heard).toEqual(["ready", "closed not reusable"]);
  });

  it("an abort during a streamed upload lets go of the source: its finally block runs", async () => {
    const s = await serve(rawServer(() => {}));
    const owned = await ready(s.url());
    let finished = false;
    let chunks = 0;
    const h = send(owned, streamed((async function* () {
      try {
        for (;;) {
          chunks++;
          yield new Uint8Array(64 * 1024);
        }
      } finally {
        finished = true;
      }
    })()));
    await eventually(() => chunks > 3);
    owned.conn.abort(new ReadError("aborted"), h.handler);
    await eventually(() => finished);
    expect(h.calls).toEqual(["error ReadError"]);
  });

  it("an abort during a streamed upload stops reading the source", async () => {
    const s = await serve(rawServer(() => {}));
    const owned = await ready(s.url());
    const source = endless();
    const h = send(owned, streamed(source.body));
    await eventually(() => source.asked() > 3);
    owned.conn.abort(new ReadError("aborted"), h.handler);
    const asked = source.asked();
    await new Promise((r) => setTimeout(r, 20));
    expect(source.asked()).toBeLessThanOrEqual(asked + 1);
    source.stop();
    expect(h.calls).toEqual(["error ReadError"]);
  });

  it("a drain reports 'written' once per request: not again for one already written", async () => {
    let reading!: () => void;
    const go = new Promise<void>((r) => (reading = r));
    const size = 16 * 1024 * 1024;
    const s = await serve(rawServer((socket) => {
      socket.pause();
      void go.then(() => socket.resume());
    }));
    const owned = await ready(s.url(), { pipelining: 2 });
    const first = send(owned); // written at once
    const second = send(owned, put(new Uint8Array(size))); // waits for the socket to drain
    expect(first.calls).toEqual(["written"]);
    reading();
    await eventually(() => second.calls.includes("written"), 10_000);
    expect(first.calls).toEqual(["written"]);
  });
});

describe("the timer follows the request being answered (fake timers)", () => {
  afterEach(() => void vi.useRealTimers());

  async function pipelined(pauseAfterHeads = false): Promise<{ s: Awaited<ReturnType<typeof answering>>; server: () => net.Socket }> {
    let server!: net.Socket;
    const s = await serve(rawServer((socket) => {
      server = socket;
      onRequests(socket, (_head, n) => {
        if (n === 0) socket.write(OK("first"));
        if (pauseAfterHeads) socket.pause();
      });
    }));
    return { s, server: () => server };
  }

  it("the next pipelined request is timed by its own read timeout once the first response ended", async () => {
    const { s } = await pipelined();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const owned = await ready(s.url(), { pipelining: 2 });
    const first = send(owned, get(), { read: 10_000, write: 5000 });
    const second = send(owned, get(), { read: 50, write: 5000 });
    await first.done;
    vi.advanceTimersByTime(49);
    expect(second.calls).toEqual(["written"]);
    vi.advanceTimersByTime(1);
    expect(second.error).toBeInstanceOf(ReadTimeout);
  });

  it("the first request's read timeout is not restarted by a request written behind it", async () => {
    const s = await answering(() => undefined);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const owned = await ready(s.url(), { pipelining: 2 });
    const first = send(owned, get(), { read: 100, write: 5000 });
    vi.advanceTimersByTime(60);
    send(owned, get(), { read: 100, write: 5000 });
    vi.advanceTimersByTime(40);
    expect(first.error).toBeInstanceOf(ReadTimeout);
  });

  it("a request behind, still waiting to drain, does not take the timer from the first's read timeout", async () => {
    const s = await serve(rawServer((socket) => onRequests(socket, () => socket.pause())));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const owned = await ready(s.url(), { pipelining: 2 });
    const first = send(owned, get(), { read: 100, write: 5000 });
    send(owned, put(new Uint8Array(16 * 1024 * 1024)), { read: 5000, write: 10_000 });
    vi.advanceTimersByTime(100);
    expect(first.error).toBeInstanceOf(ReadTimeout);
  });

  it("once the first response ended, a request behind that is still being written is timed by its write timeout", async () => {
    const { s } = await pipelined(true);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const owned = await ready(s.url(), { pipelining: 2 });
    const first = send(owned, get(), { read: 5000, write: 5000 });
    const second = send(owned, put(new Uint8Array(16 * 1024 * 1024)), { read: 5000, write: 100 });
    await first.done;
    expect(second.calls).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(second.error).toBeInstanceOf(WriteTimeout);
    expect(second.error!.phase).toBe("write");
  });
});
