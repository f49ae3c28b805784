import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { AddressRebalancer } from '../../src/endpoint/microsoft-rebalancing.js';
import { markScopesPending, scopeOf, scopesOf } from '../../src/endpoint/microsoft-scopes.js';
import {
  draftUpdateOfMicrosoft,
  keepsBNDUPDOrder,
  microsoftUpdateFromStored,
} from '../../src/endpoint/microsoft-updates.js';
import { createSilentLogger } from '../../src/log.js';
import { ManualClock } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { StoredBinding } from '../../src/store/types.js';
import { encodeBindingUpdate } from '../../src/wire/binding-update.js';
import { OptionCode } from '../../src/wire/codes.js';
import { option } from '../../src/wire/options.js';
import { CapturedLog, temporaryDirectory } from '../peer/peer-fixtures.js';
import { SCOPE_ID_NUMBER, SUBNET_MASK } from './microsoft-fixtures.js';

const POOLS = [
  { start: '192.0.2.20', end: '192.0.2.29', subnetMask: SUBNET_MASK },
  { start: '198.51.100.0', end: '198.51.100.127', subnetMask: '255.255.255.128' },
];
const SCOPES = scopesOf(POOLS);

function binding(address: string, fields: Partial<StoredBinding> = {}): StoredBinding {
  return {
    address,
    bindingStatus: 'ACTIVE',
    ipFlags: 0,
    clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 1) },
    clientIdentifier: Uint8Array.of(1, 2, 0, 0, 0, 0, 1),
    leaseExpirationTime: 2_000,
    startTimeOfState: 1_000,
    clientLastTransactionTime: 1_000,
    pendingUpdate: true,
    updateSeq: 1,
    ...fields,
  };
}

describe('scopes', () => {
  it('derives one scope per subnet from the pools (MSF-2.2.1-c)', () => {
    expect(SCOPES.map((scope) => [scope.id, scope.mask])).toEqual([
      ['192.0.2.0', '255.255.255.0'],
      ['198.51.100.0', '255.255.255.128'],
    ]);
    expect(SCOPES[0]?.idNumber).toBe(SCOPE_ID_NUMBER);
  });

  it('finds the scope of an address and none outside every subnet', () => {
    expect(scopeOf('198.51.100.99', SCOPES)?.id).toBe('198.51.100.0');
    expect(scopeOf('198.51.100.200', SCOPES)).toBeUndefined();
  });

  it('marks every binding of the requested scopes pending and logs an unknown scope (MSF-3.1.5.4-a, AMB-22)', () => {
    const store = openLeaseStore(join(temporaryDirectory(), 'leases.db'));
    store.putBindings([
      binding('192.0.2.21', { pendingUpdate: false }),
      binding('198.51.100.5', { pendingUpdate: false }),
    ]);
    const log = new CapturedLog();

    const marked = markScopesPending(store, ['192.0.2.0', '0.2.0.192'], SCOPES, log.logger);

    expect(marked).toBe(1);
    expect(store.getBinding('192.0.2.21')?.pendingUpdate).toBe(true);
    expect(store.getBinding('198.51.100.5')?.pendingUpdate).toBe(false);
    expect(log.withEvent('message.rejected')[0]?.['scopeId']).toBe('0.2.0.192');
    store.close();
  });
});

describe('microsoftUpdateFromStored', () => {
  it('sends an ACTIVE lease with IP-flags 0, option 33 and the scope ID (MSF-3.1.4.2-d, MSF-3.1.5.2-b, OBS-2)', () => {
    const update = microsoftUpdateFromStored(binding('192.0.2.21'), 3_000, [], SCOPES);
    const options = encodeBindingUpdate(update, 'microsoft');

    expect(update.bindingStatus).toBe(0x01);
    expect(update.ipFlags).toBe(0);
    expect(update.clientHardwareAddress?.scopeId).toBe(SCOPE_ID_NUMBER);
    expect(update.potentialExpirationTime).toBe(3_000);
    expect(options).toContainEqual(option(OptionCode.MS_CLIENT_SUBNET_MASK, SUBNET_MASK));
  });

  it('sends BACKUP as a redistribution without client options (MSF-3.1.4.2-f, MSF-3.1.4.2-g)', () => {
    const stored = binding('192.0.2.22', {
      bindingStatus: 'BACKUP',
      leaseExpirationTime: undefined,
    });
    const extra = [option(OptionCode.MS_CLIENT_NAME, 'old-client')];

    const options = encodeBindingUpdate(
      microsoftUpdateFromStored(stored, undefined, extra, SCOPES),
      'microsoft',
    );

    expect(options.map((item) => item.code)).toEqual([
      OptionCode.ASSIGNED_IP_ADDRESS,
      OptionCode.BINDING_STATUS,
      OptionCode.IP_FLAGS,
      OptionCode.MS_CLIENT_SUBNET_MASK,
    ]);
    expect(options[1]).toEqual(option(OptionCode.BINDING_STATUS, 0x02));
  });

  it('keeps a subnet mask the partner sent and a scope ID already stored', () => {
    const stored = binding('192.0.2.23', {
      clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(1), scopeId: 7 },
    });
    const extra = [option(OptionCode.MS_CLIENT_SUBNET_MASK, '255.255.0.0')];

    const update = microsoftUpdateFromStored(stored, 3_000, extra, SCOPES);

    expect(update.clientHardwareAddress?.scopeId).toBe(7);
    expect(update.otherOptions).toEqual(extra);
  });

  it('sends ABANDONED as address state DECLINED with its client (AMB-3)', () => {
    const update = microsoftUpdateFromStored(
      binding('192.0.2.24', { bindingStatus: 'ABANDONED' }),
      undefined,
      [],
      SCOPES,
    );

    expect(update.bindingStatus).toBe(0x02);
    expect(update.clientHardwareAddress).toBeDefined();
    expect(update.leaseExpirationTime).toBeUndefined();
  });

  it('leaves out option 33 for an address outside every scope, so the update cannot be sent', () => {
    const update = microsoftUpdateFromStored(binding('203.0.113.9'), 3_000, [], SCOPES);

    expect(() => encodeBindingUpdate(update, 'microsoft')).toThrow(/lacks ms-client-subnet-mask/);
  });
});

