/**
 * One timer standing for many deadlines: it is set for the earliest one, and its
 * callback returns the next earliest (or Infinity) after dealing with the due
 * ones. The pool uses two: idle-connection expiry and pool-wait timeouts, so
 * neither costs a timer per connection or per request. Sibling of
 * net/phase-timer.ts, which does the same for one connection's phases.
 */
import type { Clock } from "./types.js";

/** The real clock: performance.now() and unref'd Node timers. */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    // Stryker disable next-line ArrowFunction: the timers are unref'd and their callbacks check their state: a timer not cleared fires into nothing
    return { clear: () => clearTimeout(timer) };
  },
};

export class DeadlineTimer {
  private timer: { clear(): void } | undefined;
  private at = Infinity;

  /** `onDue(now)` handles everything due by `now` and returns the next deadline, or Infinity. */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: (now: number) => number,
  ) {}

  /** Makes sure the timer fires by `deadline` (clock ms). */
  require(deadline: number): void {
    // Stryker disable next-line EqualityOperator: setting the timer again for the same deadline only costs time
    if (deadline >= this.at) return;
    this.timer?.clear();
    this.at = deadline;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, deadline - this.clock.now()));
  }

  clear(): void {
    this.timer?.clear();
    this.timer = undefined;
    this.at = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.at = Infinity;
    const next = this.onDue(this.clock.now());
    // Stryker disable next-line ConditionalExpression: require(Infinity) returns at once
    if (next !== Infinity) this.require(next);
  }
}
