/**
 * The timeline as a picture: SVG written as text, no dependency.
 *
 *   title: requests, connections opened, reused
 *   legend
 *   time axis (ms)
 *   origin                                  (one group of lanes per origin)
 *     #1 ─[conn][tls]▇▇▇▇ ▇▇▇ ┄┄┄┄┄ ▇▇▇▇▇┄┄┄┄┄┄┄ × expired      (one lane per connection)
 *     #2 ──[conn]▇▇▇▇▇ × server closed
 *   queue depth ▁▂▅▇▅▂▁
 *
 * On a lane, one bar per request it served, split into its phases: waiting for the
 * connection (a thin strip on top), writing, waiting for the head, reading the body.
 * A dashed line is the connection open and idle; a cross and a word mark where and
 * why it closed.
 */
import type { TimelineConnection, TimelineData, TimelineRequest } from "./recorder.js";

export interface SVGOptions {
  /** Total width in pixels (default 1100). The height follows from the number of lanes. */
  width?: number;
  /** A title for the picture; by default the totals. */
  title?: string;
}

const LANE = 18;
const GAP = 5;
const LABEL = 210;
const RIGHT = 110;

export const PHASES = [
  { key: "wait", label: "waiting for a connection", color: "#c9c9c9" },
  { key: "connect", label: "connecting (TCP)", color: "#f4a261" },
  { key: "tls", label: "TLS handshake", color: "#e9c46a" },
  { key: "write", label: "writing the request", color: "#2a9d8f" },
  { key: "head", label: "waiting for the head", color: "#8ab17d" },
  { key: "body", label: "reading the body", color: "#264653" },
] as const;
const COLOR = Object.fromEntries(PHASES.map((p) => [p.key, p.color])) as Record<(typeof PHASES)[number]["key"], string>;

export function escapeXML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** A round step for the axis: 1, 2 or 5 times a power of ten, about `target` ticks over `span`. */
function tickStep(span: number, target = 8): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** Totals for the title: requests, connections opened, reused. */
export function totals(data: TimelineData): { requests: number; opened: number; reused: number } {
  return { requests: data.requests.length, opened: data.connections.filter((c) => c.openedBefore !== true).length, reused: data.reused };
}

/** The phases of a request, as [phase, from, to] in clock ms, in order. */
export function phasesOf(r: TimelineRequest, conn: TimelineConnection | undefined, end: number): [keyof typeof COLOR, number, number][] {
  const out: [keyof typeof COLOR, number, number][] = [];
  const done = r.finished ?? end;
  if (r.assigned === undefined) return [["wait", r.queued, done]];
  out.push(["wait", r.queued, r.assigned]);
  // A connection opened for this request: its connect and TLS are part of the request's time.
  let sending = r.assigned;
  if (conn !== undefined && conn.opened >= r.queued - 0.001 && conn.opened <= r.assigned + 0.001 && conn.ready !== undefined) {
    const tcp = conn.tcp ?? conn.ready;
    out.push(["connect", conn.opened, tcp]);
    if (conn.tls !== undefined) out.push(["tls", tcp, conn.tls]);
    sending = Math.max(sending, conn.ready);
  }
  const written = r.written ?? r.head ?? done;
  out.push(["write", sending, written]);
  if (r.head !== undefined) {
    out.push(["head", written, r.head]);
    out.push(["body", r.head, done]);
  } else out.push(["head", written, done]);
  return out.filter(([, a, b]) => b >= a);
}