describe('draftUpdateOfMicrosoft', () => {
  it('gives a received lease its draft status and drops the Windows IP-flags (MSF-3.1.5.2-e)', () => {
    const received = {
      address: '192.0.2.25',
      bindingStatus: 0x01,
      ipFlags: 0x02,
      clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(1), scopeId: 1 },
      otherOptions: [],
    };

    const draft = draftUpdateOfMicrosoft(received, undefined);

    expect(draft.bindingStatus).toBe(4);
    expect('ipFlags' in draft).toBe(false);
  });

  it('reads a redistribution value over a stored ACTIVE lease as a lease update (MSF-3.1.4.2-h)', () => {
    const received = { address: '192.0.2.26', bindingStatus: 0x02, ipFlags: 0, otherOptions: [] };

    expect(draftUpdateOfMicrosoft(received, binding('192.0.2.26')).bindingStatus).toBe(3);
    expect(draftUpdateOfMicrosoft(received, undefined).bindingStatus).toBe(7);
  });
});

describe('keepsBNDUPDOrder', () => {
  it.each([
    ['the same order', ['a', 'b', 'c'], true],
    ['a subset in order', ['a', 'c'], true],
    ['a swapped pair', ['b', 'a', 'c'], false],
    ['a repeated address', ['a', 'a'], false],
    ['an address the BNDUPD did not carry', ['a', 'x', 'c'], true],
  ] as const)('accepts a BNDACK with %s: %s (MSF-3.1.5.3-a)', (_title, acked, expected) => {
    expect(keepsBNDUPDOrder(['a', 'b', 'c'], acked)).toBe(expected);
  });
});

describe('AddressRebalancer', () => {
  function rebalancerWith(stored: StoredBinding[], reservePercent: number) {
    const store = openLeaseStore(join(temporaryDirectory(), 'leases.db'));
    store.putBindings(stored);
    const sent: number[] = [];
    const clock = new ManualClock();
    const rebalancer = new AddressRebalancer({
      store,
      pools: [POOLS[0]!],
      reservePercent,
      intervalSeconds: 60,
      clock,
      logger: createSilentLogger(),
      sendPending: () => sent.push(store.countPending()),
    });
    return { store, rebalancer, clock, sent };
  }

  it('lends the highest free addresses until the secondary holds its share (MSF-3.2.6-a)', () => {
    const { store, rebalancer } = rebalancerWith([binding('192.0.2.20')], 50);

    expect(rebalancer.rebalance(5_000)).toBe(4);
    expect(store.getBinding('192.0.2.29')?.bindingStatus).toBe('BACKUP');
    expect(store.getBinding('192.0.2.26')?.bindingStatus).toBe('BACKUP');
    expect(store.getBinding('192.0.2.25')).toBeUndefined();
    expect(store.getBinding('192.0.2.29')?.pendingUpdate).toBe(true);
    expect(rebalancer.rebalance(5_000)).toBe(0);
    store.close();
  });

  it('runs on its timer only while in NORMAL and sends what it lent (MSF-3.2.2.1-a, MSF-3.2.2.1-c)', () => {
    const { store, rebalancer, clock, sent } = rebalancerWith([], 20);

    rebalancer.follow('COMMUNICATIONS-INTERRUPTED');
    clock.advance(120_000);
    expect(sent).toEqual([]);

    rebalancer.follow('NORMAL');
    clock.advance(60_000);
    expect(sent).toEqual([2]);

    rebalancer.follow('PARTNER-DOWN');
    clock.advance(600_000);
    expect(sent).toEqual([2]);
    store.close();
  });
});
