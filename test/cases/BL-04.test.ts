// BL-04: the Windows shared-secret digest (HMAC-SHA256). A missing or wrong digest drops the
// message and closes the connection with no reject-reason.

import { join } from 'node:path';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { checkMessageDigest, HMAC_SHA256_DIGEST_TYPE } from '../../src/peer/digest.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { secondsOf, startTestPeer, temporaryDirectory } from '../peer/peer-fixtures.js';
import { microsoftConfig } from '../microsoft/microsoft-fixtures.js';
import { WindowsListener, windowsCONNECTACKOptions } from '../microsoft/windows-partner.js';
import { clockAt, hexBytes, NORMAL_BEFORE_T0, seedStore, settle } from './case-support.js';
import { CASE_SECRET, windowsSecondaryInNormal } from './windows-support.js';

const STATE_DIGEST_VALID =
  '00 43 0a 08 65 53 f1 00 00 00 00 21 00 11 00 21 02 b9 1c e1 4c 33 7f 38 14 9c 77 fd df ac 3d 8c f8 13 b3 76 25 cb 41 80 dc 26 af a8 08 ab 62 ee 5f 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_DIGEST_BIT_FLIPPED =
  '00 43 0a 08 65 53 f1 00 00 00 00 21 00 11 00 21 02 b8 1c e1 4c 33 7f 38 14 9c 77 fd df ac 3d 8c f8 13 b3 76 25 cb 41 80 dc 26 af a8 08 ab 62 ee 5f 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_NO_DIGEST =
  '00 1e 0a 08 65 53 f1 00 00 00 00 22 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_DIGEST_OTHER_SECRET =
  '00 43 0a 08 65 53 f1 00 00 00 00 23 00 11 00 21 02 64 41 dc 01 e8 5f f3 aa a8 b0 dd 91 10 7c cd 5e c0 8a d4 18 a0 de 54 12 a3 2e a4 9d 37 df 8f f8 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const CONNECT_RETRY_SECONDS = 60;

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe('BL-04 Windows message digest on an established connection', () => {
  it('BL-04: accepts a STATE whose HMAC-SHA256 digest matches the shared secret (MSF-2.2-c, MSF-2.2-e)', async () => {
    const { peer, partner, log } = await windowsSecondaryInNormal();

    partner.socket.write(hexBytes(STATE_DIGEST_VALID));
    await settle(100);

    expect(log.withEvent('auth.failed')).toEqual([]);
    expect(log.withEvent('message.received').filter((line) => line['xid'] === 0x21)).toHaveLength(
      1,
    );
    expect(partner.isClosed).toBe(false);
    expect(peer.state).toBe('NORMAL');
  });

  it.each([
    ['one bit flipped', STATE_DIGEST_BIT_FLIPPED, 0x21, 'FO_ERR_DIGEST_MISMATCH'],
    ['no digest', STATE_NO_DIGEST, 0x22, 'FO_ERR_DIGEST_MISSING'],
    [
      'a digest made with another secret',
      STATE_DIGEST_OTHER_SECRET,
      0x23,
      'FO_ERR_DIGEST_MISMATCH',
    ],
  ])(
    'BL-04: closes without DISCONNECT on a STATE with %s and leaves NORMAL (MSF-3.1.5-a, AMB-11)',
    async (_, hex, xid, code) => {
      const { peer, partner, log } = await windowsSecondaryInNormal();
      const sentBefore = partner.received.length;

      partner.socket.write(hexBytes(hex));
      await partner.expectClosed();

      expect(partner.received.slice(sentBefore)).toEqual([]);
      expect(log.withEvent('auth.failed').map((line) => line['code'])).toEqual([code]);
      expect(log.withEvent('message.received').filter((line) => line['xid'] === xid)).toEqual([]);
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(log.withEvent('state.change').at(-1)?.['trigger']).toBe('COMMUNICATIONS_FAILED');
    },
  );

  it('BL-04: puts a valid type 2 digest first in every message it sends to a Windows partner (MSF-2.2-d, OBS-5)', async () => {
    const { partner } = await windowsSecondaryInNormal();

    partner.socket.write(hexBytes(STATE_NO_DIGEST));
    await partner.expectClosed();

    expect(partner.received.length).toBeGreaterThan(1);
    for (const frame of partner.received) {
      const first = frame.message.options[0];
      expect(first?.code).toBe(OptionCode.MESSAGE_DIGEST);
      expect(first && 'value' in first ? first.value : undefined).toMatchObject({
        digestType: HMAC_SHA256_DIGEST_TYPE,
      });
      expect(checkMessageDigest(frame.bytes, new SharedSecret(CASE_SECRET))).toBeUndefined();
    }
  });
});

describe('BL-04 Windows message digest seen by a primary', () => {
  it('BL-04: reconnects only after a Connect Retry interval of 60 s once a digest failed (MSF-3.1.2.2-a)', async () => {
    const clock = clockAt();
    const storePath = join(temporaryDirectory(), 'primary.db');
    seedStore(storePath, { record: NORMAL_BEFORE_T0 });
    const listener = await WindowsListener.listen();
    const config = microsoftConfig('primary', storePath, {
      peer: { address: '127.0.0.1', port: listener.port },
      sharedSecret: CASE_SECRET,
      // Windows' default Connect Retry interval; dhcpf's own default is shorter.
      connectRetrySeconds: CONNECT_RETRY_SECONDS,
    });
    const { log } = await startTestPeer(config, clock);
    const partner = await listener.accept(secondsOf(clock), 'another secret');
    const connect = await partner.nextOfType(MessageType.CONNECT);

    partner.send(MessageType.CONNECTACK, windowsCONNECTACKOptions(), connect.message.xid);
    await partner.expectClosed();
    clock.advance((CONNECT_RETRY_SECONDS - 1) * 1000);
    await settle();
    const connectionsBefore = await connectionCount(listener.server);
    clock.advance(1000);
    const retry = await listener.accept(secondsOf(clock), CASE_SECRET);

    expect(partner.received.map((frame) => frame.message.type)).toEqual([MessageType.CONNECT]);
    expect(log.withEvent('auth.failed')[0]?.['code']).toBe('FO_ERR_DIGEST_MISMATCH');
    expect(connectionsBefore).toBe(0);
    expect((await retry.nextOfType(MessageType.CONNECT)).message.type).toBe(MessageType.CONNECT);
  });
});
