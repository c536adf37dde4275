/**
 * Timeline: what a recorder saw, and three ways to look at it: `toJSON()` (the facts,
 * times in ms from the start), `toSVG()` (the picture) and `toHTML()` (the picture in a
 * self-contained page, with the details of every bar on hover).
 */
import type { TimelineConnection, TimelineData, TimelineRequest } from "./recorder.js";
import { escapeXML, renderSVG, type SVGOptions, totals } from "./svg.js";

export class Timeline implements TimelineData {
  readonly start: number;
  readonly end: number;
  readonly connections: TimelineConnection[];
  readonly requests: TimelineRequest[];
  readonly queue: { time: number; depth: number }[];
  readonly reused: number;

  constructor(data: TimelineData) {
    ({ start: this.start, end: this.end, connections: this.connections, requests: this.requests, queue: this.queue, reused: this.reused } = data);
  }

  /** Requests, connections opened, and connections reused. */
  get totals(): { requests: number; opened: number; reused: number } {
    return totals(this);
  }

  /** The facts, every time in ms from the start of the recording. */
  toJSON(): TimelineData & { totals: { requests: number; opened: number; reused: number } } {
    const rel = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round((v - this.start) * 1000) / 1000);
    return {
      start: 0,
      end: rel(this.end)!,
      totals: this.totals,
      reused: this.reused,
      connections: this.connections.map((c) => ({ ...c, opened: rel(c.opened)!, tcp: rel(c.tcp), tls: rel(c.tls), ready: rel(c.ready), closed: rel(c.closed) })),
      requests: this.requests.map((r) => ({ ...r, queued: rel(r.queued)!, assigned: rel(r.assigned), written: rel(r.written), head: rel(r.head), finished: rel(r.finished) })),
      queue: this.queue.map((q) => ({ time: rel(q.time)!, depth: q.depth })),
    };
  }

  toSVG(options?: SVGOptions): string {
    return renderSVG(this, options);
  }

  /** A page with the SVG inline and nothing from outside (no script, font or style to fetch); hover a bar for its details. */
  toHTML(options?: SVGOptions & { pageTitle?: string }): string {
    const t = this.totals;
    const title = options?.pageTitle ?? `wirepool timeline: ${t.requests} requests, ${t.opened} connections`;
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXML(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #222; }
  svg .request:hover rect { stroke: #000; stroke-width: 0.8; }
  #detail { position: sticky; top: 0; background: #fffbe6; border: 1px solid #e5d9a6; padding: 6px 10px; min-height: 2.6em; white-space: pre-line; font-size: 13px; }
</style>
</head>
<body>
<div id="detail">Hover a bar: method, URL, status, each phase in ms, the connection.</div>
${this.toSVG(options)}
<script>
  // Inline, no dependency: show the hovered bar's details (its <title>) above the picture.
  const detail = document.getElementById("detail");
  for (const g of document.querySelectorAll("svg .request")) {
    g.addEventListener("mouseenter", () => { detail.textContent = g.querySelector("title").textContent; });
  }
</script>
</body>
</html>
`;
  }
}
