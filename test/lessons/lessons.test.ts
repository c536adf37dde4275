/**
 * Every lesson runs here (so in CI), its figures checked against what its own server
 * counted, and its pictures read back as XML: one lane per connection the server saw.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as l1 from "../../examples/lessons/01-one-shot-vs-client.js";
import * as l2 from "../../examples/lessons/02-client-per-call.js";
import * as l3 from "../../examples/lessons/03-limits-and-queue.js";
import * as l4 from "../../examples/lessons/04-keep-alive-expiry.js";
import * as l5 from "../../examples/lessons/05-server-closes-idle.js";
import * as l6 from "../../examples/lessons/06-forgotten-stream.js";
import * as l7 from "../../examples/lessons/07-sequential-vs-concurrent.js";
import { groupsOf } from "../support/svg.js";

function options(): { out: string; print: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { out: fs.mkdtempSync(path.join(os.tmpdir(), "wirepool-lesson-")), print: (line) => void lines.push(line), lines };
}

const lanes = (svg: string): number => groupsOf(fs.readFileSync(svg, "utf8")).filter((g) => g.class === "lane").length;
const bars = (svg: string): number => groupsOf(fs.readFileSync(svg, "utf8")).filter((g) => g.class === "request").length;

describe("lessons", () => {
  it("1: one-shot get() opens a connection per call, a shared Client one", async () => {
    const o = options();
    const r = await l1.run(o);
    expect([r.oneShot, r.shared]).toEqual([l1.N, 1]);
    expect(o.lines.join("\n")).toMatch(new RegExp(`one-shot get\\(\\) per call +connections opened: +${l1.N} `));
    expect(o.lines.join("\n")).toMatch(/one shared Client +connections opened: +1 /);
    expect(o.lines.join("\n")).toMatch(new RegExp(`shared client's pool: ${l1.N} requests, 1 connection\\(s\\) opened, ${l1.N - 1} reuses`));
    // The pictures: a lane per connection the server saw while they were drawn, a bar per request.
    expect(r.drawn.oneShotServer).toBe(l1.DRAWN);
    expect(lanes(r.drawn.oneShot)).toBe(l1.DRAWN);
    expect(bars(r.drawn.oneShot)).toBe(l1.DRAWN);
    expect(r.drawn.sharedServer).toBe(0); // the shared client's connection was already open
    expect(lanes(r.drawn.shared)).toBe(1);
    expect(bars(r.drawn.shared)).toBe(l1.DRAWN);
    expect(fs.existsSync(path.join(o.out, "01-shared-client.html"))).toBe(true);
  });

  it("2: a Client made per call pools nothing; one passed in pools", async () => {
    const o = options();
    const r = await l2.run(o);
    expect([r.perCall, r.passedIn]).toEqual([50, 1]);
    expect(o.lines.join("\n")).toMatch(/made per call +connections the server saw: +50/);
    expect(lanes(r.svg)).toBe(1);
  });

  it("3: maxConnectionsPerHost caps the lanes, the rest queue; a pool too small times out", async () => {
    const o = options();
    const r = await l3.run(o);
    expect(r.server).toBe(4 + 2); // 4 in the first part, 2 in the small pool
    expect(r.peakQueued).toBeGreaterThan(0);
    expect(r.timedOut).toBeGreaterThan(0);
    expect(lanes(r.svg)).toBe(4);
    expect(bars(r.svg)).toBe(24);
  });

  it("4: past keepAliveExpiry a connection is closed as expired; a server's Keep-Alive hint shortens the wait", async () => {
    const r = await l4.run(options());
    expect(r).toMatchObject({ withinExpiry: 1, pastExpiry: 2, closedExpired: 1, hinted: 2 });
    expect(groupsOf(fs.readFileSync(r.svg, "utf8")).filter((g) => g.class === "close").map((g) => g.attributes["data-reason"])).toEqual(["expired", "pool closed"]);
  });

  it("5: a close while idle is noticed; a GET crossing a close is retried once, a POST is not", async () => {
    const r = await l5.run(options());
    expect(r.noticed).toBe("server closed");
    expect(r.retried).toBe(1);
    expect(r.getOk).toBe(true);
    expect(r.postError).toMatch(/POST is not retried automatically/);
  });

  it("6: a stream left open holds its connection (PoolTimeout); await using gives it back", async () => {
    const r = await l6.run(options());
    expect(r.forgotten).toMatch(/^PoolTimeout: no connection became available within 100 ms/);
    expect(r.fixed).toBe(3);
  });

  it("7: sequential uses one connection; Promise.all fills up to maxConnectionsPerHost", async () => {
    const o = options();
    const r = await l7.run(o);
    expect(r.sequential.connections).toBe(1);
    expect(r.concurrent.connections).toBeGreaterThan(1);
    expect(r.concurrent.connections).toBeLessThanOrEqual(7);
    expect(lanes(r.svg)).toBe(r.concurrent.connections + 1); // the one open before recording began has a lane too
    expect(bars(r.svg)).toBe(40);
  });
});
