/**
 * ReplyReader (src/net/reply-reader.ts), the part of the CONNECT and SOCKS5 handshakes that
 * gathers a proxy's replies across reads. Its socket here is an event emitter that records
 * pause(): the reader only listens for "data" and pauses, so nothing else of a socket is needed.
 */
import { EventEmitter } from "node:events";
import type net from "node:net";
import { describe, expect, it } from "vitest";
import { ProxyError } from "../../src/errors.js";
import { ReplyReader } from "../../src/net/reply-reader.js";

class FakeSocket extends EventEmitter {
  paused = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  send(text: string): void {
    this.emit("data", Buffer.from(text, "latin1"));
  }
}

function reader(maxReply = 64): { socket: FakeSocket; reader: ReplyReader; failures: Error[] } {
  const socket = new FakeSocket();
  const failures: Error[] = [];
  return { socket, failures, reader: new ReplyReader(socket as unknown as net.Socket, (e) => failures.push(e), maxReply) };
}

/** A reply that ends at the first "." (the period included). */
const upToPeriod = (seen: string[]) => (g: Buffer): number => {
  seen.push(g.toString("latin1"));
  const i = g.indexOf(".");
  return i === -1 ? 0 : i + 1;
};

describe("ReplyReader", () => {
  it("gathers a reply across reads and hands over exactly its bytes", () => {
    const { socket, reader: r } = reader();
    const seen: string[] = [];
    const replies: string[] = [];
    r.expect(upToPeriod(seen), (reply) => replies.push(reply.toString("latin1")));
    socket.send("HEL");
    socket.send("LO.");
    expect(seen).toEqual(["HEL", "HELLO."]);
    expect(replies).toEqual(["HELLO."]);
  });

  it("bytes past one reply wait for the next step, which reads them at once; past the last they are handed back", () => {
    const { socket, reader: r } = reader();
    const replies: string[] = [];
    r.expect(upToPeriod([]), (reply) => {
      replies.push(reply.toString("latin1"));
      r.expect(upToPeriod([]), (second) => replies.push(second.toString("latin1")));
    });
    socket.send("one.two.rest");
    expect(replies).toEqual(["one.", "two."]);
    expect(r.detach().toString("latin1")).toBe("rest");
  });

  it("a step is shown bytes only: expect() with nothing gathered waits for data", () => {
    const { socket, reader: r } = reader();
    const seen: string[] = [];
    r.expect(upToPeriod(seen), () => {});
    expect(seen).toEqual([]);
    socket.send("x");
    expect(seen).toEqual(["x"]);
  });

  it("no step waiting: data is kept for the step to come", () => {
    const { socket, reader: r } = reader();
    socket.send("early.");
    const replies: string[] = [];
    r.expect(upToPeriod([]), (reply) => replies.push(reply.toString("latin1")));
    expect(replies).toEqual(["early."]);
  });

  it("detach() pauses the socket and stops listening: later bytes are not read", () => {
    const { socket, reader: r } = reader();
    const seen: string[] = [];
    r.expect(upToPeriod(seen), () => {});
    expect(r.detach().length).toBe(0);
    expect(socket.paused).toBe(true);
    expect(socket.listenerCount("data")).toBe(0);
    socket.send("late.");
    expect(seen).toEqual([]);
  });

  it("a reply may grow to maxReply bytes unfinished; one byte more fails the handshake with a ProxyError", () => {
    const { socket, reader: r, failures } = reader(8);
    r.expect(upToPeriod([]), () => {});
    socket.send("12345678");
    expect(failures).toEqual([]);
    socket.send("9");
    expect(failures).toEqual([new ProxyError("the proxy's reply is longer than 8 bytes")]);
    expect(socket.paused).toBe(true);
    expect(socket.listenerCount("data")).toBe(0);
  });

  it("a step that refuses the reply (throws): the handshake fails with its error, and the reader stops", () => {
    const { socket, reader: r, failures } = reader();
    const refusal = new ProxyError("no such reply");
    r.expect(() => {
      throw refusal;
    }, () => {});
    socket.send("x");
    expect(failures).toEqual([refusal]);
    expect(socket.listenerCount("data")).toBe(0);
  });
});