export function renderSVG(data: TimelineData, options: SVGOptions = {}): string {
  const width = Math.max(600, options.width ?? 1100);
  const plot = width - LABEL - RIGHT;
  const start = data.start;
  const span = Math.max(data.end - data.start, 1);
  const x = (t: number): number => LABEL + ((Math.min(Math.max(t, start), data.end) - start) / span) * plot;
  const t = totals(data);
  const counts = `${t.requests} request${t.requests === 1 ? "" : "s"} · ${t.opened} connection${t.opened === 1 ? "" : "s"} opened · ${t.reused} reused · ${ms(span)} ms`;

  // Lanes grouped by origin, in the order connections were opened.
  const byOrigin = new Map<string, TimelineConnection[]>();
  for (const c of data.connections) (byOrigin.get(c.origin) ?? byOrigin.set(c.origin, []).get(c.origin)!).push(c);
  const byConnection = new Map<number, TimelineRequest[]>();
  for (const r of data.requests) if (r.connection !== undefined) (byConnection.get(r.connection) ?? byConnection.set(r.connection, []).get(r.connection)!).push(r);
  const unassigned = data.requests.filter((r) => r.connection === undefined);

  const out: string[] = [];
  let y = 0;
  // Title (the totals always: under a title of the caller's, as a line of their own) and legend.
  if (options.title === undefined) {
    out.push(`<text class="title" x="12" y="22" font-size="15" font-weight="600">${escapeXML(counts)}</text>`);
    y = 34;
  } else {
    out.push(`<text class="title" x="12" y="22" font-size="15" font-weight="600">${escapeXML(options.title)}</text>`);
    out.push(`<text class="totals" x="12" y="40" font-size="12" fill="#444">${escapeXML(counts)}</text>`);
    y = 50;
  }
  let lx = 12;
  for (const p of PHASES) {
    out.push(`<rect x="${lx}" y="${y}" width="12" height="10" fill="${p.color}"/><text x="${lx + 16}" y="${y + 9}" font-size="11">${escapeXML(p.label)}</text>`);
    lx += 26 + p.label.length * 6;
  }
  out.push(`<line x1="${lx}" y1="${y + 5}" x2="${lx + 22}" y2="${y + 5}" stroke="#888" stroke-dasharray="3,3"/><text x="${lx + 26}" y="${y + 9}" font-size="11">open, idle</text>`);
  lx += 90;
  out.push(`<text x="${lx}" y="${y + 9}" font-size="11" fill="#e63946">× closed (reason)</text>`);
  y += 24;

  // Time axis.
  const axisY = y + 12;
  const step = tickStep(span);
  out.push(`<g class="axis" font-size="10" fill="#555">`);
  for (let v = 0; v <= span + 1e-9; v += step) {
    const px = LABEL + (v / span) * plot;
    out.push(`<line x1="${px.toFixed(1)}" y1="${axisY}" x2="${px.toFixed(1)}" y2="${axisY + 4}" stroke="#999"/><text x="${px.toFixed(1)}" y="${axisY - 2}" text-anchor="middle">${ms(v)}</text>`);
  }
  out.push(`<text x="${LABEL - 24}" y="${axisY - 2}" text-anchor="end">time (ms)</text></g>`);
  y = axisY + 10;

  for (const [origin, conns] of byOrigin) {
    y += 4;
    out.push(`<text class="origin" x="8" y="${y + 12}" font-size="12" font-weight="600">${escapeXML(origin)}</text>`);
    y += LANE;
    for (const c of conns) {
      const mid = y + LANE / 2;
      const closedAt = c.closed ?? data.end;
      const proxyNote = (c.proxy === undefined ? "" : c.tunnel ? " (tunnel)" : " (via proxy)") + (c.openedBefore ? " (open before)" : "");
      out.push(`<g class="lane" data-connection="${c.id}" data-origin="${escapeXML(c.origin)}">`);
      out.push(`<text x="${LABEL - 8}" y="${mid + 4}" font-size="11" text-anchor="end">connection #${c.id}${escapeXML(proxyNote)}</text>`);
      out.push(`<line class="life" x1="${x(c.opened).toFixed(1)}" y1="${mid}" x2="${x(closedAt).toFixed(1)}" y2="${mid}" stroke="#888" stroke-dasharray="3,3"/>`);
      for (const r of byConnection.get(c.id) ?? []) out.push(requestBar(r, c, y, x, data.end));
      if (c.closed !== undefined) {
        const cx = x(c.closed);
        out.push(`<g class="close" data-reason="${escapeXML(c.reason ?? "")}"><path d="M${(cx - 4).toFixed(1)},${mid - 4} l8,8 m0,-8 l-8,8" stroke="#e63946" stroke-width="2"/><text x="${(cx + 7).toFixed(1)}" y="${mid + 4}" font-size="10" fill="#e63946">${escapeXML(c.reason ?? "closed")}</text></g>`);
      }
      out.push(`</g>`);
      y += LANE + GAP;
    }
  }
  if (unassigned.length > 0) {
    y += 4;
    out.push(`<text class="origin" x="8" y="${y + 12}" font-size="12" font-weight="600">never given a connection</text>`);
    y += LANE;
    for (const r of unassigned) {
      out.push(`<g class="lane-free">${requestBar(r, undefined, y, x, data.end)}<text x="${LABEL - 8}" y="${y + LANE / 2 + 4}" font-size="11" text-anchor="end">request #${r.id} (${escapeXML(r.outcome ?? "pending")})</text></g>`);
      y += LANE + GAP;
    }
  }

  // Queue depth along the bottom.
  y += 10;
  const stripH = 44;
  const maxDepth = Math.max(1, ...data.queue.map((q) => q.depth));
  const qy = (d: number): number => y + stripH - (d / maxDepth) * (stripH - 6);
  let path = `M${x(start).toFixed(1)},${qy(0).toFixed(1)}`;
  for (const q of data.queue) path += ` H${x(q.time).toFixed(1)} V${qy(q.depth).toFixed(1)}`;
  path += ` H${x(data.end).toFixed(1)} V${qy(0).toFixed(1)}`;
  out.push(`<g class="queue"><text x="${LABEL - 8}" y="${y + stripH / 2 + 4}" font-size="11" text-anchor="end">requests waiting (max ${maxDepth})</text>`);
  out.push(`<path d="${path} Z" fill="#c9c9c9" stroke="#777" stroke-width="1"/></g>`);
  y += stripH + 12;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...out,
    `</svg>`,
  ].join("\n");
}

/** One request's bar on its lane: a thin wait strip on top, then its phases; its <title> is the hover text. */
function requestBar(r: TimelineRequest, c: TimelineConnection | undefined, laneTop: number, x: (t: number) => number, end: number): string {
  const phases = phasesOf(r, c, end);
  const parts: string[] = [];
  for (const [phase, a, b] of phases) {
    const x1 = x(a);
    // A hair of white after each request's last phase tells back-to-back requests apart.
    const gap = phase === phases.at(-1)![0] && x(b) - x1 > 3 ? 0.8 : 0;
    const w = Math.max(x(b) - x1 - gap, 0.6);
    const [yy, h] = phase === "wait" ? [laneTop + 1, 3] : [laneTop + 4, LANE - 6];
    parts.push(`<rect class="${phase}" x="${x1.toFixed(2)}" y="${yy}" width="${w.toFixed(2)}" height="${h}" fill="${COLOR[phase]}"/>`);
  }
  const detail = `${r.method} ${r.target}${r.status !== undefined ? ` → ${r.status}` : ""} (request #${r.id}${r.connection !== undefined ? `, connection #${r.connection}` : ""}${r.retried ? ", retried" : ""}, ${r.outcome ?? "in flight"})\n${phases.map(([p, a, b]) => `${p} ${ms(b - a)} ms`).join(", ")}`;
  return `<g class="request" data-request="${r.id}"><title>${escapeXML(detail)}</title>${parts.join("")}</g>`;
}
