// BL-01: the payload-offset field. 8 means 12 (Windows), a value above 12 leaves header bytes to
// skip, and any other value below 12 or past the message end is a malformed message.

import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { findOption } from '../../src/peer/options.js';
import { MessageType, OptionCode, RejectReason, ServerState } from '../../src/wire/codes.js';
import { decodeMessage } from '../../src/wire/message.js';
import type { WireProfile } from '../../src/wire/types.js';
import { decodeErrorOf, hexBytes, secondaryInNormal, T0 } from './case-support.js';
import { windowsSecondaryInNormal } from './windows-support.js';

const STATE_POFF12 =
  '00 1e 0a 0c 65 53 f1 00 00 00 00 05 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_POFF8 =
  '00 1e 0a 08 65 53 f1 00 00 00 00 05 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_POFF16_EXTRA4 =
  '00 22 0a 10 65 53 f1 00 00 00 00 05 de ad be ef 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_POFF5 =
  '00 1e 0a 05 65 53 f1 00 00 00 00 05 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_POFF10 =
  '00 1e 0a 0a 65 53 f1 00 00 00 00 05 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';
const STATE_POFF48 =
  '00 1e 0a 30 65 53 f1 00 00 00 00 05 00 18 00 01 02 00 17 00 01 00 00 19 00 04 65 53 f1 00';

const PROFILES: WireProfile[] = ['isc', 'microsoft'];

describe('BL-01 payload-offset in the decoder', () => {
  it('BL-01: decodes the STATE with payload-offset 12 to NORMAL, xid 5, start time T0 (FO-6.1-i)', () => {
    const message = decodeMessage(hexBytes(STATE_POFF12), 'isc');

    expect(message.type).toBe(MessageType.STATE);
    expect(message.xid).toBe(5);
    expect(message.time).toBe(T0);
    expect(findOption(message, OptionCode.SERVER_STATE)).toBe(ServerState.NORMAL);
    expect(findOption(message, OptionCode.SERVER_FLAGS)).toBe(0);
    expect(findOption(message, OptionCode.START_TIME_OF_STATE)).toBe(T0);
  });

  it.each(PROFILES)(
    'BL-01: reads payload-offset 8 as 12 in the %s profile and decodes the same STATE (OBS-1)',
    (profile) => {
      const reference = decodeMessage(hexBytes(STATE_POFF12), profile);
      const windowsStyle = decodeMessage(hexBytes(STATE_POFF8), profile);

      // The field keeps the value received, so a Windows-style sender stays recognisable.
      expect(windowsStyle.payloadOffset).toBe(8);
      expect({ ...windowsStyle, payloadOffset: 12 }).toEqual(reference);
    },
  );

  it('BL-01: skips the 4 extra header bytes before payload-offset 16 without reading them (FO-6.1-i)', () => {
    const reference = decodeMessage(hexBytes(STATE_POFF12), 'isc');
    const extended = decodeMessage(hexBytes(STATE_POFF16_EXTRA4), 'isc');

    expect(extended.options).toEqual(reference.options);
    expect(extended.extraHeader).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
  });

  it.each([
    ['5', STATE_POFF5],
    ['10', STATE_POFF10],
    ['48', STATE_POFF48],
  ])(
    'BL-01: rejects payload-offset %s at offset 3 before reading any option (FO-6.1-i)',
    (_, hex) => {
      const error = decodeErrorOf(() => decodeMessage(hexBytes(hex), 'isc'));

      expect(error).toBeInstanceOf(DecodeError);
      expect(error.code).toBe('FO_ERR_PAYLOAD_OFFSET');
      expect(error.offset).toBe(3);
      expect(error.optionCode).toBeUndefined();
      expect(error.messageType).toBe(MessageType.STATE);
    },
  );

  it('BL-01: rejects exactly the payload-offsets inside the fixed header or past the end (FO-6.1-i, E-1)', () => {
    const bytes = hexBytes(STATE_POFF12);
    for (let payloadOffset = 0; payloadOffset <= 0xff; payloadOffset++) {
      bytes[3] = payloadOffset;
      const malformed = (payloadOffset < 12 && payloadOffset !== 8) || payloadOffset > bytes.length;
      let code: string | undefined;
      try {
        decodeMessage(bytes, 'isc');
      } catch (error) {
        code = error instanceof DecodeError ? error.code : 'not a DecodeError';
      }

      // An offset inside the options may cut them anywhere, so only the offset error is asserted.
      expect(code === 'FO_ERR_PAYLOAD_OFFSET', `payload-offset ${payloadOffset}`).toBe(malformed);
    }
  });
});

