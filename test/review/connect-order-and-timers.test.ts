import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startPeer, type Peer } from '../../src/endpoint/peer.js';
import { findOption, option } from '../../src/peer/options.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import type { FailoverOption } from '../../src/wire/types.js';
import { RawPartner } from '../peer/raw-partner.js';
import {
  connectOptions,
  RELATIONSHIP,
  startTestPeer,
  stateOptions,
  temporaryDirectory,
  testConfig,
} from '../peer/peer-fixtures.js';
import {
  connectFromPartner,
  establishedSecondary,
  PARTNER_ADDRESS,
  settle,
  withoutWarnings,
} from './review-fixtures.js';

const O = OptionCode;
/** A message-digest option of type 1 (HMAC-MD5) with 16 zero bytes. */
const DIGEST = option(O.MESSAGE_DIGEST, { digestType: 1, digest: new Uint8Array(16) });

/** Encodes a CONNECT and appends raw option bytes the codec refuses to build, fixing its length. */
function connectFrame(time: number, options: FailoverOption[], rawTail: number[]): Uint8Array {
  const base = encodeMessage(
    {
      type: MessageType.CONNECT,
      payloadOffset: 12,
      time,
      xid: 0,
      extraHeader: new Uint8Array(0),
      options,
    },
    'isc',
  );
  const frame = new Uint8Array([...base, ...rawTail]);
  new DataView(frame.buffer).setUint16(0, frame.length);
  return frame;
}

/** A hash-bucket-assignment (11) of 31 bytes, one short of the 32 the codec requires. */
const SHORT_HBA = [0, 11, 0, 31, ...new Array<number>(31).fill(0xff)];

/** The manual clock's start, 2026-01-01, which the secondary's clock still shows on arrival. */
const START = Date.UTC(2026, 0, 1) / 1000;

/** Sends `frame` to a new secondary as the first message and returns the CONNECTACK's reason. */
async function answerTo(frame: Uint8Array): Promise<number | undefined> {
  const storePath = join(temporaryDirectory(), 'secondary.db');
  const started = await startTestPeer(
    testConfig('secondary', storePath, { peer: { address: PARTNER_ADDRESS, port: 1 } }),
  );
  const partner = await connectFromPartner(started);
  partner.sendBytes(frame);
  const connectack = await partner.nextOfType(MessageType.CONNECTACK);
  partner.close();
  return findOption(connectack, O.REJECT_REASON);
}

describe('CONNECT checks in the order of FO-7.8.2', () => {
  const replaced = (replace: Parameters<typeof connectOptions>[0]): FailoverOption[] =>
    connectOptions(replace);

  it.each([
    [
      'protocol-version 2 before TLS-request 2',
      connectFrame(
        START,
        replaced({
          [O.PROTOCOL_VERSION]: option(O.PROTOCOL_VERSION, 2),
          [O.TLS_REQUEST]: option(O.TLS_REQUEST, 2),
        }),
        [],
      ),
      RejectReason.PROTOCOL_VERSION_MISMATCH,
    ],
    [
      'TLS-request 2 before message-digest',
      connectFrame(START, [DIGEST, ...replaced({ [O.TLS_REQUEST]: option(O.TLS_REQUEST, 2) })], []),
      RejectReason.TLS_NOT_SUPPORTED,
    ],
    [
      'message-digest before relationship-name',
      connectFrame(
        START,
        [DIGEST, ...replaced({ [O.RELATIONSHIP_NAME]: option(O.RELATIONSHIP_NAME, 'other') })],
        [],
      ),
      RejectReason.MESSAGE_DIGEST_NOT_SUPPORTED,
    ],
    [
      'relationship-name before the clock',
      connectFrame(
        START + 61,
        replaced({ [O.RELATIONSHIP_NAME]: option(O.RELATIONSHIP_NAME, 'other') }),
        [],
      ),
      RejectReason.INVALID_FAILOVER_PARTNER,
    ],
    [
      'the clock before MCLT',
      connectFrame(START + 61, replaced({ [O.MCLT]: option(O.MCLT, 0) }), []),
      RejectReason.TIME_MISMATCH_TOO_GREAT,
    ],
    [
      'MCLT before hash-bucket-assignment',
      connectFrame(
        START,
        replaced({ [O.MCLT]: option(O.MCLT, 0), [O.HASH_BUCKET_ASSIGNMENT]: null }),
        [],
      ),
      RejectReason.INVALID_MCLT,
    ],
  ])('checks %s (FO-7.8.2-c..i)', async (_, frame, expected) => {
    expect(await answerTo(frame)).toBe(expected);
  });

  // A hash-bucket-assignment of the wrong length fails to decode, so the CONNECT is decoded again
  // with that option kept raw, and the earlier steps run before the one that rejects with 18.
  it('rejects protocol-version 2 with reason 14 despite a 31-byte hash-bucket-assignment (FO-7.8.2-c, FO-7.8.2-i)', async () => {
    const options = replaced({
      [O.PROTOCOL_VERSION]: option(O.PROTOCOL_VERSION, 2),
      [O.HASH_BUCKET_ASSIGNMENT]: null,
    });

    expect(await answerTo(connectFrame(START, options, SHORT_HBA))).toBe(
      RejectReason.PROTOCOL_VERSION_MISMATCH,
    );
  });

  it('rejects an unknown relationship-name with reason 8 despite a 31-byte hash-bucket-assignment (FO-7.8.2-f, FO-7.8.2-i)', async () => {
    const options = replaced({
      [O.RELATIONSHIP_NAME]: option(O.RELATIONSHIP_NAME, 'other'),
      [O.HASH_BUCKET_ASSIGNMENT]: null,
    });

    expect(await answerTo(connectFrame(START, options, SHORT_HBA))).toBe(
      RejectReason.INVALID_FAILOVER_PARTNER,
    );
  });
});

