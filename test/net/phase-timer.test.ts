/**
 * PhaseTimer (src/net/phase-timer.ts): one timer per connection for its connect, write and read
 * phases. Vitest's fake timers stand in for Node's: this tests the timer's rules, not the clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PhaseTimer } from "../../src/net/phase-timer.js";

describe("PhaseTimer", () => {
  let fired: string[];
  let timer: PhaseTimer;
  beforeEach(() => {
    vi.useFakeTimers();
    fired = [];
    timer = new PhaseTimer((phase, ms) => fired.push(`${phase} ${ms}`));
  });
  afterEach(() => {
    timer.clear();
    vi.useRealTimers();
  });

  it("fires once for the phase armed, after its ms of no progress; progress in that phase starts the time again", () => {
    timer.arm("read", 100);
    vi.advanceTimersByTime(60);
    timer.refresh("read");
    vi.advanceTimersByTime(60);
    expect(fired).toEqual([]);
    timer.refresh("write"); // progress in another phase is no progress here
    vi.advanceTimersByTime(40);
    expect(fired).toEqual(["read 100"]);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["read 100"]);
  });

  it("re-arming with another phase or ms replaces the first; with the same ms it starts again", () => {
    timer.arm("connect", 100);
    vi.advanceTimersByTime(50);
    timer.arm("write", 100); // same ms: the same timer, restarted
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    timer.arm("read", 30);
    vi.advanceTimersByTime(30);
    expect(fired).toEqual(["read 30"]);
  });

  it("null or Infinity, disarm() and clear() stop it; no timer is left behind", () => {
    for (const stop of [() => timer.arm("read", null), () => timer.arm("read", Infinity), () => timer.disarm(), () => timer.clear()]) {
      timer.arm("write", 50);
      stop();
      vi.advanceTimersByTime(100);
    }
    expect(fired).toEqual([]);
    timer.arm("read", 50);
    timer.clear();
    expect(vi.getTimerCount()).toBe(0);
    timer.clear(); // twice is harmless
  });

  it("its Node timer never keeps the process alive", () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, "setTimeout");
    const real = new PhaseTimer(() => {});
    real.arm("read", 10_000);
    const handle = spy.mock.results.at(-1)!.value as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    real.clear();
    spy.mockRestore();
  });
});