describe('BL-01 payload-offset on an established connection', () => {
  it.each([
    ['5', STATE_POFF5],
    ['10', STATE_POFF10],
    ['48', STATE_POFF48],
  ])(
    'BL-01: answers payload-offset %s with DISCONNECT 254 naming the field, closes and leaves NORMAL (FO-7.12-a)',
    async (_, hex) => {
      const { peer, partner, log } = await secondaryInNormal();
      const bindingsBefore = peer.store.countBindings();

      partner.sendBytes(hexBytes(hex));
      const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
      await partner.expectClosed();

      expect(findOption(disconnect, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
      expect(findOption(disconnect, OptionCode.MESSAGE)).toContain('payload-offset');
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(log.withEvent('state.change').at(-1)?.['trigger']).toBe('COMMUNICATIONS_FAILED');
      expect(peer.store.countBindings()).toBe(bindingsBefore);
    },
  );

  it.each([
    ['8', STATE_POFF8],
    ['16 with 4 extra header bytes', STATE_POFF16_EXTRA4],
  ])(
    'BL-01: acts on a STATE with payload-offset %s and stays connected (OBS-1)',
    async (_, hex) => {
      const { peer, partner, log } = await secondaryInNormal();

      partner.sendBytes(hexBytes(hex));
      // A STATE(RECOVER) afterwards moves NORMAL, so its arrival proves the first was read.
      partner.sendBytes(
        hexBytes(
          '00 1e 0a 0c 65 53 f1 00 00 00 00 06 00 18 00 01 06 00 17 00 01 00 00 19 00 04 65 53 f1 00',
        ),
      );
      const state = await partner.nextOfType(MessageType.STATE);

      expect(findOption(state, OptionCode.SERVER_STATE)).toBe(
        ServerState['COMMUNICATIONS-INTERRUPTED'],
      );
      expect(log.withEvent('message.rejected')).toEqual([]);
      expect(log.withEvent('message.received').filter((line) => line['xid'] === 5)).toHaveLength(1);
      expect(partner.isClosed).toBe(false);
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    },
  );

  it('BL-01: sends payload-offset 12 and a correct length in every message to an ISC partner (FO-6.1-b)', async () => {
    const { partner } = await secondaryInNormal();

    partner.sendBytes(hexBytes(STATE_POFF5));
    await partner.expectClosed();

    expect(partner.received.length).toBeGreaterThan(2);
    for (const message of partner.received) {
      expect(message.payloadOffset).toBe(12);
      expect(message.extraHeader).toHaveLength(0);
    }
  });
});

describe('BL-01 payload-offset on an established Windows connection', () => {
  it.each([
    ['5', STATE_POFF5],
    ['10', STATE_POFF10],
    ['48', STATE_POFF48],
  ])(
    'BL-01: answers payload-offset %s from a Windows partner with DISCONNECT 254, closes and leaves NORMAL (FO-7.12-a)',
    async (_, hex) => {
      const { peer, partner, log } = await windowsSecondaryInNormal({ secret: undefined });
      const bindingsBefore = peer.store.countBindings();

      partner.socket.write(hexBytes(hex));
      const disconnect = await partner.nextOfType(MessageType.DISCONNECT);
      await partner.expectClosed();

      // The DISCONNECT is harmless to a Windows partner, which drops it (MSF-3.1.5.8-a), and it
      // shows a reader of a capture why the connection ended.
      expect(findOption(disconnect.message, OptionCode.REJECT_REASON)).toBe(RejectReason.UNKNOWN);
      expect(findOption(disconnect.message, OptionCode.MESSAGE)).toContain('payload-offset');
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
      expect(log.withEvent('state.change').at(-1)?.['trigger']).toBe('COMMUNICATIONS_FAILED');
      expect(peer.store.countBindings()).toBe(bindingsBefore);
    },
  );

  it.each([
    ['8', STATE_POFF8],
    ['16 with 4 extra header bytes', STATE_POFF16_EXTRA4],
  ])(
    'BL-01: acts on a STATE with payload-offset %s from a Windows partner and stays connected (OBS-1)',
    async (_, hex) => {
      const { peer, partner, log } = await windowsSecondaryInNormal({ secret: undefined });

      partner.socket.write(hexBytes(hex));
      // A STATE(RECOVER) afterwards moves NORMAL, so its arrival proves the first was read.
      partner.socket.write(
        hexBytes(
          '00 1e 0a 08 65 53 f1 00 00 00 00 06 00 18 00 01 06 00 17 00 01 00 00 19 00 04 65 53 f1 00',
        ),
      );
      const state = await partner.nextOfType(MessageType.STATE);

      expect(findOption(state.message, OptionCode.SERVER_STATE)).toBe(
        ServerState['COMMUNICATIONS-INTERRUPTED'],
      );
      expect(log.withEvent('message.rejected')).toEqual([]);
      expect(log.withEvent('message.received').filter((line) => line['xid'] === 5)).toHaveLength(1);
      expect(partner.isClosed).toBe(false);
      expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    },
  );

  it('BL-01: sends payload-offset 8 and no extra header bytes in every message to a Windows partner (OBS-1)', async () => {
    const { partner } = await windowsSecondaryInNormal({ secret: undefined });

    partner.socket.write(hexBytes(STATE_POFF5));
    await partner.expectClosed();

    expect(partner.received.length).toBeGreaterThan(2);
    for (const frame of partner.received) {
      expect(frame.bytes[3]).toBe(8);
      expect(frame.message.extraHeader).toHaveLength(0);
    }
  });
});
