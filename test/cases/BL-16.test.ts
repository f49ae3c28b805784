// BL-16: while the partner is unreachable, renew every known lease within the MCLT bound and
// allocate new clients only from the own pool.

import { describe, expect, it } from 'vitest';
import { maxClientExpiry } from '../../model/lease-time.js';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { DHCPLogEvent } from '../../src/dhcp/server.js';
import { answersClient } from '../../src/loadbal/client-service.js';
import { findOption } from '../../src/peer/options.js';
import { bindingUpdatesOf } from '../../src/wire/binding-update.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { RawPartner } from '../peer/raw-partner.js';
import { secondsOf, stateOptions, waitForState } from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  caseDHCPConfig,
  caseMac,
  dhcpOf,
  discover,
  hexBytes,
  renew,
  secondaryInNormal,
  T0,
} from './case-support.js';

const BNDUPD_22_ACTIVE_FOR_16 =
  '00 3c 03 0c 65 53 f1 00 00 00 07 40 00 02 00 04 c0 00 02 16 00 03 00 01 02 00 05 00 07 01 00 00 5e 00 53 16 00 0d 00 04 65 53 ff 10 00 12 00 04 65 54 06 18 00 06 00 04 65 53 f1 00';

const MCLT = 3600;
const DESIRED_LEASE = 86_400;
const CLIENT_16 = caseMac(0x16);
/** The secondary's only own address; .101-.110 are FREE and belong to the primary. */
const OWN_BACKUP = '192.0.2.100';

/**
 * Starts a secondary in NORMAL that accepted .22 ACTIVE for :16 (expires T0+3600, PET T0+5400).
 * Its receive-timer keeps the silent partner connected while the clock moves.
 */
async function secondaryHolding22() {
  const started = await secondaryInNormal({
    config: { receiveTimer: 86_400, dhcp: caseDHCPConfig(DESIRED_LEASE) },
    seed: {
      bindings: [
        {
          address: OWN_BACKUP,
          bindingStatus: 'BACKUP',
          ipFlags: 0,
          pendingUpdate: false,
          updateSeq: 1,
        },
      ],
    },
  });
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

  it('BL-16: sends DHCPACK, never DHCPNAK, to the RENEW at T0+1800 and the REBIND at T0+3000 with expiry T0+9000 (FO-9.9.2-a, FO-7.1.5-c)', async () => {
    const { peer, clock } = await interruptedAt600();
    const dhcp = await dhcpOf(peer);

    clock.advance(1200_000);
    const renewal = await renew(dhcp, CLIENT_16, '192.0.2.22');
    clock.advance(1200_000);
    const rebinding = await renew(dhcp, CLIENT_16, '192.0.2.22');

    expect(renewal?.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(renewal?.yiaddr).toBe('192.0.2.22');
    expect(T0 + 1800 + (renewal?.options.leaseTime ?? 0)).toBe(T0 + 9000);
    expect(rebinding?.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(T0 + 3000 + (rebinding?.options.leaseTime ?? 0)).toBe(T0 + 9000);
    expect(dhcp.server.statistics.replies.DHCPNAK).toBe(0);
    expect(peer.store.getBinding('192.0.2.22')?.leaseExpirationTime).toBe(T0 + 9000);
  });

  it('BL-16: stays silent instead of sending DHCPNAK to the RENEW of a lease it has no binding for (FO-9.9.2-a)', async () => {
    const { peer, clock } = await interruptedAt600();
    const dhcp = await dhcpOf(peer);

    clock.advance(1200_000);
    const reply = await renew(dhcp, caseMac(0x17), '192.0.2.23');

    expect(reply).toBeUndefined();
    expect(peer.store.getBinding('192.0.2.23')).toBeUndefined();
  });

  it('BL-16: offers .100 to :01 and nothing to :02 at T0+3100, with a log line saying why (FO-9.9.2-a, FO-5.4-a)', async () => {
    const { peer, clock, log } = await interruptedAt600();
    const dhcp = await dhcpOf(peer);
    clock.advance(2500_000);

    const first = await dhcp.client.obtainLease(caseMac(0x01));
    const second = await discover(dhcp, caseMac(0x02));
    const exhausted = log.withEvent(DHCPLogEvent.POOL_EXHAUSTED);

    expect(first.offer.yiaddr).toBe(OWN_BACKUP);
    expect(first.ack.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(second).toBeUndefined();
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0]?.['ownStatus']).toBe('BACKUP');
    // The 91 pool addresses less the ACTIVE .22 and .100: FREE, and so the primary's.
    expect(exhausted[0]?.['partnerAvailable']).toBe(89);
    expect(exhausted[0]?.['rule']).toBe('FO-9.9.2-a');
    expect(String(exhausted[0]?.['msg'])).toContain('no BACKUP address left for new clients');
    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
  });

  it('BL-16: sends BNDUPDs for the renewed .22 and the new .100 after reconnection (FO-9.9.3-b, FO-9.8.1-a)', async () => {
    const { peer, clock } = await interruptedAt600();
    const dhcp = await dhcpOf(peer);
    clock.advance(2400_000);
    await renew(dhcp, CLIENT_16, '192.0.2.22');
    clock.advance(100_000);
    await dhcp.client.obtainLease(caseMac(0x01));

    const partner = await RawPartner.connect(peer.listeningPort ?? 0, secondsOf(clock));
    partner.send(MessageType.CONNECT, caseConnectOptions(MCLT), 0);
    await partner.nextOfType(MessageType.STATE);
    partner.send(MessageType.STATE, stateOptions('COMMUNICATIONS-INTERRUPTED', false, T0 + 600), 1);
    await waitForState(peer, 'NORMAL');
    const updates = [
      ...bindingUpdatesOf(await partner.nextOfType(MessageType.BNDUPD)).updates,
      ...bindingUpdatesOf(await partner.nextOfType(MessageType.BNDUPD)).updates,
    ];
    const byAddress = new Map(updates.map((update) => [update.address, update]));

    expect([...byAddress.keys()].sort()).toEqual(['192.0.2.100', '192.0.2.22']);
    expect(byAddress.get('192.0.2.22')?.leaseExpirationTime).toBe(T0 + 9000);
    expect(byAddress.get(OWN_BACKUP)?.clientHardwareAddress?.chaddr).toEqual(caseMac(0x01));
    partner.close();
  });

  it('BL-16: answers the RENEW of :16 in the primary bucket in NORMAL with expiry T0+9000 (FO-9.8.2-a)', async () => {
    const { peer, clock } = await secondaryHolding22();
    const dhcp = await dhcpOf(peer);
    clock.advance(300_000);

    const renewal = await renew(dhcp, CLIENT_16, '192.0.2.22');
    const discovery = await discover(dhcp, CLIENT_16);

    expect(peer.state).toBe('NORMAL');
    expect(renewal?.options.messageType).toBe(DHCPMessageType.DHCPACK);
    expect(T0 + 300 + (renewal?.options.leaseTime ?? 0)).toBe(T0 + 9000);
    expect(discovery).toBeUndefined();
  });
});

/** Starts the secondary holding .22 and drops its partner at T0+600 (COMM-INT from then). */
async function interruptedAt600() {
  const started = await secondaryHolding22();
  started.clock.advance(600_000);
  started.partner.close();
  await waitForState(started.peer, 'COMMUNICATIONS-INTERRUPTED');
  return started;
}
