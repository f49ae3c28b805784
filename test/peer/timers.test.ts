import { describe, expect, it } from 'vitest';
import { ManualClock, nowSeconds } from '../../src/peer/timers.js';

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
