/**
 * `wirepool/timeline`: record what a Client's pool does and draw it.
 *
 *   import { recordTimeline } from "wirepool/timeline";
 *   const rec = recordTimeline(client);
 *   ... requests ...
 *   fs.writeFileSync("pool.svg", rec.stop().toSVG());
 *
 * A subpath of its own, so importing "wirepool" never loads it.
 */
export { ALL_POOLS, recordTimeline, type Observable, type Recorder, type TimelineConnection, type TimelineData, type TimelineRequest } from "./recorder.js";
export { Timeline } from "./timeline.js";
export type { SVGOptions } from "./svg.js";
