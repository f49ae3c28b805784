import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ManualClock,
  MAX_TIMEOUT_STEP_MS,
  nowSeconds,
  systemClock,
} from '../../src/peer/timers.js';

describe('ManualClock', () => {
  it('runs due timers in due order, each at its due time', () => {
    const clock = new ManualClock(1_000_000);
    const seen: [string, number][] = [];
    clock.setTimer(300, () => seen.push(['late', clock.nowMs()]));
    clock.setTimer(100, () => seen.push(['early', clock.nowMs()]));

    clock.advance(500);

    expect(seen).toEqual([
      ['early', 1_000_100],
      ['late', 1_000_300],
    ]);
    expect(clock.nowMs()).toBe(1_000_500);
  });

  it('runs a timer set by a timer when it falls inside the same advance', () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimer(100, () => clock.setTimer(100, () => seen.push(clock.nowMs())));

    clock.advance(250);

    expect(seen).toEqual([200]);
  });

  it('skips cancelled timers and keeps later ones waiting', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    clock.setTimer(100, () => fired++).cancel();
    clock.setTimer(1_000, () => fired++);

    clock.advance(500);

    expect(fired).toBe(0);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('gives seconds since 1970 for the time field', () => {
    expect(nowSeconds(new ManualClock(1_700_000_000_999))).toBe(1_700_000_000);
  });
});

describe('systemClock', () => {
  const DAY_MS = 86_400_000;

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a 25.5-day timer when due, not after 1 ms (FO-9.6.2-a)', () => {
    let fired = 0;
    systemClock.setTimer(25.5 * DAY_MS, () => fired++);

    vi.advanceTimersByTime(1);
    const afterOneMs = fired;
    vi.advanceTimersByTime(25.5 * DAY_MS - 2);
    const justBeforeDue = fired;
    vi.advanceTimersByTime(1);

    expect(afterOneMs).toBe(0);
    expect(justBeforeDue).toBe(0);
    expect(fired).toBe(1);
  });

  it('runs a third of receive-timer 0xffffffff s once, when due (FO-7.9.1-h)', () => {
    const delayMs = Math.floor(0xffff_ffff / 3) * 1000;
    let fired = 0;
    systemClock.setTimer(delayMs, () => fired++);

    vi.advanceTimersByTime(MAX_TIMEOUT_STEP_MS * 3);
    const afterThreeSteps = fired;
    vi.advanceTimersByTime(delayMs - MAX_TIMEOUT_STEP_MS * 3);

    expect(afterThreeSteps).toBe(0);
    expect(fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels a chained timer after its first step has run', () => {
    let fired = 0;
    const handle = systemClock.setTimer(60 * DAY_MS, () => fired++);

    vi.advanceTimersByTime(30 * DAY_MS);
    handle.cancel();
    vi.advanceTimersByTime(60 * DAY_MS);

    expect(fired).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a short timer after its delay in one step', () => {
    let fired = 0;
    systemClock.setTimer(500, () => fired++);

    vi.advanceTimersByTime(499);
    const beforeDue = fired;
    vi.advanceTimersByTime(1);

    expect(beforeDue).toBe(0);
    expect(fired).toBe(1);
  });
});
