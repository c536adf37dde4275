/**
 * The SOCKS5 handshake (src/net/socks5.ts) against a scripted proxy on a real socket: the
 * bytes we send at each step (greeting, RFC 1929 credentials, CONNECT for an IPv4 address,
 * an IPv6 address or a name), and every refusal or malformed reply a proxy can send, in words.
 * test/net/proxy.test.ts runs the same code against microsocks; this file reaches what a
 * well-behaved proxy never does.
 */
import { describe, expect, it } from "vitest";
import { ProxyError } from "../../src/errors.js";
import { originOf } from "../../src/net/origin.js";
import { parseProxy } from "../../src/net/proxy.js";
import { lookup, openSocksTunnel, type Resolve } from "../../src/net/socks5.js";
import { useCleanup } from "../support/cleanup.js";
import { connectedSocket, eventually, rawServer } from "../support/servers.js";

const { defer, serve } = useCleanup();

/** One step of the proxy's script: wait for `take` bytes from the client, note them, answer. */
interface Step {
  take: number;
  answer: number[] | string;
}

const OK_REPLY = [5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90]; // succeeded, bound to 10.0.0.1:8080

interface Outcome {
  /** What the proxy received at each step, in hex. */
  sent: string[];
  error?: Error;
  /** The bytes after the last reply, as the tunnel hands them on. */
  rest?: string;
}

async function handshake(proxyURL: string, target: string, script: Step[], resolve: Resolve = (_h, done) => done(null, "127.0.0.1", 4)): Promise<Outcome> {
  const sent: string[] = [];
  const server = await serve(rawServer((socket) => {
    let gathered = Buffer.alloc(0);
    let step = 0;
    socket.on("data", (chunk) => {
      gathered = Buffer.concat([gathered, chunk]);
      while (step < script.length && gathered.length >= script[step]!.take) {
        const { take, answer } = script[step++]!;
        sent.push(gathered.subarray(0, take).toString("hex"));
        gathered = gathered.subarray(take);
        socket.write(typeof answer === "string" ? Buffer.from(answer, "latin1") : Buffer.from(answer));
      }
    });
  }));
  const proxy = parseProxy(proxyURL.replace("PORT", String(server.port)), "the test");
  const socket = await connectedSocket(server.port);
  defer(() => socket.destroy());
  return new Promise((ok) => {
    openSocksTunnel(socket, originOf(new URL(target)), proxy, resolve, (error, rest) => {
      ok({ sent, ...(error ? { error } : {}), ...(rest ? { rest: rest.toString("latin1") } : {}) });
    });
  });
}

const message = (o: Outcome): string => {
  expect(o.error).toBeInstanceOf(ProxyError);
  return o.error!.message;
};

