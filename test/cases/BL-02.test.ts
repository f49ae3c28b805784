// BL-02: malformed messages (bad message-length, option overrun, wrong fixed option size,
// repeated option) are rejected whole: no copy of any option is acted on, and the connection ends.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { findOption, option } from '../../src/peer/options.js';
import { nowSeconds } from '../../src/peer/timers.js';
import { BindingStatus, MessageType, OptionCode, RejectReason } from '../../src/wire/codes.js';
import { FramingError, MessageFramer } from '../../src/wire/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { FailoverOption, WireProfile } from '../../src/wire/types.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';
import { caseMac, decodeErrorOf, hexBytes, secondaryInNormal } from './case-support.js';

const OPTION_OVERRUN = '00 11 0a 0c 65 53 f1 00 00 00 00 09 00 18 00 10 02';
const LENGTH_8_HEADER = '00 08 0a 0c 65 53 f1 00 00 00 00 05';
const LENGTH_2304_HEADER = '09 00 03 0c 65 53 f1 00 00 00 00 0a';
const STATE_DUPLICATE_SERVER_STATE =
  '00 23 0a 0c 65 53 f1 00 00 00 00 08 00 18 00 01 02 00 18 00 01 04 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_SERVER_STATE_LENGTH_2 =
  '00 1f 0a 0c 65 53 f1 00 00 00 00 0b 00 18 00 02 02 00 00 17 00 01 00 00 19 00 04 65 53 f1 00';

/** Decodes a vector as the receiving peer does, with repeated options malformed (FO-6.2-c). */
function decodeReceived(hex: string, profile: WireProfile = 'isc'): DecodeError {
  return decodeErrorOf(() =>
    decodeMessage(hexBytes(hex), profile, { rejectRepeatedOptions: true }),
  );
}

