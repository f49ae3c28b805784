import { describe, expect, it } from 'vitest';
import {
  decideBindingUpdate,
  ipv4ToNumber,
  type ReceivedBindingUpdate,
  type StoredBindingView,
} from '../../model/binding-acceptance.js';
import type { Role } from '../../model/endpoint-types.js';
import {
  BindingStatus,
  IP_FLAG_RESERVED,
  RejectReason,
  type BindingStatusName,
} from '../../src/wire/codes.js';
import type { BindingUpdate, HardwareAddress } from '../../src/wire/types.js';
import { sharedAvailable } from '../helpers/shared-dir.js';
import { knownRuleIds } from './endpoint-harness.js';

const address = '10.77.1.5';
const pools = [{ start: '10.77.1.0', end: '10.77.1.255' }];
const clientA: HardwareAddress = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 1) };
const clientB: HardwareAddress = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 2) };

/** Stored times: CLTT 1000, start-time-of-state 900, lease expiry 5000. */
function storedAs(bindingStatus: BindingStatusName): StoredBindingView {
  return {
    bindingStatus,
    clientHardwareAddress: clientA,
    clientLastTransactionTime: 1_000,
    startTimeOfState: 900,
    leaseExpirationTime: 5_000,
  };
}

/** Builds a complete update of `status` for client A with CLTT 2000. */
function updateOf(
  status: BindingStatusName,
  overrides: Partial<BindingUpdate> = {},
): BindingUpdate {
  const base: BindingUpdate = {
    address,
    bindingStatus: BindingStatus[status],
    clientLastTransactionTime: 2_000,
    startTimeOfState: 2_000,
    otherOptions: [],
  };
  if (status === 'ACTIVE') {
    base.clientHardwareAddress = clientA;
    base.leaseExpirationTime = 9_000;
    base.potentialExpirationTime = 12_000;
  }

  return { ...base, ...overrides };
}

function receive(
  update: BindingUpdate,
  stored: StoredBindingView | undefined,
  overrides: Partial<ReceivedBindingUpdate> = {},
): ReturnType<typeof decideBindingUpdate> {
  return decideBindingUpdate({
    role: 'primary',
    now: 6_000,
    update,
    stored,
    pools,
    reserved: false,
    ...overrides,
  });
}

/**
 * Figure 7.1.3-1, one letter code per cell: A accept, 1-3 the time rules, 4 less critical
 * (reject 16), 5 same client or secondary (else reject 2).
 */
const statuses: BindingStatusName[] = [
  'ACTIVE',
  'EXPIRED',
  'RELEASED',
  'FREE',
  'BACKUP',
  'RESET',
  'ABANDONED',
];
const figure: Record<BindingStatusName, string> = {
  ACTIVE: '5 2 1 2 2 A A',
  EXPIRED: '1 A A A A A A',
  RELEASED: '1 1 A A A A A',
  FREE: 'A A A A A A A',
  BACKUP: 'A A A A A A A',
  RESET: '3 A A A A A A',
  ABANDONED: '4 4 4 4 4 A A',
};

const cells = statuses.flatMap((stored) =>
  statuses.map((received, column) => ({
    stored,
    received,
    cell: figure[stored].split(' ')[column] ?? '?',
  })),
);

/** Returns the binding-status an accepted update leaves stored (FO-5.11-e). */
function storedAfter(received: BindingStatusName): BindingStatusName {
  return ['EXPIRED', 'RELEASED', 'RESET'].includes(received) ? 'FREE' : received;
}

/** Returns an update and time the cell's rule rejects, or undefined for a cell that accepts all. */
function losingCase(cell: string, received: BindingStatusName) {
  switch (cell) {
    case '1':
      return { update: updateOf(received, { clientLastTransactionTime: 999 }), now: 6_000 };
    case '2':
      return { update: updateOf(received), now: 5_000 };
    case '3':
      return { update: updateOf(received, { clientLastTransactionTime: 900 }), now: 6_000 };
    case '4':
      return { update: updateOf(received), now: 6_000 };
    default:
      return undefined;
  }
}

