import { describe, expect, it } from 'vitest';
import { bypassesLoadBalancing, elapsedSeconds } from '../../src/dhcp/load-balance-bypass.js';

describe('elapsedSeconds', () => {
  it.each([
    [0x0002, false, 2],
    [0x0300, false, 768],
    [0x0100, false, 256],
    [0x0101, false, 257],
    [0x0002, true, 2],
    [0x0300, true, 3],
    [0x0600, true, 6],
    [0x0100, true, 1],
    [0x0101, true, 257],
    [0x0000, true, 0],
  ])(
    'reads secs %i with the swap heuristic %s as %i seconds (ISC-6)',
    (secs, heuristic, seconds) => {
      expect(elapsedSeconds(secs, heuristic)).toBe(seconds);
    },
  );
});

describe('bypassesLoadBalancing', () => {
  it('never bypasses without loadBalanceMaxSecs (FO-9.8.2-a)', () => {
    expect(bypassesLoadBalancing({}, 0xffff)).toBe(false);
  });

  it('bypasses for every secs with loadBalanceMaxSecs 0 (ISC-6)', () => {
    expect(bypassesLoadBalancing({ maxSecs: 0 }, 0)).toBe(true);
  });

  it('bypasses only above loadBalanceMaxSecs, not at it (ISC-6)', () => {
    expect(bypassesLoadBalancing({ maxSecs: 5 }, 5)).toBe(false);
    expect(bypassesLoadBalancing({ maxSecs: 5 }, 6)).toBe(true);
  });

  it('compares the swapped value when the heuristic is on (ISC-6)', () => {
    expect(bypassesLoadBalancing({ maxSecs: 5, secsByteorderHeuristic: true }, 0x0300)).toBe(false);
    expect(bypassesLoadBalancing({ maxSecs: 5, secsByteorderHeuristic: false }, 0x0300)).toBe(true);
  });
});
