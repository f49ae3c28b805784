// BL-17: the load-balancing bypass reads the BOOTP secs field big-endian; byte-swapped values make
// both servers answer unless the optional swap heuristic is on.

import { describe, expect, it } from 'vitest';
import { DHCPMessageType } from '../../src/dhcp/packet.js';
import { clientHashBucket } from '../../src/loadbal/hash-bucket.js';
import type { LeaseStore } from '../../src/store/types.js';
import { waitForState } from '../peer/peer-fixtures.js';
import { clientRequest } from '../dhcp/dhcp-client.js';
import {
  activeBinding,
  caseDHCPConfig,
  caseMac,
  dhcpOf,
  discover,
  primaryInNormal,
  T0,
} from './case-support.js';

/** Client :01 hashes to bucket 175, the secondary's with split 128. */
const PARTNER_BUCKET_CLIENT = caseMac(0x01);
const SECS_VALUES = [0x0002, 0x0006, 0x0300, 0x0600, 0x0100];

/** Returns the lowest pool address stored FREE or never stored, which the primary offers first. */
function firstFreeAddress(store: LeaseStore): string | undefined {
  for (let last = 20; last <= 110; last++) {
    const address = `192.0.2.${last}`;
    const status = store.getBinding(address)?.bindingStatus ?? 'FREE';
    if (status === 'FREE') {
      return address;
    }
  }

  return undefined;
}

async function primaryWithBypass(secsByteorderHeuristic: boolean) {
  const primary = await primaryInNormal({
    config: {
      split: 128,
      loadBalanceMaxSecs: 5,
      secsByteorderHeuristic,
      dhcp: caseDHCPConfig(),
    },
  });
  return { ...primary, dhcp: await dhcpOf(primary.peer) };
}

/** Returns, per secs value, whether the primary offered an address. */
async function answeredBySecs(secsByteorderHeuristic: boolean): Promise<boolean[]> {
  const { dhcp } = await primaryWithBypass(secsByteorderHeuristic);
  const answered: boolean[] = [];
  for (const secs of SECS_VALUES) {
    answered.push((await discover(dhcp, PARTNER_BUCKET_CLIENT, secs)) !== undefined);
  }

  return answered;
}

describe('BL-17 secs field and load balancing', () => {
  it('BL-17: hashes client :01 to bucket 175 of the secondary (FO-9.8.2-a)', () => {
    expect(clientHashBucket(PARTNER_BUCKET_CLIENT)).toBe(175);
  });

  it('BL-17: stays silent to client :01 of the partner bucket with secs 2 and answers secs 6, 0x0300, 0x0600 and 0x0100 (FO-9.8.2-a)', async () => {
    expect(await answeredBySecs(false)).toEqual([false, true, true, true, true]);
  });

  it('BL-17: reads 0x0300 as 3 and 0x0100 as 1 with the swap heuristic on, 0x0600 as 6 (FO-9.8.2-a)', async () => {
    expect(await answeredBySecs(true)).toEqual([false, true, false, true, false]);
  });

  it('BL-17: answers regardless of secs in COMMUNICATIONS-INTERRUPTED (FO-9.9.2-a)', async () => {
    const { peer, partner, dhcp } = await primaryWithBypass(false);
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');

    const offer = await discover(dhcp, PARTNER_BUCKET_CLIENT, 0x0002);

    expect(offer?.options.messageType).toBe(DHCPMessageType.DHCPOFFER);
  });

  it('BL-17: records nothing about a client it stays silent to (FO-9.2-c)', async () => {
    const { peer, dhcp } = await primaryWithBypass(false);
    const offer = await discover(dhcp, PARTNER_BUCKET_CLIENT, 0x0002);
    // An offer hold for :01 would push the next client of the primary's buckets past the first
    // FREE address.
    const firstFree = firstFreeAddress(peer.store);
    const otherClient = await discover(dhcp, caseMac(0x00));
    peer.store.putBindings([activeBinding('192.0.2.30', 0x01, T0 - 600, T0 + 3000)]);
    const before = peer.store.allBindings();

    const reboot = await dhcp.client.exchangeOrSilence(
      clientRequest(
        PARTNER_BUCKET_CLIENT,
        DHCPMessageType.DHCPREQUEST,
        { secs: 0x0002 },
        { requestedAddress: '192.0.2.30' },
      ),
      dhcp.server,
    );

    expect(offer).toBeUndefined();
    expect(otherClient?.yiaddr).toBe(firstFree);
    expect(reboot).toBeUndefined();
    expect(peer.store.allBindings()).toEqual(before);
    expect(dhcp.server.statistics.committed).toBe(0);
  });
});
