// BL-20: Windows re-encodes binding-status and IP-flags. The encoding follows the relationship's
// partner kind, never a guess per message: an ISC relationship reads the draft encoding only.

import { describe, expect, it } from 'vitest';
import { findOption } from '../../src/peer/options.js';
import { IP_FLAG_BOOTP, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { decodeMessage } from '../../src/wire/message.js';
import {
  activeBinding,
  caseMac,
  decodeErrorOf,
  expectReplyLike,
  hexBytes,
  secondaryInNormal,
  T0,
} from './case-support.js';
import { windowsSecondaryInNormal } from './windows-support.js';

const MS_LEASE_UPDATE_ACTIVE_71 =
  '00 66 03 08 65 53 f1 00 00 00 07 10 00 02 00 04 c0 00 02 47 00 03 00 01 01 00 0c 00 01 00 00 21 00 04 ff ff ff 00 00 05 00 0b 00 02 00 c0 01 00 00 5e 00 53 47 00 06 00 04 65 53 f1 00 00 0d 00 04 65 53 ff 10 00 12 00 04 65 54 06 18 00 1f 00 08 70 00 63 00 32 00 00 00 00 22 00 04 c0 00 02 01 00 24 00 01 01';
const MS_REDISTRIBUTION_BACKUP_72 =
  '00 26 03 08 65 53 f1 00 00 00 07 11 00 02 00 04 c0 00 02 48 00 03 00 01 02 00 0c 00 01 00 00 21 00 04 ff ff ff 00';
const MS_LEASE_UPDATE_RELEASED_73 =
  '00 3d 03 08 65 53 f1 00 00 00 07 12 00 02 00 04 c0 00 02 49 00 03 00 01 01 00 0c 00 01 02 00 21 00 04 ff ff ff 00 00 05 00 0b 00 02 00 c0 01 00 00 5e 00 53 49 00 06 00 04 65 53 f1 3c';
/** The accepting BNDACK for .71: the update's xid and address, no reject-reason. */
const BNDACK_710_ACCEPT = '00 14 04 08 65 53 f1 00 00 00 07 10 00 02 00 04 c0 00 02 47';
const DRAFT_BNDUPD_BOOTP_40 =
  '00 42 03 0c 65 53 f1 00 00 00 03 04 00 02 00 04 c0 00 02 28 00 03 00 01 02 00 0c 00 02 00 02 00 05 00 07 01 00 00 5e 00 53 28 00 0d 00 04 ff ff ff ff 00 12 00 04 ff ff ff ff 00 06 00 04 65 53 f1 00';

describe('BL-20 encodings on an ISC relationship', () => {
  it('BL-20: stores .40 ACTIVE with the BOOTP flag and an infinite expiry (FO-12.12-a)', async () => {
    const { peer, partner } = await secondaryInNormal();

    partner.sendBytes(hexBytes(DRAFT_BNDUPD_BOOTP_40));
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.40');

    expect(bndack.xid).toBe(0x304);
    expect(findOption(bndack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('ACTIVE');
    expect(stored?.ipFlags).toBe(IP_FLAG_BOOTP);
    expect(stored?.leaseExpirationTime).toBe(0xffffffff);
  });

  it('BL-20: rejects the Windows lease update on an ISC relationship for its 1-byte IP-flags at offset 25 (E-2)', () => {
    const error = decodeErrorOf(() => decodeMessage(hexBytes(MS_LEASE_UPDATE_ACTIVE_71), 'isc'));

    expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
    expect(error.optionCode).toBe(OptionCode.IP_FLAGS);
    expect(error.offset).toBe(25);
  });

  it('BL-20: closes an ISC connection on the Windows lease update instead of reading .71 as FREE (E-2)', async () => {
    const { peer, partner } = await secondaryInNormal();

    partner.sendBytes(hexBytes(MS_LEASE_UPDATE_ACTIVE_71));
    const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
    await partner.expectClosed();

    expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
    expect(peer.store.getBinding('192.0.2.71')).toBeUndefined();
  });
});

describe('BL-20 encodings on a Windows relationship', () => {
  it('BL-20: stores .71 ACTIVE for 00:00:5e:00:53:47 with its times and Windows options, and accepts it (MSF-3.1.4.2-d, OBS-2)', async () => {
    const { peer, partner } = await windowsSecondaryInNormal({ secret: undefined });

    partner.socket.write(hexBytes(MS_LEASE_UPDATE_ACTIVE_71));
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.71');
    const otherOptions = Buffer.from(stored?.otherOptions ?? []).toString('hex');

    expectReplyLike(bndack.message, BNDACK_710_ACCEPT, 'microsoft');
    expect(stored?.bindingStatus).toBe('ACTIVE');
    expect(stored?.clientHardwareAddress?.htype).toBe(1);
    expect(stored?.clientHardwareAddress?.chaddr).toEqual(caseMac(0x47));
    expect(stored?.leaseExpirationTime).toBe(T0 + 3600);
    expect(stored?.receivedPet).toBe(T0 + 5400);
    expect(stored?.clientLastTransactionTime).toBe(T0);
    // Client name "pc2" in UTF-16LE (31), server IP 192.0.2.1 (34), client type DHCP (36).
    expect(otherOptions).toContain('001f00087000630032000000');
    expect(otherOptions).toContain('00220004c0000201');
    expect(otherOptions).toContain('0024000101');
  });

  it('BL-20: makes .72 BACKUP from the redistribution update with no chaddr (MSF-3.1.4.2-f, MSF-3.1.4.2-h)', async () => {
    const { peer, partner } = await windowsSecondaryInNormal({ secret: undefined });

    partner.socket.write(hexBytes(MS_REDISTRIBUTION_BACKUP_72));
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.72');

    expect(bndack.message.xid).toBe(0x711);
    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('BACKUP');
    expect(stored?.clientHardwareAddress).toBeUndefined();
  });

  it('BL-20: treats .73 with IP-flags 0x02 as RELEASED and stores it FREE after the later CLTT (MSF-3.1.4.2-d, MSF-3.1.5.2-e)', async () => {
    const { peer, partner } = await windowsSecondaryInNormal({
      secret: undefined,
      seed: { bindings: [activeBinding('192.0.2.73', 0x49, T0, T0 + 3600)] },
    });

    partner.socket.write(hexBytes(MS_LEASE_UPDATE_RELEASED_73));
    const bndack = await partner.nextOfType(MessageType.BNDACK);
    const stored = peer.store.getBinding('192.0.2.73');

    expect(bndack.message.xid).toBe(0x712);
    expect(findOption(bndack.message, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(stored?.bindingStatus).toBe('FREE');
    expect(stored?.clientLastTransactionTime).toBe(T0 + 60);
    // The Windows RELEASED bit is not kept as the draft's BOOTP bit (FO-12.12-a).
    expect(stored?.ipFlags).toBe(0);
  });

  it('BL-20: rejects the draft BOOTP update on a Windows relationship for its 2-byte IP-flags (MSF-3.1.5.2-e)', () => {
    const error = decodeErrorOf(() => decodeMessage(hexBytes(DRAFT_BNDUPD_BOOTP_40), 'microsoft'));

    expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
    expect(error.optionCode).toBe(OptionCode.IP_FLAGS);
  });
});
