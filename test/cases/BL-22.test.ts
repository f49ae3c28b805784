// BL-22: reservations out of step between partners. The draft rejects a reserved BACKUP that the
// receiver does not reserve with reason 19. Windows rejects FREE or BACKUP for a reservation of
// its own with reason 15.

import { describe, expect, it } from 'vitest';
import { MessageType } from '../../src/wire/codes.js';
import { expectReplyLike, hexBytes, secondaryInNormal } from './case-support.js';

const DRAFT_BNDUPD_BACKUP_RESERVED_91 =
  '00 1f 03 0c 65 53 f1 00 00 00 07 31 00 02 00 04 c0 00 02 5b 00 03 00 01 07 00 0c 00 02 00 01';
const BNDACK_731_REJECT_19 =
  '00 2e 04 0c 65 53 f1 00 00 00 07 31 00 02 00 04 c0 00 02 5b 00 15 00 01 13 00 10 00 11 6e 6f 74 20 72 65 73 65 72 76 65 64 20 68 65 72 65';

describe('BL-22 reservations on an ISC relationship', () => {
  it('BL-22: rejects BACKUP with R=1 for .91, which it does not reserve, with reason 19 and stores nothing (FO-7.1.3-e)', async () => {
    const { peer, partner } = await secondaryInNormal();

    partner.sendBytes(hexBytes(DRAFT_BNDUPD_BACKUP_RESERVED_91));
    const bndack = await partner.nextOfType(MessageType.BNDACK);

    expectReplyLike(bndack, BNDACK_731_REJECT_19);
    expect(peer.store.getBinding('192.0.2.91')).toBeUndefined();
    expect(partner.isClosed).toBe(false);
  });

  it.todo(
    'BL-22: accepts BACKUP with R=1 for .92, reserved on both servers, and gives it only to its client (needs reservations in the relationship config)',
  );
});

describe('BL-22 reservations on a Windows relationship', () => {
  it.todo(
    'BL-22: rejects the redistribution FREE for its reserved .90 with reason 15 and keeps .90 reserved (needs the Microsoft profile of the peer and reservations in the config)',
  );
  it.todo(
    'BL-22: does not resend the rejected FREE for .90 before the next rebalancing run (needs the Microsoft profile of the peer)',
  );
});