describe('decideBindingUpdate acceptance matrix', () => {
  it.each(cells)('stored $stored, received $received: cell $cell', ({ stored, received, cell }) => {
    const winning = receive(updateOf(received), storedAs(stored));
    const losing = losingCase(cell, received);

    if (cell === '4') {
      expect(winning).toMatchObject({
        accepted: false,
        rejectReason: RejectReason.LESS_CRITICAL_BINDING_INFORMATION,
      });
    } else {
      expect(winning).toMatchObject({ accepted: true, bindingStatus: storedAfter(received) });
    }

    if (losing !== undefined && cell !== '4') {
      const decision = receive(losing.update, storedAs(stored), { now: losing.now });
      expect(decision).toMatchObject({
        accepted: false,
        rejectReason: RejectReason.OUTDATED_BINDING_INFORMATION,
      });
    }
  });

  it.each<{ role: Role; accepted: boolean }>([
    { role: 'primary', accepted: false },
    { role: 'secondary', accepted: true },
  ])(
    'ACTIVE for another client over ACTIVE on the $role: accepted $accepted (FO-7.1.2-a)',
    ({ role, accepted }) => {
      const update = updateOf('ACTIVE', { clientHardwareAddress: clientB });

      const decision = receive(update, storedAs('ACTIVE'), { role });

      if (accepted) {
        expect(decision).toEqual({ accepted: true, bindingStatus: 'ACTIVE', rule: 'FO-7.1.3-f' });
      } else {
        expect(decision).toEqual({
          accepted: false,
          rejectReason: RejectReason.FATAL_CONFLICT,
          message: `ACTIVE update for ${address} names a different client than the stored ACTIVE binding`,
          rule: 'FO-7.1.2-a',
        });
      }
    },
  );

  it('compares clients by client-identifier when both sides have one', () => {
    const stored = { ...storedAs('ACTIVE'), clientIdentifier: Uint8Array.of(1, 2, 3) };
    const sameId = updateOf('ACTIVE', {
      clientIdentifier: Uint8Array.of(1, 2, 3),
      clientHardwareAddress: clientB,
    });
    const otherId = updateOf('ACTIVE', { clientIdentifier: Uint8Array.of(1, 2, 4) });

    expect(receive(sameId, stored).accepted).toBe(true);
    expect(receive(otherId, stored).accepted).toBe(false);
  });

  it('treats a never-used address as FREE (FO-5.16-c)', () => {
    expect(receive(updateOf('ACTIVE'), undefined)).toEqual({
      accepted: true,
      bindingStatus: 'ACTIVE',
      rule: 'FO-7.1.3-f',
    });
  });

  it.skipIf(!sharedAvailable)('returns only rule IDs listed in the spec rule table', () => {
    const known = knownRuleIds();
    const decisions = cells.flatMap(({ stored, received, cell }) => {
      const losing = losingCase(cell, received);
      const winning = receive(updateOf(received), storedAs(stored));

      return losing === undefined
        ? [winning]
        : [winning, receive(losing.update, storedAs(stored), { now: losing.now })];
    });
    const rules = new Set(decisions.map((decision) => decision.rule));

    expect([...rules].filter((rule) => !known.has(rule))).toEqual([]);
    expect(rules.size).toBeGreaterThanOrEqual(4);
  });

  it('stores an accepted RELEASED as FREE (FO-5.11-e)', () => {
    expect(receive(updateOf('RELEASED'), storedAs('ACTIVE'))).toEqual({
      accepted: true,
      bindingStatus: 'FREE',
      rule: 'FO-5.11-e',
    });
  });
});

describe('decideBindingUpdate time rules', () => {
  it('never counts an update without CLTT as later (FO-7.1.3-d)', () => {
    const update = updateOf('ACTIVE', { clientLastTransactionTime: undefined });

    const decision = receive(update, storedAs('RELEASED'));

    expect(decision).toEqual({
      accepted: false,
      rejectReason: RejectReason.OUTDATED_BINDING_INFORMATION,
      message:
        `ACTIVE update for ${address} has client-last-transaction-time none, ` +
        'expected later than the stored 1000',
      rule: 'FO-7.1.3-d',
    });
  });

  it('counts any CLTT later than a missing stored one (FO-7.1.3-d)', () => {
    const stored = { ...storedAs('RELEASED'), clientLastTransactionTime: undefined };

    expect(receive(updateOf('ACTIVE'), stored).accepted).toBe(true);
  });

  it('rejects FREE over an unexpired ACTIVE lease with reason 15 (FO-7.1.2-a)', () => {
    const decision = receive(updateOf('FREE'), storedAs('ACTIVE'), { now: 4_999 });

    expect(decision).toEqual({
      accepted: false,
      rejectReason: RejectReason.OUTDATED_BINDING_INFORMATION,
      message:
        `FREE update for ${address} arrived at 4999, ` +
        'expected after the stored ACTIVE lease expires at 5000',
      rule: 'FO-7.1.2-a',
    });
  });

  it('rejects ACTIVE over RESET unless its CLTT is after the reset (FO-7.1.3-d)', () => {
    const early = updateOf('ACTIVE', { clientLastTransactionTime: 900 });
    const late = updateOf('ACTIVE', { clientLastTransactionTime: 901 });

    expect(receive(early, storedAs('RESET')).accepted).toBe(false);
    expect(receive(late, storedAs('RESET')).accepted).toBe(true);
  });
});