/** Seconds since 1970 on the system clock, which these peers run on. */
function systemSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Starts a secondary on the system clock; `body` runs with the peer stopped afterwards. */
async function withSystemClockSecondary(
  storePath: string,
  overrides: Record<string, unknown>,
  body: (peer: Peer, partner: RawPartner) => Promise<void>,
): Promise<void> {
  await withoutWarnings(async () => {
    const peer = await startPeer(
      testConfig('secondary', storePath, {
        peer: { address: PARTNER_ADDRESS, port: 1 },
        startupSeconds: 3600,
        ...overrides,
      }),
    );
    const partner = await RawPartner.connect(
      peer.listeningPort ?? 0,
      systemSeconds,
      PARTNER_ADDRESS,
    );
    try {
      await body(peer, partner);
    } finally {
      partner.close();
      await peer.stop();
    }
  });
}

describe('timers longer than 2^31 - 1 ms on the system clock', () => {
  // tSend is a third of the partner's receive-timer. Node runs a setTimeout longer than
  // 2^31 - 1 ms after 1 ms instead, so the system clock chains shorter steps.
  it('sends no CONTACT burst when the partner advertises receive-timer 0xffffffff (FO-7.9.1-h)', async () => {
    const storePath = join(temporaryDirectory(), 'secondary.db');
    await withSystemClockSecondary(storePath, {}, async (_, partner) => {
      const receiveTimer = option(O.RECEIVE_TIMER, 0xffff_ffff);
      partner.send(MessageType.CONNECT, connectOptions({ [O.RECEIVE_TIMER]: receiveTimer }), 0);
      await partner.nextOfType(MessageType.CONNECTACK);
      await settle(200);
      const contacts = partner.received.filter((message) => message.type === MessageType.CONTACT);

      expect(contacts).toEqual([]);
    });
  });

  it('keeps the connection when its own receiveTimer exceeds 24.8 days (FO-7.9.1-g)', async () => {
    const storePath = join(temporaryDirectory(), 'secondary.db');
    await withSystemClockSecondary(storePath, { receiveTimer: 3_000_000 }, async (_, partner) => {
      partner.send(MessageType.CONNECT, connectOptions(), 0);
      await partner.nextOfType(MessageType.CONNECTACK);
      await settle(200);

      expect(partner.received.some((message) => message.type === MessageType.DISCONNECT)).toBe(
        false,
      );
      expect(partner.isClosed).toBe(false);
    });
  });

  // The RECOVER-WAIT timer runs for (failure time + MCLT) - now. With an MCLT of 25.5 days that is
  // beyond 2^31 - 1 ms, which a single setTimeout would run after 1 ms.
  it('stays in RECOVER-WAIT when the adopted MCLT exceeds 24.8 days (FO-9.6.2-a)', async () => {
    const storePath = join(temporaryDirectory(), 'secondary.db');
    const seed = openLeaseStore(storePath);
    seed.writeEndpoint({
      relationship: RELATIONSHIP,
      state: 'RECOVER',
      startTimeOfState: systemSeconds() - 100,
      lastOperatingTime: systemSeconds() - 60,
      hasSyncedBefore: true,
    });
    seed.close();
    await withSystemClockSecondary(storePath, {}, async (peer, partner) => {
      const mclt = option(O.MCLT, 2_200_000);
      partner.send(MessageType.CONNECT, connectOptions({ [O.MCLT]: mclt }), 0);
      await partner.nextOfType(MessageType.CONNECTACK);
      partner.send(MessageType.STATE, stateOptions('NORMAL', false, systemSeconds() - 1000), 1);
      const updreq = await partner.nextOfType(MessageType.UPDREQ);
      partner.send(MessageType.UPDDONE, [], updreq.xid);
      await settle(200);

      expect(peer.state).toBe('RECOVER-WAIT');
    });
  });
});

describe('the established secondary used by the review tests', () => {
  it('answers its partner from 127.0.0.2 with CONNECTACK and STATE (FO-7.9.1-f)', async () => {
    const { partner } = await establishedSecondary();

    expect(partner.received.map((message) => message.type)).toEqual([
      MessageType.CONNECTACK,
      MessageType.STATE,
    ]);
    partner.close();
  });
});
