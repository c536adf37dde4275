/** The timeline recorder against a real server, and its pictures read back as XML. */
import { describe, expect, it } from "vitest";
import { Client, type CloseReason } from "../../src/index.js";
import { recordTimeline } from "../../src/timeline/index.js";
import { useCleanup } from "../support/cleanup.js";
import { httpServer } from "../support/servers.js";
import { groupsOf } from "../support/svg.js";

const { serve } = useCleanup();

describe("recordTimeline", () => {
  it("one lane per connection the server accepted, one bar per request, close markers with the events' reasons", async () => {
    const s = await serve(httpServer((req, res) => void setTimeout(() => res.end(`ok ${req.url}`), 5)));
    const client = new Client({ trustEnv: false, limits: { maxConnectionsPerHost: 3, maxKeepAliveConnections: 2 } });
    const reasons: CloseReason[] = [];
    client.observe((e) => e.type === "connection:closed" && void reasons.push(e.reason));
    const rec = recordTimeline(client);
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.get(s.url(`/r${i}`))));
    await client.get(s.url("/last"));
    await client.close();
    const timeline = rec.stop();

    expect(timeline.totals).toEqual({ requests: 11, opened: s.accepted, reused: 11 - s.accepted });
    const svg = timeline.toSVG();
    // The title carries the totals, also under a title of one's own.
    const counts = `11 requests · ${s.accepted} connections opened · ${11 - s.accepted} reused`;
    expect(svg).toContain(counts);
    expect(timeline.toSVG({ title: "mine" })).toMatch(new RegExp(`>mine</text>\\n<text class="totals"[^>]*>${counts}`));
    const groups = groupsOf(svg);
    expect(groups.filter((g) => g.class === "lane")).toHaveLength(s.accepted);
    const bars = groups.filter((g) => g.class === "request");
    expect(bars).toHaveLength(11);
    for (const bar of bars) expect(bar.rects).toEqual(expect.arrayContaining(["wait", "write", "head", "body"]));
    expect(bars.find((b) => b.title?.includes("GET /last"))?.title).toMatch(/^GET \/last → 200 \(request #\d+, connection #\d+, response\)\nwait [\d.]+ ms, write/);
    const closes = groups.filter((g) => g.class === "close").map((g) => g.attributes["data-reason"]);
    expect(closes.sort()).toEqual([...reasons].sort());
    expect(reasons).toContain("keep-alive limit"); // 3 connections, 2 kept idle
    expect(reasons).toContain("pool closed");
  });

  it("a request's phases come from its events: queued ≤ assigned ≤ written ≤ head ≤ finished", async () => {
    const s = await serve(httpServer((_req, res) => res.end("x")));
    const client = new Client({ trustEnv: false });
    const rec = recordTimeline(client);
    await client.get(s.url("/a"));
    await client.close();
    const json = rec.stop().toJSON();
    const [r] = json.requests;
    expect(r).toMatchObject({ method: "GET", target: "/a", status: 200, outcome: "response", connection: json.connections[0]!.id });
    const times = [r!.queued, r!.assigned!, r!.written!, r!.head!, r!.finished!];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(json.connections[0]).toMatchObject({ reason: "pool closed" });
    expect(json.connections[0]!.tcp).toBeGreaterThanOrEqual(json.connections[0]!.opened);
  });

  it("HTML: the same picture inline and nothing fetched from outside", async () => {
    const s = await serve(httpServer((_req, res) => res.end("x")));
    const client = new Client({ trustEnv: false });
    const rec = recordTimeline(client);
    await client.get(s.url("/h"));
    await client.close();
    const html = rec.stop().toHTML();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<svg ");
    expect(html).not.toMatch(/<(script|img|iframe|link)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
    expect(groupsOf(html.slice(html.indexOf("<svg"), html.indexOf("</svg>") + 6)).filter((g) => g.class === "request")).toHaveLength(1);
  });

  it("without an argument it records every pool in the process (one-shot calls included), and stop() stops it", async () => {
    const s = await serve(httpServer((_req, res) => res.end("x")));
    const { get } = await import("../../src/index.js");
    const rec = recordTimeline();
    await get(s.url("/1"), { trustEnv: false });
    await get(s.url("/2"), { trustEnv: false });
    const timeline = rec.stop();
    await get(s.url("/3"), { trustEnv: false });
    expect(timeline.totals).toEqual({ requests: 2, opened: 2, reused: 0 });
  });
});