describe('decideBindingUpdate validation', () => {
  it.each<{ lack: string; overrides: Partial<BindingUpdate> }>([
    { lack: 'client-hardware-address', overrides: { clientHardwareAddress: undefined } },
    { lack: 'lease-expiration-time', overrides: { leaseExpirationTime: undefined } },
    { lack: 'potential-expiration-time', overrides: { potentialExpirationTime: undefined } },
  ])('rejects ACTIVE without $lack with reason 3 (FO-7.1.3-a)', ({ lack, overrides }) => {
    const decision = receive(updateOf('ACTIVE', overrides), undefined);

    expect(decision).toEqual({
      accepted: false,
      rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
      message: `ACTIVE update for ${address} lacks ${lack}`,
      rule: 'FO-7.1.3-a',
    });
  });

  it('rejects ACTIVE whose PET is before its lease-expiration-time with reason 3 (FO-7.1.1-f)', () => {
    const update = updateOf('ACTIVE', { potentialExpirationTime: 8_999 });

    expect(receive(update, undefined)).toMatchObject({
      accepted: false,
      rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
      message:
        `ACTIVE update for ${address} has potential-expiration-time 8999, ` +
        'expected at least lease-expiration-time 9000',
    });
  });

  it('rejects an unknown binding-status with reason 3 (FO-7.1.3-a)', () => {
    const update = { ...updateOf('FREE'), bindingStatus: 9 };

    expect(receive(update, undefined)).toMatchObject({
      accepted: false,
      rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
      message: `update for ${address} has binding-status 9, expected 1 to 7`,
    });
  });

  it('rejects an address outside every pool with reason 1 (FO-7.1.3-b)', () => {
    for (const outside of ['10.77.2.0', '10.77.0.255', '10.77.1', '10.77.1.256']) {
      const decision = receive(updateOf('FREE', { address: outside }), undefined);

      expect(decision).toEqual({
        accepted: false,
        rejectReason: RejectReason.ILLEGAL_IP_ADDRESS,
        message: `address ${outside} is outside every pool of this endpoint`,
        rule: 'FO-7.1.3-b',
      });
    }
  });

  it('checks missing information before the pool (FO-7.1.3-a, FO-7.1.3-b)', () => {
    const update = updateOf('ACTIVE', { address: '192.0.2.1', leaseExpirationTime: undefined });

    expect(receive(update, undefined)).toMatchObject({
      rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
    });
  });

  it('rejects a reserved BACKUP for an address this server does not reserve (FO-7.1.3-e)', () => {
    const update = updateOf('BACKUP', { ipFlags: IP_FLAG_RESERVED });

    expect(receive(update, undefined)).toMatchObject({
      accepted: false,
      rejectReason: RejectReason.IP_NOT_RESERVED,
      rule: 'FO-7.1.3-e',
    });
    expect(receive(update, undefined, { reserved: true })).toMatchObject({
      accepted: true,
      bindingStatus: 'BACKUP',
    });
  });
});

