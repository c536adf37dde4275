/**
 * One unref'd timer standing for many deadlines: it is set for the earliest one,
 * and its callback returns the next earliest (or Infinity) after dealing with the
 * due ones. The pool uses two: idle-connection expiry and pool-wait timeouts, so
 * neither costs a timer per connection or per request.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = Infinity;

  /** `onDue(now)` handles everything due by `now` and returns the next deadline, or Infinity. */
  constructor(private readonly onDue: (now: number) => number) {}

  /** Makes sure the timer fires by `deadline` (performance.now() ms). */
  require(deadline: number): void {
    if (deadline >= this.at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.at = deadline;
    this.timer = setTimeout(() => this.fire(), Math.max(0, deadline - performance.now()));
    this.timer.unref();
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.at = Infinity;
    const next = this.onDue(performance.now());
    if (next !== Infinity) this.require(next);
  }
}
