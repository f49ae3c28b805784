import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  SyncProgressFilter,
  demoClientMacs,
  formatStateChange,
  formatSyncEvent,
  runDemo,
} from '../../src/cli/demo.js';
import { formatBindingMessage, formatReplyLogLine, parseMac } from '../../src/cli/demo-clients.js';
import type { StateChange, SyncEvent } from '../../src/endpoint/peer.js';
import { clientHashBucket, ownerOfBucket } from '../../src/loadbal/hash-bucket.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { option } from '../../src/wire/options.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';

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

describe('formatReplyLogLine', () => {
  it('formats a dhcp.replied line with its lease time', () => {
    const line = JSON.stringify({
      level: 20,
      event: 'dhcp.replied',
      messageType: 'DHCPACK',
      yiaddr: '10.64.0.101',
      leaseTime: 30,
    });

    expect(formatReplyLogLine(line)).toBe('DHCPACK 10.64.0.101, lease 30 s');
  });

  it.each([
    ['another event', JSON.stringify({ event: 'dhcp.ignored', messageType: 1 })],
    ['a line that is not JSON', 'not json'],
    ['a JSON value that is not an object', '42'],
  ])('returns undefined for %s', (_, line) => {
    expect(formatReplyLogLine(line)).toBeUndefined();
  });
});

describe('formatBindingMessage', () => {
  function message(type: number, options: FailoverOption[]): FailoverMessage {
    return { type, payloadOffset: 12, time: 0, xid: 1, extraHeader: new Uint8Array(0), options };
  }

  it('names the address and binding-status of each BNDUPD transaction', () => {
    const bndupd = message(MessageType.BNDUPD, [
      option(OptionCode.ASSIGNED_IP_ADDRESS, '10.64.0.101'),
      option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
      option(OptionCode.ASSIGNED_IP_ADDRESS, '10.64.0.102'),
      option(OptionCode.BINDING_STATUS, BindingStatus.RELEASED),
    ]);

    expect(formatBindingMessage(bndupd)).toEqual([
      'BNDUPD 10.64.0.101 ACTIVE',
      'BNDUPD 10.64.0.102 RELEASED',
    ]);
  });

  it('marks each BNDACK transaction accepted or rejected with its reason', () => {
    const bndack = message(MessageType.BNDACK, [
      option(OptionCode.ASSIGNED_IP_ADDRESS, '10.64.0.101'),
      option(OptionCode.ASSIGNED_IP_ADDRESS, '10.64.0.102'),
      option(OptionCode.REJECT_REASON, RejectReason.OUTDATED_BINDING_INFORMATION),
    ]);

    expect(formatBindingMessage(bndack)).toEqual([
      'BNDACK 10.64.0.101 accepted',
      'BNDACK 10.64.0.102 rejected, reject-reason 15',
    ]);
  });

  it('gives no lines for other messages', () => {
    expect(formatBindingMessage(message(MessageType.STATE, []))).toEqual([]);
  });
});

describe('demoClientMacs', () => {
  it('alternates between the primary and the secondary buckets (FO-9.8.2-a)', () => {
    const assignment = hashBucketAssignmentForSplit(128);

    const macs = demoClientMacs(assignment, 4);
    const owners = macs.map((mac) => ownerOfBucket(assignment, clientHashBucket(parseMac(mac))));

    expect(owners).toEqual(['primary', 'secondary', 'primary', 'secondary']);
    expect(new Set(macs).size).toBe(4);
  });

  it('counts up without an assignment', () => {
    expect(demoClientMacs(undefined, 2)).toEqual(['02:00:00:00:d0:01', '02:00:00:00:d0:02']);
  });
});

describe('dhcpf demo', () => {
  it('prints each DHCPACK before its BNDUPD and the BNDACK (FO-7.1.1-m)', async () => {
    const output: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    onTestFinished(() => {
      vi.restoreAllMocks();
    });

    const status = await runDemo({ leases: '20', clients: '2', timeout: '20' });
    const lines = output.join('').split('\n');
    const address = /DHCPACK (\S+),/.exec(
      lines.find((line) => line.includes('DHCPACK')) ?? '',
    )?.[1];
    const steps = [
      'sends DHCPDISCOVER',
      `primary   DHCPOFFER ${address}, lease 30 s`,
      `sends DHCPREQUEST for ${address}`,
      `primary   DHCPACK ${address}, lease 30 s`,
      `primary   BNDUPD ${address} ACTIVE`,
      `secondary BNDACK ${address} accepted`,
    ].map((step) => lines.findIndex((line) => line.includes(step)));

    expect(status).toBe(0);
    expect(address).toBe('10.64.0.21');
    expect(steps.every((index) => index >= 0)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(lines).toContain('  DHCP clients        2 of 2 leased, 0 updates unacknowledged');
    expect(lines.find((line) => line.startsWith('  bindings '))).toMatch(
      /secondary (\d+) \(22 ACTIVE, \d+ BACKUP; 20 preloaded\)$/,
    );
    expect(lines.some((line) => /secondary DHCPACK \S+, lease 30 s/.test(line))).toBe(true);
  });
});