describe('decideBindingUpdate with dhcpd resync traffic', () => {
  it('accepts ACTIVE whose PET equals its lease-expiration-time (ISC-13)', () => {
    const update = updateOf('ACTIVE', { potentialExpirationTime: 9_000 });

    expect(receive(update, undefined).accepted).toBe(true);
  });

  it.each(['FREE', 'BACKUP'] as const)('accepts %s carrying zero times (ISC-13)', (status) => {
    const update = updateOf(status, { leaseExpirationTime: 0, potentialExpirationTime: 0 });

    expect(receive(update, storedAs('FREE'))).toMatchObject({
      accepted: true,
      bindingStatus: status,
    });
  });

  it('keeps ACTIVE against a resync FREE (FO-7.1.2-a)', () => {
    const fromEmptySide = updateOf('FREE', { leaseExpirationTime: 0, potentialExpirationTime: 0 });
    const unexpired = receive(fromEmptySide, storedAs('ACTIVE'), { now: 4_000 });
    const expired = receive(fromEmptySide, storedAs('ACTIVE'), { now: 5_001 });

    expect(unexpired).toMatchObject({
      accepted: false,
      rejectReason: RejectReason.OUTDATED_BINDING_INFORMATION,
    });
    expect(expired).toMatchObject({ accepted: true, bindingStatus: 'FREE' });
  });

  it('takes a resync ACTIVE over FREE (FO-7.1.2-a)', () => {
    expect(receive(updateOf('ACTIVE'), storedAs('FREE'), { role: 'secondary' })).toMatchObject({
      accepted: true,
      bindingStatus: 'ACTIVE',
    });
  });
});

describe('ipv4ToNumber', () => {
  it('parses dotted quads and rejects others', () => {
    expect(ipv4ToNumber('0.0.0.0')).toBe(0);
    expect(ipv4ToNumber('10.77.1.5')).toBe(0x0a4d0105);
    expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
    for (const invalid of ['', '1.2.3', '1.2.3.4.5', '1.2.3.x', '1.2.3.-4', '1.2.3.1000']) {
      expect(ipv4ToNumber(invalid), invalid).toBeUndefined();
    }
  });
});

describe('decideBindingUpdate after a resent update', () => {
  it('accepts ACTIVE for another client over RELEASED with the same CLTT (FO-7.1.3-d)', () => {
    const update = updateOf('ACTIVE', {
      clientHardwareAddress: clientB,
      clientLastTransactionTime: 1_000,
    });

    expect(receive(update, storedAs('RELEASED'))).toEqual({
      accepted: true,
      bindingStatus: 'ACTIVE',
      rule: 'FO-7.1.3-f',
    });
    expect(receive(update, storedAs('EXPIRED')).accepted).toBe(true);
  });

  it('still rejects ACTIVE for the same client over RELEASED with the same CLTT (FO-7.1.3-d)', () => {
    const update = updateOf('ACTIVE', { clientLastTransactionTime: 1_000 });

    expect(receive(update, storedAs('RELEASED')).accepted).toBe(false);
  });

  it('still rejects RELEASED over ACTIVE of another client with the same CLTT (FO-7.1.3-d)', () => {
    const stored = { ...storedAs('ACTIVE'), clientHardwareAddress: clientB };
    const update = updateOf('RELEASED', {
      clientHardwareAddress: clientA,
      clientLastTransactionTime: 1_000,
    });

    expect(receive(update, stored).accepted).toBe(false);
  });

  it('keeps a BACKUP lent after the release that a resent RELEASED repeats (FO-5.11-e)', () => {
    const lent: StoredBindingView = { ...storedAs('BACKUP'), startTimeOfState: 1_500 };

    const repeat = { clientLastTransactionTime: 1_000, clientHardwareAddress: clientA };

    expect(receive(updateOf('RELEASED', repeat), lent)).toEqual({
      accepted: true,
      bindingStatus: 'BACKUP',
      rule: 'FO-5.11-e',
      keepStored: true,
    });
    expect(receive(updateOf('EXPIRED', repeat), lent)).toMatchObject({
      keepStored: true,
    });
  });

  it('stores FREE for a RELEASED the stored BACKUP does not repeat (FO-5.11-e)', () => {
    const lent: StoredBindingView = { ...storedAs('BACKUP'), startTimeOfState: 1_500 };
    const otherClient = updateOf('RELEASED', {
      clientLastTransactionTime: 1_000,
      clientHardwareAddress: clientB,
    });
    const otherTime = updateOf('RELEASED', {
      clientLastTransactionTime: 1_200,
      clientHardwareAddress: clientA,
    });
    const afterLend = { ...lent, clientLastTransactionTime: 1_600 };
    const freed = { accepted: true, bindingStatus: 'FREE', rule: 'FO-5.11-e' };

    expect(receive(otherClient, lent)).toEqual(freed);
    expect(receive(otherTime, lent)).toEqual(freed);
    expect(
      receive(
        updateOf('RELEASED', { clientLastTransactionTime: 1_600, clientHardwareAddress: clientA }),
        afterLend,
      ),
    ).toEqual(freed);
  });
});
