// BL-16: while the partner is unreachable, renew every known lease within the MCLT bound and
// allocate new clients only from the own pool.

import { describe, expect, it } from 'vitest';
import { maxClientExpiry } from '../../model/lease-time.js';
import { answersClient } from '../../src/loadbal/client-service.js';
import { findOption } from '../../src/peer/options.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { waitForState } from '../peer/peer-fixtures.js';
import { caseMac, hexBytes, secondaryInNormal, T0 } from './case-support.js';

const BNDUPD_22_ACTIVE_FOR_16 =
  '00 3c 03 0c 65 53 f1 00 00 00 07 40 00 02 00 04 c0 00 02 16 00 03 00 01 02 00 05 00 07 01 00 00 5e 00 53 16 00 0d 00 04 65 53 ff 10 00 12 00 04 65 54 06 18 00 06 00 04 65 53 f1 00';

const MCLT = 3600;

/**
 * Starts a secondary in NORMAL that accepted .22 ACTIVE for :16 (expires T0+3600, PET T0+5400).
 * Its receive-timer keeps the silent partner connected while the clock moves.
 */
async function secondaryHolding22() {
  const started = await secondaryInNormal({ config: { receiveTimer: 86_400 } });
  started.partner.sendBytes(hexBytes(BNDUPD_22_ACTIVE_FOR_16));
  const bndack = await started.partner.nextOfType(MessageType.BNDACK);
  expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
  return started;
}

describe('BL-16 renewals while the partner is unreachable', () => {
  it('BL-16: answers the RENEW of :16 in the primary bucket in NORMAL, bounded by T0+9000 (FO-9.8.2-a, FO-7.1.5-c)', async () => {
    const { peer, clock } = await secondaryHolding22();
    clock.advance(300_000);
    const stored = peer.store.getBinding('192.0.2.22');
    const renewal = {
      role: peer.config.role,
      state: peer.state,
      hashBucketAssignment: peer.hashBucketAssignment,
      key: caseMac(0x16),
    };

    expect(peer.state).toBe('NORMAL');
    expect(answersClient({ ...renewal, renewal: true })).toBe(true);
    expect(answersClient({ ...renewal, renewal: false })).toBe(false);
    expect(stored?.receivedPet).toBe(T0 + 5400);
    expect(maxClientExpiry({ now: T0 + 300, receivedPet: stored?.receivedPet, mclt: MCLT })).toBe(
      T0 + 9000,
    );
  });

  it('BL-16: answers :16 at T0+1800 in COMMUNICATIONS-INTERRUPTED, bounded by T0+9000 (FO-9.9.2-a, FO-5.2.1-c)', async () => {
    const { peer, partner, clock } = await secondaryHolding22();
    clock.advance(600_000);
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');
    clock.advance(1200_000);
    const stored = peer.store.getBinding('192.0.2.22');

    expect(
      answersClient({
        role: peer.config.role,
        state: peer.state,
        hashBucketAssignment: peer.hashBucketAssignment,
        key: caseMac(0x16),
        renewal: true,
      }),
    ).toBe(true);
    expect(maxClientExpiry({ now: T0 + 1800, receivedPet: stored?.receivedPet, mclt: MCLT })).toBe(
      T0 + 9000,
    );
  });

  it.todo(
    'BL-16: sends DHCPACK, never DHCPNAK, to the RENEW at T0+1800 and the REBIND at T0+3000 with expiry T0+9000 (needs the DHCPv4 front end)',
  );
  it.todo(
    'BL-16: offers .100 to :01 and nothing to :02 at T0+3100, with a log line saying why (needs the DHCPv4 front end)',
  );
  it.todo(
    'BL-16: sends BNDUPDs for the renewed .22 and the new .100 after reconnection (needs the DHCPv4 front end)',
  );
});
