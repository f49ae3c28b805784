import { describe, expect, it } from 'vitest';
import { SyncProgressFilter, formatStateChange, formatSyncEvent } from '../../src/cli/demo.js';
import type { StateChange, SyncEvent } from '../../src/endpoint/peer.js';

function change(fields: Pick<StateChange, 'from' | 'to' | 'trigger' | 'rules'>): StateChange {
  return { ...fields, startTimeOfState: 1796409950 };
}

describe('formatStateChange', () => {
  it.each([
    [
      change({
        from: 'STARTUP',
        to: 'RECOVER',
        trigger: 'PARTNER_STATE',
        rules: ['FO-9.3.2-c', 'FO-9.5.2-b'],
      }),
      'STARTUP -> RECOVER (PARTNER_STATE: partner reached, bindings to be synced; FO-9.3.2-c, FO-9.5.2-b)',
    ],
    [
      change({ from: 'RECOVER', to: 'RECOVER-WAIT', trigger: 'UPDDONE', rules: ['FO-9.5.2-c'] }),
      'RECOVER -> RECOVER-WAIT (UPDDONE: all bindings received, MCLT wait starts; FO-9.5.2-c)',
    ],
    [
      change({
        from: 'RECOVER',
        to: 'RECOVER-DONE',
        trigger: 'UPDDONE',
        rules: ['FO-9.5.2-c', 'FO-9.6.2-b'],
      }),
      'RECOVER -> RECOVER-DONE (UPDDONE: first sync, no wait; FO-9.5.2-c, FO-9.6.2-b)',
    ],
    [
      change({
        from: 'RECOVER-WAIT',
        to: 'RECOVER-DONE',
        trigger: 'MCLT_EXPIRED',
        rules: ['FO-9.6.2-a', 'FO-9.6.2-c'],
      }),
      'RECOVER-WAIT -> RECOVER-DONE (MCLT_EXPIRED: MCLT after the last operating time has passed; FO-9.6.2-a, FO-9.6.2-c)',
    ],
    [
      change({
        from: 'RECOVER-DONE',
        to: 'NORMAL',
        trigger: 'PARTNER_STATE',
        rules: ['FO-9.7.2-a'],
      }),
      'RECOVER-DONE -> NORMAL (PARTNER_STATE: partner in RECOVER-DONE or NORMAL; FO-9.7.2-a)',
    ],
    [
      change({ from: 'NORMAL', to: 'PAUSED', trigger: 'SOMETHING_NEW', rules: [] }),
      'NORMAL -> PAUSED (SOMETHING_NEW)',
    ],
  ])('prints trigger, reason and rules for %o', (stateChange, line) => {
    expect(formatStateChange(stateChange)).toBe(line);
  });
});

describe('formatSyncEvent', () => {
  it.each([
    [{ direction: 'sent', count: 100, total: 1000, done: false }, 'sent 100 of 1000 bindings'],
    [{ direction: 'received', count: 1, total: 1, done: true }, 'received 1 of 1 binding, done'],
    [{ direction: 'sent', count: 0, total: 0, done: true }, 'sent 0 bindings, done'],
  ] satisfies [SyncEvent, string][])('formats %o', (event, line) => {
    expect(formatSyncEvent(event)).toBe(line);
  });
});

describe('SyncProgressFilter', () => {
  /** Progress events every 100 bindings, then the final one, as the peers emit them. */
  function events(direction: SyncEvent['direction'], leases: number, knowsTotal: boolean) {
    const list: SyncEvent[] = [];
    for (let count = 100; count <= leases; count += 100) {
      list.push({ direction, count, total: knowsTotal ? leases : 0, done: false });
    }
    list.push({ direction, count: leases, total: leases, done: true });
    return list;
  }

  function printedCounts(leases: number, side: string, list: SyncEvent[]): string[] {
    const filter = new SyncProgressFilter(leases);
    return list
      .filter((event) => filter.shouldPrint(side, event))
      .map((event) => `${event.count}${event.done ? ' done' : ''}`);
  }

  it('prints the same steps for the sender and the receiver without a total', () => {
    const sent = printedCounts(1000, 'primary', events('sent', 1000, true));
    const received = printedCounts(1000, 'secondary', events('received', 1000, false));

    expect(sent).toEqual([
      '100',
      '200',
      '300',
      '400',
      '500',
      '600',
      '700',
      '800',
      '900',
      '1000 done',
    ]);
    expect(received).toEqual(sent);
  });

  it('prints the final count once', () => {
    const printed = printedCounts(1000, 'secondary', events('received', 1000, false));

    expect(printed.filter((line) => line.startsWith('1000'))).toEqual(['1000 done']);
  });

  it('prints every tenth of a large sync, not every event', () => {
    const printed = printedCounts(5000, 'primary', events('sent', 5000, true));

    expect(printed).toEqual([
      '500',
      '1000',
      '1500',
      '2000',
      '2500',
      '3000',
      '3500',
      '4000',
      '4500',
      '5000 done',
    ]);
  });

  it('prints only the final line of an empty sync', () => {
    expect(printedCounts(0, 'secondary', events('sent', 0, true))).toEqual(['0 done']);
  });
});