describe("SOCKS5 handshake, byte by byte", () => {
  it("without credentials: greeting, CONNECT to an IPv4 address, and the bytes after the reply handed on", async () => {
    const o = await handshake("socks5://127.0.0.1:PORT", "http://127.0.0.1:80/", [
      { take: 3, answer: [5, 0] },
      { take: 10, answer: String.fromCharCode(...OK_REPLY) + "early bytes" },
    ]);
    expect(o.error).toBeUndefined();
    expect(o.sent).toEqual(["050100", "050100017f0000010050"]);
    expect(o.rest).toBe("early bytes");
  });

  it("with credentials: offers only username/password, then sends them as RFC 1929 says", async () => {
    const o = await handshake("socks5://alice:s3cret@127.0.0.1:PORT", "http://192.168.100.200:8080/", [
      { take: 3, answer: [5, 2] },
      { take: 3 + 5 + 6, answer: [1, 0] },
      { take: 10, answer: OK_REPLY },
    ]);
    expect(o.error).toBeUndefined();
    expect(o.sent).toEqual(["050102", "0105" + Buffer.from("alice").toString("hex") + "06" + Buffer.from("s3cret").toString("hex"), "05010001c0a864c81f90"]);
  });

  it("socks5h:// sends the name; socks5:// sends the address it resolved", async () => {
    const name = "example.test";
    const h = await handshake("socks5h://127.0.0.1:PORT", `http://${name}/`, [
      { take: 3, answer: [5, 0] },
      { take: 4 + 1 + name.length + 2, answer: OK_REPLY },
    ]);
    expect(h.sent[1]).toBe("05010003" + "0c" + Buffer.from(name).toString("hex") + "0050");
    const resolved: string[] = [];
    const plain = await handshake("socks5://127.0.0.1:PORT", `http://${name}/`, [
      { take: 3, answer: [5, 0] },
      { take: 10, answer: OK_REPLY },
    ], (host, done) => (resolved.push(host), done(null, "192.0.2.7", 4)));
    expect(resolved).toEqual([name]);
    expect(plain.sent[1]).toBe("05010001c00002070050");
  });

  it("IPv6 targets go as 16 bytes, with :: expanded and an IPv4 tail converted", async () => {
    const v6 = async (host: string): Promise<string> => {
      const o = await handshake("socks5://127.0.0.1:PORT", `http://[${host}]:443/`, [
        { take: 3, answer: [5, 0] },
        { take: 22, answer: OK_REPLY },
      ]);
      expect(o.error).toBeUndefined();
      return o.sent[1]!.slice(8, 40);
    };
    expect(await v6("2001:db8::1")).toBe("20010db8000000000000000000000001");
    expect(await v6("::1")).toBe("00000000000000000000000000000001");
    expect(await v6("fe80::")).toBe("fe800000000000000000000000000000");
    expect(await v6("1:2:3:4:5:6:7:8")).toBe("00010002000300040005000600070008");
    expect(await v6("::ffff:1.2.3.4")).toBe("00000000000000000000ffff01020304");
  });

  it("reads a CONNECT reply bound to a name or an IPv6 address to its exact end", async () => {
    for (const bound of [[3, 4, 0x61, 0x62, 0x63, 0x64], [4, ...Array<number>(16).fill(0)]]) {
      const o = await handshake("socks5://127.0.0.1:PORT", "http://127.0.0.1:80/", [
        { take: 3, answer: [5, 0] },
        { take: 10, answer: String.fromCharCode(5, 0, 0, ...bound, 0, 80) + "next" },
      ]);
      expect(o.error).toBeUndefined();
      expect(o.rest).toBe("next");
    }
  });
});

