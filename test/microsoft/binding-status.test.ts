import { describe, expect, it } from 'vitest';
import type { BindingStatusName } from '../../src/wire/codes.js';
import {
  draftStatusOfMicrosoft,
  isMicrosoftRedistribution,
  microsoftStatusOf,
} from '../../src/wire/microsoft-binding-status.js';

describe('isMicrosoftRedistribution', () => {
  it.each([
    ['IP-flags 0, no client, value 2', 2, 0, false, true],
    ['IP-flags 0, no client, value 6', 6, 0, false, true],
    ['IP-flags absent, no client, value 1', 1, undefined, false, true],
    ['a client-hardware-address', 1, 0, true, false],
    ['IP-flags RELEASED', 1, 2, false, false],
    ['value 3, outside the redistribution set', 3, 0, false, false],
    ['value 0x11, DNS bits on ACTIVE', 0x11, 0, false, false],
  ] as const)(
    'classifies an update with %s (AMB-3)',
    (_title, bindingStatus, ipFlags, hasClientHardwareAddress, expected) => {
      expect(isMicrosoftRedistribution({ bindingStatus, ipFlags, hasClientHardwareAddress })).toBe(
        expected,
      );
    },
  );
});

describe('draftStatusOfMicrosoft', () => {
  // value, IP-flags, client-hardware-address, lease record, draft status
  it.each([
    ['FREE without a lease record', 0x01, 0, false, false, 'FREE'],
    ['FREE_UPDATE without a lease record', 0x05, 0, false, false, 'FREE'],
    ['RECONCILE without a lease record', 0x04, 0, false, false, 'FREE'],
    ['BACKUP without a lease record', 0x02, 0, false, false, 'BACKUP'],
    ['BACKUP_UPDATE without a lease record (AMB-5)', 0x06, 0, false, false, 'BACKUP'],
    ['BACKUP over a lease record, read as DECLINED', 0x02, 0, false, true, 'EXPIRED'],
    ['FREE over a lease record, read as ACTIVE', 0x01, 0, false, true, 'ACTIVE'],
    ['the RELEASED flag', 0x01, 0x02, true, true, 'RELEASED'],
    ['address state DOOM', 0x03, 0, true, false, 'EXPIRED'],
    ['address state DOOM with DNS bits', 0xf3, 0, true, false, 'EXPIRED'],
    ['address state DECLINED', 0x02, 0, true, false, 'EXPIRED'],
    ['address state ACTIVE', 0x01, 0, true, false, 'ACTIVE'],
    ['address state OFFERED (AMB-3)', 0x00, 0, true, false, 'ACTIVE'],
    ['the DELETED flag (AMB-3)', 0x01, 0x01, true, true, 'RESET'],
    ['the DELETED_COMM_DOWN flag (MSF-3.1.5.2-f)', 0x01, 0x04, false, true, 'RESET'],
  ] as const)(
    'maps %s to %s (MSF-3.1.4.2-h)',
    (_title, bindingStatus, ipFlags, hasClientHardwareAddress, hasLeaseRecord, expected) => {
      const shape = { bindingStatus, ipFlags, hasClientHardwareAddress };

      expect(draftStatusOfMicrosoft(shape, hasLeaseRecord)).toBe(expected);
    },
  );
});

describe('microsoftStatusOf', () => {
  it.each([
    ['FREE', 0x01, 0, true],
    ['RESET', 0x01, 0, true],
    ['BACKUP', 0x02, 0, true],
    ['ACTIVE', 0x01, 0, false],
    ['RELEASED', 0x01, 0x02, false],
    ['EXPIRED', 0x03, 0, false],
    ['ABANDONED', 0x02, 0, false],
  ] as const)(
    'sends %s as binding-status %i with IP-flags %i (MSF-3.1.4.2-d, MSF-3.1.4.2-e, MSF-3.1.4.2-g)',
    (status, bindingStatus, ipFlags, redistribution) => {
      expect(microsoftStatusOf(status)).toEqual({ bindingStatus, ipFlags, redistribution });
    },
  );

  it.each<BindingStatusName>(['FREE', 'BACKUP', 'ACTIVE', 'RELEASED', 'EXPIRED'])(
    'maps what it sends for %s back to the same draft status on receipt',
    (status) => {
      const sent = microsoftStatusOf(status);
      const shape = {
        bindingStatus: sent.bindingStatus,
        ipFlags: sent.ipFlags,
        hasClientHardwareAddress: !sent.redistribution,
      };

      expect(draftStatusOfMicrosoft(shape, false)).toBe(status);
    },
  );
});
