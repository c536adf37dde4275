/**
 * PhaseTimer: the one timer of a connection, standing for whichever of the
 * connect, write and read timeouts applies now. Sibling of pool/deadline-timer.ts,
 * which does the same for the pool's many deadlines.
 *
 * It is created once and refreshed for each phase. Disarming only clears a flag:
 * a timer that fires disarmed does nothing, which is cheaper than clearing and
 * creating a timer for every request (two per request at 90,000 requests/s).
 */
export type TimerPhase = "connect" | "write" | "read";

export class PhaseTimer {
  private timer: NodeJS.Timeout | undefined;
  private ms = 0;
  /** The phase being timed, while armed. Written by arm(), disarm() and the timer itself. */
  private running: TimerPhase | undefined;

  /** `onTimeout(phase, ms)` runs when a phase made no progress for its `ms`. */
  constructor(private readonly onTimeout: (phase: TimerPhase, ms: number) => void) {}

  /** Starts timing `phase`; `null` (or Infinity) means no limit, which disarms. */
  arm(phase: TimerPhase, ms: number | null): void {
    if (ms === null || ms === Infinity) {
      this.running = undefined;
      return;
    }
    this.running = phase;
    // Stryker disable next-line BlockStatement: a speed-up (one timer refreshed instead of a new one); a new timer of the same ms fires at the same time
    if (this.timer !== undefined && this.ms === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.ms = ms;
    this.timer = setTimeout(() => this.fire(), ms);
    this.timer.unref();
  }

  /** Progress in `phase` (e.g. bytes arrived while reading): its time starts again. */
  refresh(phase: TimerPhase): void {
    if (this.running === phase) this.timer!.refresh();
  }

  disarm(): void {
    this.running = undefined;
  }

  /** Frees the timer for good. */
  clear(): void {
    this.running = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    const phase = this.running;
    if (phase === undefined) return;
    this.running = undefined;
    this.onTimeout(phase, this.ms);
  }
}
