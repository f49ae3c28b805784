import { describe, expect, it } from 'vitest';
import {
  buildAcceptingCONNECTACKOptions,
  buildRejectingCONNECTACKOptions,
  checkCONNECT,
  checkCONNECTACK,
} from '../../src/peer/connect-messages.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { findOption, option } from '../../src/peer/options.js';
import { MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { encodeMessage } from '../../src/wire/message.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import { connectackOptions, connectOptions, RELATIONSHIP } from './peer-fixtures.js';

const T0 = 1_700_000_000;
const limits = { relationshipName: RELATIONSHIP, maxClockSkew: 60 };
const local = {
  relationshipName: RELATIONSHIP,
  maxUnackedUpdates: 10,
  receiveTimer: 30,
  vendorClassIdentifier: 'dhcpf-test',
};

function message(type: number, options: FailoverOption[], time = T0): FailoverMessage {
  return { type, payloadOffset: 12, time, xid: 0x10, extraHeader: new Uint8Array(0), options };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('hashBucketAssignmentForSplit', () => {
  it('sets buckets 0-127 for split 128 (ISC-6)', () => {
    expect(hex(hashBucketAssignmentForSplit(128))).toBe('ff'.repeat(16) + '00'.repeat(16));
  });

  it('BL-18: sets buckets 0-99 for split 100, bucket b at byte b >> 3 bit b & 7', () => {
    expect(hex(hashBucketAssignmentForSplit(100))).toBe('ff'.repeat(12) + '0f' + '00'.repeat(19));
  });

  it('BL-18: leaves bucket 255 to the secondary for split 255', () => {
    expect(hex(hashBucketAssignmentForSplit(255))).toBe('ff'.repeat(31) + '7f');
  });

  it('gives every bucket to the secondary for split 0', () => {
    expect(hex(hashBucketAssignmentForSplit(0))).toBe('00'.repeat(32));
  });
});

describe('checkCONNECT', () => {
  it('accepts an ISC CONNECT and reads the partner parameters (FO-7.8.2-h)', () => {
    const result = checkCONNECT(message(MessageType.CONNECT, connectOptions(), T0 + 5), T0, limits);

    expect(result.accepted).toBe(true);
    if (result.accepted) {
      expect(result.partner.maxUnackedUpdates).toBe(10);
      expect(result.partner.receiveTimer).toBe(30);
      expect(result.partner.mclt).toBe(600);
      expect(result.partner.clockDelta).toBe(5);
      expect(result.partner.hashBucketAssignment).toHaveLength(32);
      expect(result.tlsRequested).toBe(true);
    }
  });

  const cases: [string, FailoverOption[], number, number][] = [
    ['a missing protocol-version', connectOptions({ [OptionCode.PROTOCOL_VERSION]: null }), T0, 14],
    [
      'a message-digest',
      [...connectOptions(), { code: OptionCode.MESSAGE_DIGEST, raw: new Uint8Array(17) }],
      T0,
      12,
    ],
    [
      'a missing relationship-name',
      connectOptions({ [OptionCode.RELATIONSHIP_NAME]: null }),
      T0,
      8,
    ],
    ['a time 61 s behind', connectOptions(), T0 - 61, 4],
    ['MCLT 0', connectOptions({ [OptionCode.MCLT]: option(OptionCode.MCLT, 0) }), T0, 5],
    [
      'max-unacked-bndupd 0',
      connectOptions({ [OptionCode.MAX_UNACKED_BNDUPD]: option(OptionCode.MAX_UNACKED_BNDUPD, 0) }),
      T0,
      6,
    ],
  ];

  it.each(cases)('rejects %s', (_, options, time, reason) => {
    const result = checkCONNECT(message(MessageType.CONNECT, options, time), T0, limits);

    expect(result.accepted).toBe(false);
    if (!result.accepted) {
      expect(result.rejectReason).toBe(reason);
      expect(result.rule).toMatch(/^FO-/);
    }
  });
});

describe('CONNECTACK options', () => {
  it('sends our name, not the CONNECT name, and TLS-reply 0 in a rejection (FO-7.9.1-b)', () => {
    const connect = message(
      MessageType.CONNECT,
      connectOptions({
        [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, 'fo-test2'),
      }),
    );

    const options = buildRejectingCONNECTACKOptions(
      local,
      connect,
      8,
      'unknown failover relationship name',
    );

    expect(options.map((item) => item.code)).toEqual([22, 20, 26, 21, 16]);
    expect(findOption(message(MessageType.CONNECTACK, options), OptionCode.RELATIONSHIP_NAME)).toBe(
      RELATIONSHIP,
    );
  });

  it('keeps a rejection the same length whatever name the CONNECT carries (FO-6.1-c)', () => {
    const encodedLengthFor = (name: string): number => {
      const connect = message(
        MessageType.CONNECT,
        connectOptions({
          [OptionCode.RELATIONSHIP_NAME]: option(OptionCode.RELATIONSHIP_NAME, name),
        }),
      );
      const options = buildRejectingCONNECTACKOptions(local, connect, 8, 'unknown name');
      return encodeMessage(message(MessageType.CONNECTACK, options), 'isc').length;
    };

    expect(encodedLengthFor('x'.repeat(2027))).toBe(encodedLengthFor('fo-test2'));
  });

  it('leaves TLS-reply out when the CONNECT had no TLS-request (FO-7.9.1-c)', () => {
    const connect = message(
      MessageType.CONNECT,
      connectOptions({ [OptionCode.TLS_REQUEST]: null }),
    );

    const options = buildAcceptingCONNECTACKOptions(local, connect);

    expect(options.map((item) => item.code)).toEqual([22, 14, 19, 28, 20]);
  });
});

describe('checkCONNECTACK', () => {
  it('accepts an ISC CONNECTACK and records the clock delta (FO-7.9.2-f)', () => {
    const result = checkCONNECTACK(
      message(MessageType.CONNECTACK, connectackOptions(), T0 - 20),
      T0,
      60,
    );

    expect(result.accepted).toBe(true);
    if (result.accepted) {
      expect(result.partner.clockDelta).toBe(-20);
    }
  });

  it('passes the partner reject-reason and message on (FO-7.9.2-c)', () => {
    const options = [
      option(OptionCode.RELATIONSHIP_NAME, RELATIONSHIP),
      option(OptionCode.REJECT_REASON, RejectReason.INVALID_MCLT),
      option(OptionCode.MESSAGE, 'invalid MCLT'),
    ];

    const result = checkCONNECTACK(message(MessageType.CONNECTACK, options), T0, 60);

    expect(result).toMatchObject({
      accepted: false,
      rejectReason: 5,
      message: 'invalid MCLT',
      rule: 'FO-7.9.2-c',
    });
  });

  it('rejects TLS-reply 1 because no TLS was requested (FO-7.9.2-d)', () => {
    const options = [
      ...connectackOptions().filter((item) => item.code !== OptionCode.TLS_REPLY),
      option(OptionCode.TLS_REPLY, 1),
    ];

    const result = checkCONNECTACK(message(MessageType.CONNECTACK, options), T0, 60);

    expect(result.accepted).toBe(false);
  });
});