describe('BL-02 malformed messages in the decoder', () => {
  it('BL-02: rejects server-state claiming 16 bytes with 1 present as an overrun at offset 12 (FO-6.1-c)', () => {
    const error = decodeReceived(OPTION_OVERRUN);

    expect(error.code).toBe('FO_ERR_OPTION_OVERRUN');
    expect(error.offset).toBe(12);
    expect(error.optionCode).toBe(OptionCode.SERVER_STATE);
  });

  it('BL-02: rejects message-length 8 at offset 0 (FO-6.1-c)', () => {
    const error = decodeReceived(LENGTH_8_HEADER);

    expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(error.offset).toBe(0);
    expect(error.optionCode).toBeUndefined();
  });

  it('BL-02: stops the stream at message-length 8 and does not resynchronise it (FO-6.1-c)', () => {
    const framer = new MessageFramer();
    const bytes = hexBytes(LENGTH_8_HEADER);

    const first = decodeErrorOf(() => framer.push(bytes.subarray(0, 2)));
    const later = decodeErrorOf(() => framer.push(hexBytes(OPTION_OVERRUN)));

    expect(first).toBeInstanceOf(FramingError);
    expect(first.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(first.offset).toBe(0);
    expect(later.code).toBe('FO_ERR_MESSAGE_LENGTH');
  });

  it('BL-02: rejects message-length 2304 as soon as its two bytes arrive (FO-6.1-c)', () => {
    const framer = new MessageFramer();

    const error = decodeErrorOf(() => framer.push(hexBytes(LENGTH_2304_HEADER).subarray(0, 2)));

    expect(error).toBeInstanceOf(FramingError);
    expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
    expect(error.offset).toBe(0);
    expect(framer.bufferedLength).toBe(0);
  });

  it.each([0, 1, 8, 11, 2049, 2304, 0xffff])(
    'BL-02: stops the stream at message-length %i after its two bytes (FO-6.1-c)',
    (length) => {
      const framer = new MessageFramer();

      const error = decodeErrorOf(() => framer.push(Uint8Array.of(length >> 8, length & 0xff)));

      expect(error.code).toBe('FO_ERR_MESSAGE_LENGTH');
      expect(error.offset).toBe(0);
    },
  );

  it('BL-02: rejects the second server-state at offset 17 on receipt (FO-6.2-c)', () => {
    const error = decodeReceived(STATE_DUPLICATE_SERVER_STATE);

    expect(error.code).toBe('FO_ERR_REPEATED_OPTION');
    expect(error.offset).toBe(17);
    expect(error.optionCode).toBe(OptionCode.SERVER_STATE);
    expect(error.rule).toBe('FO-6.2-c');
  });

  it('BL-02: rejects server-state of length 2 at offset 12 (FO-6.1-c)', () => {
    const error = decodeReceived(STATE_SERVER_STATE_LENGTH_2);

    expect(error.code).toBe('FO_ERR_OPTION_LENGTH');
    expect(error.offset).toBe(12);
    expect(error.optionCode).toBe(OptionCode.SERVER_STATE);
  });
});

/** Encodes a message with `options`, repeats included, as a faulty partner might send it. */
function messageBytes(type: number, options: FailoverOption[]): Uint8Array {
  return encodeMessage(
    { type, payloadOffset: 12, time: 0, xid: 1, extraHeader: new Uint8Array(0), options },
    'isc',
  );
}

/** Returns the bytes of one option with `length` value bytes of 0x01. */
function rawOptionBytes(code: number, length: number): number[] {
  return [code >> 8, code & 0xff, length >> 8, length & 0xff, ...new Array<number>(length).fill(1)];
}

function withOptionArea(type: number, area: number[]): Uint8Array {
  const length = 12 + area.length;
  return Uint8Array.from([length >> 8, length & 0xff, type, 12, 0, 0, 0, 0, 0, 0, 0, 1, ...area]);
}

interface SpecOption {
  code: number;
  name: string;
  length: { fixed?: number; min?: number; isc?: number; windows?: number };
}

function specOptions(): SpecOption[] {
  const tables = JSON.parse(readFileSync(sharedPath('spec', 'wire-tables.json'), 'utf8')) as {
    options: SpecOption[];
  };
  return tables.options;
}

/** Codes the profile decodes: 1-29 always, 30-41 only from a Windows partner (AMB-21). */
function decodedIn(profile: WireProfile, code: number): boolean {
  return code <= 29 || profile === 'microsoft';
}

describe('BL-02 every option length and every repeat', () => {
  it.skipIf(!sharedAvailable).each(['isc', 'microsoft'] as const)(
    'BL-02: rejects each fixed-size option of the spec table at a wrong length in the %s profile (FO-6.1-c)',
    (profile) => {
      const fixed = specOptions().flatMap((spec) => {
        const length =
          spec.length.fixed ?? (profile === 'isc' ? spec.length.isc : spec.length.windows);
        return length !== undefined && decodedIn(profile, spec.code) ? [{ spec, length }] : [];
      });
      expect(fixed.length).toBeGreaterThanOrEqual(19);

      for (const { spec, length } of fixed) {
        for (const wrong of [length - 1, length + 1].filter((value) => value >= 0)) {
          const error = decodeErrorOf(() =>
            decodeMessage(withOptionArea(3, rawOptionBytes(spec.code, wrong)), profile),
          );

          expect(error.code, `${spec.name} length ${wrong}`).toBe('FO_ERR_OPTION_LENGTH');
          expect(error.optionCode).toBe(spec.code);
          expect(error.offset).toBe(12);
        }
      }
    },
  );

  it.skipIf(!sharedAvailable)(
    'BL-02: rejects each option of the spec table below its minimum length (FO-6.1-c)',
    () => {
      const minimums = specOptions().filter((spec) => spec.length.min !== undefined);
      expect(minimums.map((spec) => spec.code)).toEqual([7, 8, 9]);

      for (const spec of minimums) {
        const error = decodeErrorOf(() =>
          decodeMessage(
            withOptionArea(3, rawOptionBytes(spec.code, (spec.length.min ?? 0) - 1)),
            'isc',
          ),
        );

        expect(error.code, spec.name).toBe('FO_ERR_OPTION_LENGTH');
        expect(error.optionCode).toBe(spec.code);
      }
    },
  );

  it.each([
    MessageType.POOLREQ,
    MessageType.POOLRESP,
    MessageType.CONNECT,
    MessageType.CONNECTACK,
    MessageType.UPDREQALL,
    MessageType.UPDDONE,
    MessageType.UPDREQ,
    MessageType.STATE,
    MessageType.CONTACT,
    MessageType.DISCONNECT,
  ])('BL-02: rejects a repeated option in message type %i on receipt (FO-6.2-c)', (type) => {
    const bytes = messageBytes(type, [
      option(OptionCode.MESSAGE, 'first'),
      option(OptionCode.REJECT_REASON, 1),
      option(OptionCode.MESSAGE, 'second'),
    ]);

    const error = decodeErrorOf(() => decodeMessage(bytes, 'isc', { rejectRepeatedOptions: true }));

    expect(error.code).toBe('FO_ERR_REPEATED_OPTION');
    expect(error.optionCode).toBe(OptionCode.MESSAGE);
    expect(error.offset).toBe(12 + 9 + 5);
  });

  it('BL-02: allows each option once per transaction of a batched BNDUPD (FO-6.2-c)', () => {
    const bytes = messageBytes(MessageType.BNDUPD, [
      option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.30'),
      option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
      option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.31'),
      option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
    ]);

    const message = decodeMessage(bytes, 'isc', { rejectRepeatedOptions: true });

    expect(message.options).toHaveLength(4);
  });

  it.each([MessageType.BNDUPD, MessageType.BNDACK])(
    'BL-02: rejects an option repeated inside one transaction of message type %i (FO-6.2-c)',
    (type) => {
      const bytes = messageBytes(type, [
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.30'),
        option(OptionCode.REJECT_REASON, 1),
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.31'),
        option(OptionCode.REJECT_REASON, 1),
        option(OptionCode.REJECT_REASON, 2),
      ]);

      const error = decodeErrorOf(() =>
        decodeMessage(bytes, 'isc', { rejectRepeatedOptions: true }),
      );

      expect(error.code).toBe('FO_ERR_REPEATED_OPTION');
      expect(error.optionCode).toBe(OptionCode.REJECT_REASON);
      expect(error.offset).toBe(12 + 8 + 5 + 8 + 5);
    },
  );
});

describe('BL-02 malformed messages on an established connection', () => {
  it.each([
    ['an option overrun', OPTION_OVERRUN],
    ['message-length 8', LENGTH_8_HEADER],
    ['message-length 2304', LENGTH_2304_HEADER],
    ['a repeated server-state', STATE_DUPLICATE_SERVER_STATE],
    ['server-state of length 2', STATE_SERVER_STATE_LENGTH_2],
  ])(
    'BL-02: answers %s with DISCONNECT 254, closes and acts on no option (FO-7.12-a)',
    async (_, hex) => {
      const { peer, partner, log } = await secondaryInNormal();
      const bindingsBefore = peer.store.countBindings();

      partner.sendBytes(hexBytes(hex));
      const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
      await partner.expectClosed();
      const changes = log.withEvent('state.change');

      expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      // NORMAL to COMMUNICATIONS-INTERRUPTED is the only change since NORMAL: the repeated
      // server-state carried NORMAL then PARTNER-DOWN, and neither copy moved the state.
      expect(changes.at(-2)?.['to']).toBe('NORMAL');
      expect(changes.at(-1)?.['trigger']).toBe('COMMUNICATIONS_FAILED');
      expect(peer.store.countBindings()).toBe(bindingsBefore);
    },
  );

  it('BL-02: closes on a BNDUPD with binding-status twice in one transaction and stores nothing (FO-6.2-c)', async () => {
    const { peer, partner, clock } = await secondaryInNormal();
    const now = nowSeconds(clock);
    const valid: FailoverOption[] = [
      option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.30'),
      option(OptionCode.BINDING_STATUS, BindingStatus.ACTIVE),
      option(OptionCode.CLIENT_HARDWARE_ADDRESS, { htype: 1, chaddr: caseMac(0x30) }),
      option(OptionCode.LEASE_EXPIRATION_TIME, now + 3600),
      option(OptionCode.POTENTIAL_EXPIRATION_TIME, now + 5400),
      option(OptionCode.CLIENT_LAST_TRANSACTION_TIME, now),
    ];

    partner.sendBytes(
      messageBytes(MessageType.BNDUPD, [
        ...valid,
        option(OptionCode.ASSIGNED_IP_ADDRESS, '192.0.2.31'),
        option(OptionCode.BINDING_STATUS, BindingStatus.FREE),
        option(OptionCode.BINDING_STATUS, BindingStatus.BACKUP),
      ]),
    );
    await partner.expectClosed();

    expect(partner.received.some((message) => message.type === MessageType.BNDACK)).toBe(false);
    expect(peer.store.getBinding('192.0.2.30')).toBeUndefined();
    expect(peer.store.getBinding('192.0.2.31')).toBeUndefined();
  });
});
