import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import type { FailoverMessage, WireProfile } from '../../src/wire/types.js';
import { ISC_BNDUPD_BYTES, ISC_BNDUPD_MESSAGE } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_BYTES, ISC_CONNECT_MESSAGE } from '../fixtures/wire/isc-connect.js';
import { ISC_STATE_BYTES, ISC_STATE_MESSAGE } from '../fixtures/wire/isc-state.js';
import {
  MS_BNDUPD_BYTES,
  MS_BNDUPD_MESSAGE,
  MS_CONNECT_BYTES,
  MS_CONNECT_MESSAGE,
  MS_UPDREQ_BYTES,
  MS_UPDREQ_MESSAGE,
} from '../fixtures/wire/microsoft.js';

interface Fixture {
  name: string;
  profile: WireProfile;
  bytes: Uint8Array;
  message: FailoverMessage;
}

const fixtures: Fixture[] = [
  { name: 'ISC CONNECT', profile: 'isc', bytes: ISC_CONNECT_BYTES, message: ISC_CONNECT_MESSAGE },
  { name: 'ISC STATE', profile: 'isc', bytes: ISC_STATE_BYTES, message: ISC_STATE_MESSAGE },
  { name: 'ISC BNDUPD', profile: 'isc', bytes: ISC_BNDUPD_BYTES, message: ISC_BNDUPD_MESSAGE },
  {
    name: 'Windows UPDREQ',
    profile: 'microsoft',
    bytes: MS_UPDREQ_BYTES,
    message: MS_UPDREQ_MESSAGE,
  },
  {
    name: 'Windows CONNECT',
    profile: 'microsoft',
    bytes: MS_CONNECT_BYTES,
    message: MS_CONNECT_MESSAGE,
  },
  {
    name: 'Windows BNDUPD',
    profile: 'microsoft',
    bytes: MS_BNDUPD_BYTES,
    message: MS_BNDUPD_MESSAGE,
  },
];

describe.each(fixtures)('$name fixture', ({ profile, bytes, message }) => {
  it('has a length field equal to its byte count', () => {
    expect((bytes[0]! << 8) | bytes[1]!).toBe(bytes.length);
  });

  it('decodes to the expected message', () => {
    expect(decodeMessage(bytes, profile)).toEqual(message);
  });

  it('encodes to the expected bytes', () => {
    expect(encodeMessage(message, profile)).toEqual(bytes);
  });

  it('decodes its own encoding to the same message', () => {
    expect(decodeMessage(encodeMessage(message, profile), profile)).toEqual(message);
  });
});

describe('worked examples', () => {
  it('encodes the ISC CONNECT in 104 bytes and the STATE in 30 (ISC-3, ISC-4)', () => {
    expect(encodeMessage(ISC_CONNECT_MESSAGE, 'isc')).toHaveLength(104);
    expect(encodeMessage(ISC_STATE_MESSAGE, 'isc')).toHaveLength(30);
  });

  it('reads the Windows payload-offset 8 as options at byte 12 (E-1)', () => {
    const message = decodeMessage(MS_UPDREQ_BYTES, 'microsoft');

    expect(message.payloadOffset).toBe(8);
    expect(message.extraHeader).toHaveLength(0);
    expect(message.options).toHaveLength(1);
  });

  it('writes payload-offset 12 for isc and 8 for microsoft (E-1)', () => {
    expect(encodeMessage(ISC_STATE_MESSAGE, 'isc')[3]).toBe(12);
    expect(encodeMessage({ ...ISC_STATE_MESSAGE, payloadOffset: 8 }, 'microsoft')[3]).toBe(8);
  });

  it('keeps options 30-41 raw in the isc profile and re-encodes them byte for byte (AMB-21)', () => {
    const message = decodeMessage(MS_UPDREQ_BYTES, 'isc');

    expect(message.options).toEqual([{ code: 30, raw: MS_UPDREQ_BYTES.slice(16) }]);
    expect(encodeMessage(message, 'isc').subarray(4)).toEqual(MS_UPDREQ_BYTES.subarray(4));
  });
});