describe("SOCKS5 refusals and bad replies, in words", () => {
  const connectReplying = (code: number) =>
    handshake("socks5://127.0.0.1:PORT", "http://127.0.0.1:8080/", [
      { take: 3, answer: [5, 0] },
      { take: 10, answer: [5, code, 0, 1, 0, 0, 0, 0, 0, 0] },
    ]);

  it("names each reply code of RFC 1928, and an unknown one by number", async () => {
    const words: Record<number, string> = {
      1: "general SOCKS server failure",
      2: "connection not allowed by the proxy's rules",
      3: "network unreachable",
      4: "host unreachable",
      5: "connection refused by destination",
      6: "TTL expired",
      7: "command not supported",
      8: "address type not supported",
      9: "reply code 9",
    };
    for (const [code, text] of Object.entries(words)) {
      const m = message(await connectReplying(Number(code)));
      expect(m).toMatch(/^the SOCKS proxy socks5:\/\/127\.0\.0\.1:\d+ could not connect to 127\.0\.0\.1:8080: /);
      expect(m.endsWith(text), m).toBe(true);
    }
  });

  it("refuses a greeting in another version, no acceptable method, or a method we did not offer", async () => {
    const greet = (url: string, answer: number[]) => handshake(url, "http://127.0.0.1:80/", [{ take: 3, answer }]);
    expect(message(await greet("socks5://127.0.0.1:PORT", [4, 0]))).toMatch(/answered in SOCKS version 4, not 5$/);
    expect(message(await greet("socks5://127.0.0.1:PORT", [5, 0xff]))).toMatch(/requires authentication \(put the username and password in the proxy URL\)$/);
    expect(message(await greet("socks5://u:p@127.0.0.1:PORT", [5, 0xff]))).toMatch(/refused username\/password authentication$/);
    expect(message(await greet("socks5://127.0.0.1:PORT", [5, 2]))).toMatch(/chose authentication method 2, which was not offered$/);
    expect(message(await greet("socks5://u:p@127.0.0.1:PORT", [5, 0]))).toMatch(/chose authentication method 0, which was not offered$/);
  });

  it("refuses wrong credentials, and credentials or names too long for the protocol's one-byte lengths", async () => {
    const denied = await handshake("socks5://u:p@127.0.0.1:PORT", "http://127.0.0.1:80/", [
      { take: 3, answer: [5, 2] },
      { take: 5, answer: [1, 1] },
    ]);
    expect(message(denied)).toMatch(/rejected the username and password: authentication failed$/);
    for (const [user, pass, ok] of [["a".repeat(255), "p", true], ["a".repeat(256), "p", false], ["u", "b".repeat(255), true], ["u", "b".repeat(256), false]] as const) {
      const o = await handshake(`socks5://${user}:${pass}@127.0.0.1:PORT`, "http://127.0.0.1:80/", [
        { take: 3, answer: [5, 2] },
        { take: 3 + user.length + pass.length, answer: [1, 0] },
        { take: 10, answer: OK_REPLY },
      ]);
      if (ok) expect(o.error).toBeUndefined();
      else expect(message(o)).toMatch(/cannot be sent a username or password longer than 255 bytes$/);
    }
    const label = "a".repeat(63);
    const longest = [label, label, label, "b".repeat(63)].join("."); // 255 bytes
    for (const [name, ok] of [[longest, true], [longest + "b", false]] as const) {
      const o = await handshake("socks5h://127.0.0.1:PORT", `http://${name}/`, [
        { take: 3, answer: [5, 0] },
        { take: 7 + Math.min(name.length, 256), answer: OK_REPLY },
      ]);
      if (ok) expect(o.error).toBeUndefined();
      else expect(message(o)).toMatch(/cannot be sent a host name longer than 255 bytes$/);
    }
  });

  it("refuses a CONNECT reply in another version or with an unknown address type", async () => {
    const replying = (answer: number[]) =>
      handshake("socks5://127.0.0.1:PORT", "http://127.0.0.1:80/", [
        { take: 3, answer: [5, 0] },
        { take: 10, answer },
      ]);
    expect(message(await replying([4, 0, 0, 1, 0, 0, 0, 0, 0, 0]))).toBe("the SOCKS proxy answered CONNECT in version 4, not 5");
    expect(message(await replying([5, 0, 0, 9, 0, 0, 0, 0, 0, 0]))).toBe("the SOCKS proxy answered CONNECT with address type 9");
  });

  it("a name socks5:// cannot resolve fails before CONNECT, keeping the resolver's error", async () => {
    const cause = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    const o = await handshake("socks5://127.0.0.1:PORT", "http://nowhere.test/", [{ take: 3, answer: [5, 0] }], (_h, done) => done(cause, "", 0));
    expect(message(o)).toMatch(/^could not resolve nowhere\.test for the SOCKS proxy socks5:\/\/127\.0\.0\.1:\d+: getaddrinfo ENOTFOUND nowhere\.test$/);
    expect(o.error!.cause).toBe(cause);
    expect(o.sent).toEqual(["050100"]);
  });

  it("a name socks5:// resolves to an IPv4-mapped IPv6 address goes as 16 bytes, its dotted tail converted", async () => {
    const o = await handshake("socks5://127.0.0.1:PORT", "http://mapped.test/", [
      { take: 3, answer: [5, 0] },
      { take: 22, answer: OK_REPLY },
    ], (_h, done) => done(null, "::ffff:192.168.10.200", 6));
    expect(o.error).toBeUndefined();
    expect(o.sent[1]).toBe("05010004" + "00000000000000000000ffffc0a80ac8" + "0050");
  });

  it("lookup() resolves with the system's resolver, in the IP family asked for", async () => {
    const found = await new Promise<[string, number]>((ok, fail) => lookup(4)("localhost", (error, address, family) => (error ? fail(error) : ok([address, family]))));
    expect(found).toEqual(["127.0.0.1", 4]);
    // Asked for IPv6 only, never the IPv4 address: ::1 where localhost has it, else not found.
    const six = await new Promise<[string, number] | string>((ok) => lookup(6)("localhost", (error, address, family) => ok(error ? (error as NodeJS.ErrnoException).code! : [address, family])));
    expect([["::1", 6], "ENOTFOUND"]).toContainEqual(six);
  });

  it("a resolver that answers after the socket was destroyed: nothing is written, nothing thrown", async () => {
    let late!: () => void;
    const server = await serve(rawServer((socket) => socket.once("data", () => socket.write(Buffer.from([5, 0])))));
    const socket = await connectedSocket(server.port);
    const outcome: string[] = [];
    openSocksTunnel(socket, originOf(new URL("http://slow.test/")), parseProxy(`socks5://127.0.0.1:${server.port}`, "the test"), (_h, done) => (late = () => done(null, "10.0.0.1", 4)), (error) => outcome.push(String(error)));
    await eventually(() => late !== undefined);
    socket.destroy();
    late();
    await new Promise((r) => setImmediate(r));
    expect(socket.bytesWritten).toBe(3); // the greeting only
    expect(outcome).toEqual([]);
  });
});

