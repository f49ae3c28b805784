import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { option, findOption } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { BindingStatus, MessageType, OptionCode } from '../../src/wire/codes.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from '../peer/raw-partner.js';
import { connectOptions, secondsOf, startTestPeer, temporaryDirectory, testConfig, stateOptions } from '../peer/peer-fixtures.js';

describe('scratch', () => {
  it('infinite lease then UPDREQALL', async () => {
    const storePath = join(temporaryDirectory(), 's.db');
    const started = await startTestPeer(testConfig('secondary', storePath));
    const partner = await RawPartner.connect(started.peer.listeningPort ?? 0, secondsOf(started.clock));
    partner.send(MessageType.CONNECT, connectOptions(), 0);
    await partner.nextOfType(MessageType.CONNECTACK);
    const now = nowSeconds(started.clock);
    partner.send(MessageType.BNDUPD, [
      option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.50'),
      option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
      option(OptionCode.IP_FLAGS, 2),
      option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: new Uint8Array([0,0,0x5e,0,0x53,9]) }),
      option(OptionCode.LEASE_EXPIRATION_TIME, 0xffffffff),
      option(OptionCode.POTENTIAL_EXPIRATION_TIME, 0xffffffff),
      option(OptionCode.START_TIME_OF_STATE, now - 10),
      option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, now - 10),
    ], 3);
    const ack = await partner.nextOfType(MessageType.BNDACK);
    console.log('ack reject', findOption(ack, OptionCode.REJECT_REASON));
    partner.send(MessageType.UPDREQALL, [], 4);
    await new Promise((r) => setTimeout(r, 300));
    console.log(partner.received.map((m) => [m.type, m.xid]), partner.isClosed);
    console.log(started.log.lines.filter((l) => (l['level'] as number) >= 40).map((l) => l['msg']));
    partner.close();
  });
});
