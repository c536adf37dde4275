/**
 * The recorder's table of requests, one row per request, a column per fact. The
 * times live in typed arrays: a recording keeps every request of a busy client (a
 * hundred thousand a second at the conc shape), and rows as objects, each copied by
 * the young-generation collector before it settles, cost that client 13% of its
 * throughput; numbers in typed arrays are never traced or copied (see
 * docs/performance.md, "The timeline recorder"). Rows become TimelineRequest
 * objects once, when the recording stops.
 */
import type { Outcome } from "../index.js";
import type { TimelineRequest } from "./recorder.js";

const OUTCOMES: readonly Outcome[] = ["response", "error", "aborted", "timeout"];

export class RequestColumns {
  length = 0;
  private capacity = 1024;
  private ids = new Float64Array(this.capacity);
  /** queued, assigned, written, head, finished: NaN until it happened. */
  private times = new Float64Array(this.capacity * 5);
  /** connection id, status, outcome index (-1 while unknown), retried (0/1). */
  private ints = new Int32Array(this.capacity * 4);
  private readonly origins: string[] = [];
  private readonly methods: string[] = [];
  private readonly targets: string[] = [];
  /** Each distinct target kept once (a busy client asks for the same paths again and again), up to a bound. */
  private readonly interned = new Map<string, string>();

  /** A new row; returns its index. */
  add(id: number, origin: string, method: string, target: string, queued: number): number {
    if (this.length === this.capacity) this.grow();
    const row = this.length++;
    this.ids[row] = id;
    this.times.fill(Number.NaN, row * 5, row * 5 + 5);
    this.times[row * 5] = queued;
    this.ints.fill(-1, row * 4, row * 4 + 3);
    this.ints[row * 4 + 3] = 0;
    this.origins.push(origin);
    this.methods.push(method);
    let t = this.interned.get(target);
    if (t === undefined) {
      t = target;
      if (this.interned.size < 10_000) this.interned.set(target, target);
    }
    this.targets.push(t);
    return row;
  }

  assigned(row: number, connection: number, time: number): void {
    if (!Number.isNaN(this.times[row * 5 + 1]!)) this.ints[row * 4 + 3] = 1;
    this.ints[row * 4] = connection;
    this.times[row * 5 + 1] = time;
  }

  finished(row: number, time: number, outcome: Outcome, written: number | undefined, head: number | undefined, status: number | undefined): void {
    const t = row * 5;
    this.times[t + 2] = written ?? Number.NaN;
    this.times[t + 3] = head ?? Number.NaN;
    this.times[t + 4] = time;
    this.ints[row * 4 + 1] = status ?? -1;
    this.ints[row * 4 + 2] = OUTCOMES.indexOf(outcome);
  }

  /** The rows as objects. */
  rows(): TimelineRequest[] {
    const out: TimelineRequest[] = [];
    const time = (row: number, i: number): number | undefined => {
      const v = this.times[row * 5 + i]!;
      return Number.isNaN(v) ? undefined : v;
    };
    for (let row = 0; row < this.length; row++) {
      const int = (i: number): number | undefined => {
        const v = this.ints[row * 4 + i]!;
        return v < 0 ? undefined : v;
      };
      const outcome = int(2);
      out.push({
        id: this.ids[row]!,
        origin: this.origins[row]!,
        method: this.methods[row]!,
        target: this.targets[row]!,
        queued: time(row, 0)!,
        connection: int(0),
        assigned: time(row, 1),
        written: time(row, 2),
        head: time(row, 3),
        status: int(1),
        finished: time(row, 4),
        outcome: outcome === undefined ? undefined : OUTCOMES[outcome],
        retried: this.ints[row * 4 + 3] === 1 ? true : undefined,
      });
    }
    return out;
  }

  private grow(): void {
    this.capacity *= 2;
    const ids = new Float64Array(this.capacity);
    ids.set(this.ids);
    this.ids = ids;
    const times = new Float64Array(this.capacity * 5);
    times.set(this.times);
    this.times = times;
    const ints = new Int32Array(this.capacity * 4);
    ints.set(this.ints);
    this.ints = ints;
  }
}