describe("SOCKS5 replies cut into pieces", () => {
  /**
   * A proxy that answers each step one byte at a time, a few milliseconds apart, so that each reply
   * comes in several reads, and sends "ok" through the tunnel with the last byte of the last reply.
   */
  async function dribbled(proxyURL: string, steps: { take: number; answer: number[] }[]): Promise<Outcome> {
    const sent: string[] = [];
    const server = await serve(rawServer((socket) => {
      socket.setNoDelay(true);
      let gathered = Buffer.alloc(0);
      let step = 0;
      socket.on("data", (chunk) => {
        gathered = Buffer.concat([gathered, chunk]);
        if (step >= steps.length || gathered.length < steps[step]!.take) return;
        const { take, answer } = steps[step++]!;
        sent.push(gathered.subarray(0, take).toString("hex"));
        gathered = gathered.subarray(take);
        // One byte at a time; the last step's last byte comes with the first bytes through the tunnel.
        const last = step === steps.length;
        const pieces = answer.map((byte, i) => Buffer.from(last && i === answer.length - 1 ? [byte, 0x6f, 0x6b] : [byte]));
        pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), 3 * i));
      });
    }));
    const socket = await connectedSocket(server.port);
    defer(() => socket.destroy());
    return new Promise((ok) => {
      openSocksTunnel(socket, originOf(new URL("http://127.0.0.1:80/")), parseProxy(proxyURL.replace("PORT", String(server.port)), "the test"), (_h, done) => done(null, "127.0.0.1", 4), (error, rest) => ok({ sent, ...(error ? { error } : {}), ...(rest?.length ? { rest: rest.toString("latin1") } : {}) }));
    });
  }

  it("each reply is waited for to its end: greeting, credentials, and a CONNECT reply bound to a name", async () => {
    const o = await dribbled("socks5://u:p@127.0.0.1:PORT", [
      { take: 3, answer: [5, 2] },
      { take: 5, answer: [1, 0] },
      { take: 10, answer: [5, 0, 0, 3, 3, 0x61, 0x62, 0x63, 0, 80] },
    ]);
    expect(o.error).toBeUndefined();
    expect(o.sent).toEqual(["050102", "0101750170", "050100017f0000010050"]);
    expect(o.rest).toBe("ok");
  });
});

