import { describe, expect, it } from 'vitest';
import { FailoverError } from '../../src/errors.js';
import { bindingAckOptions, bindingAcksOf } from '../../src/wire/binding-ack.js';
import { bindingUpdatesOf, encodeBindingUpdate } from '../../src/wire/binding-update.js';
import { checkMessage } from '../../src/wire/check-message.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { buildMessage, hasOption, optionValue } from '../../src/wire/message-builder.js';
import { option } from '../../src/wire/options.js';
import type { BindingUpdate, FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import { ISC_BNDUPD_MESSAGE } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_MESSAGE } from '../fixtures/wire/isc-connect.js';
import { MS_BNDUPD_MESSAGE, MS_UPDREQ_BYTES } from '../fixtures/wire/microsoft.js';

const ACTIVE: BindingUpdate = {
  address: '10.77.1.7',
  bindingStatus: 2,
  clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 7) },
  leaseExpirationTime: 1000,
  potentialExpirationTime: 2000,
  startTimeOfState: 500,
  clientLastTransactionTime: 500,
  otherOptions: [],
};

function bndupd(options: FailoverOption[]): FailoverMessage {
  return buildMessage(3, 7, 0, options, 'isc');
}

describe('bindingUpdatesOf', () => {
  it('reads the fields of an ISC ACTIVE transaction', () => {
    expect(bindingUpdatesOf(ISC_BNDUPD_MESSAGE)).toEqual({
      common: [],
      withoutBindingStatus: [],
      updates: [
        {
          address: '10.77.1.0',
          bindingStatus: 2,
          clientIdentifier: Uint8Array.of(1, 2, 0, 0, 0, 0, 0),
          clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 0) },
          leaseExpirationTime: 1796482300,
          potentialExpirationTime: 1796482300,
          startTimeOfState: 1796395900,
          clientLastTransactionTime: 1796395900,
          otherOptions: [],
        },
      ],
    });
  });

  it('splits a batched BNDUPD at each assigned-IP-address (FO-6.3-b)', () => {
    const digest = option(17, { digestType: 1, digest: new Uint8Array(16) });
    const message = bndupd([
      digest,
      option(2, '10.0.0.1'),
      option(3, 1),
      option(2, '10.0.0.2'),
      option(25, 9),
      option(3, 7),
    ]);
    const { common, updates } = bindingUpdatesOf(message);

    expect(common).toEqual([digest]);
    expect(
      updates.map((update) => [update.address, update.bindingStatus, update.startTimeOfState]),
    ).toEqual([
      ['10.0.0.1', 1, undefined],
      ['10.0.0.2', 7, 9],
    ]);
  });

  it('keeps unknown options and repeats in otherOptions, in message order', () => {
    const raw = { code: 99, raw: Uint8Array.of(1) };
    const [update] = bindingUpdatesOf(
      bndupd([
        option(2, '10.0.0.1'),
        option(3, 1),
        raw,
        option(3, 2),
        option(8, Uint8Array.of(99, 130, 83, 99)),
      ]),
    ).updates;

    expect(update?.bindingStatus).toBe(1);
    expect(update?.otherOptions).toEqual([
      raw,
      option(3, 2),
      option(8, Uint8Array.of(99, 130, 83, 99)),
    ]);
  });

  it('lists transactions without binding-status apart, for reject-reason 3 (FO-7.1.3-a)', () => {
    const result = bindingUpdatesOf(
      bndupd([option(2, '10.0.0.1'), option(2, '10.0.0.2'), option(3, 1)]),
    );

    expect(result.withoutBindingStatus).toEqual(['10.0.0.1']);
    expect(result.updates.map((update) => update.address)).toEqual(['10.0.0.2']);
  });
});

describe('encodeBindingUpdate', () => {
  it('orders an ACTIVE update as ISC dhcpd does (ISC-10)', () => {
    const codes = encodeBindingUpdate(
      { ...ACTIVE, clientIdentifier: Uint8Array.of(1, 2) },
      'isc',
    ).map((entry) => entry.code);

    expect(codes).toEqual([2, 3, 4, 5, 13, 18, 25, 6]);
  });

  it('leaves lease times and client reply options out of a FREE update (Table 7.1-1)', () => {
    const free = {
      ...ACTIVE,
      bindingStatus: 1,
      otherOptions: [option(7, Uint8Array.of(99, 130, 83, 99))],
    };

    expect(encodeBindingUpdate(free, 'isc').map((entry) => entry.code)).toEqual([2, 3, 5, 25, 6]);
  });

  it('leaves client identity out of an ABANDONED update (FO-5.11-a)', () => {
    const abandoned = { ...ACTIVE, bindingStatus: 5, clientIdentifier: Uint8Array.of(1) };

    expect(encodeBindingUpdate(abandoned, 'isc').map((entry) => entry.code)).toEqual([2, 3, 25, 6]);
  });

  it('sends IP-flags only when a flag is set (FO-7.1.1-e), and always to Windows (MSF-3.1.4.2-d)', () => {
    expect(
      encodeBindingUpdate({ ...ACTIVE, ipFlags: 0 }, 'isc').some((entry) => entry.code === 12),
    ).toBe(false);
    expect(encodeBindingUpdate({ ...ACTIVE, ipFlags: 1 }, 'isc')).toContainEqual(option(12, 1));
    const windows = {
      ...ACTIVE,
      bindingStatus: 1,
      clientHardwareAddress: undefined,
      otherOptions: [option(33, '255.255.0.0')],
    };

    expect(encodeBindingUpdate(windows, 'microsoft')).toEqual([
      option(2, '10.77.1.7'),
      option(3, 1),
      option(12, 0),
      option(33, '255.255.0.0'),
    ]);
  });

  it('rejects an ACTIVE update without lease-expiration-time', () => {
    const incomplete = { ...ACTIVE, leaseExpirationTime: undefined };

    expect(() => encodeBindingUpdate(incomplete, 'isc')).toThrow(FailoverError);
    expect(() => encodeBindingUpdate(incomplete, 'isc')).toThrow(
      'binding update for 10.77.1.7 lacks lease-expiration-time, which ACTIVE requires (FO-5.11-a)',
    );
  });

  it('rejects an ACTIVE update whose PET is not after the lease end (FO-7.1.1-f)', () => {
    const early = { ...ACTIVE, potentialExpirationTime: 1000 };

    expect(() => encodeBindingUpdate(early, 'isc')).toThrow(
      expect.objectContaining({ code: 'FO_ERR_BINDING_UPDATE' }),
    );
  });

  it('encodes an infinite ACTIVE lease with an equal, infinite PET (FO-7.1.1-f, FO-5.14-a)', () => {
    const infinite = {
      ...ACTIVE,
      leaseExpirationTime: 0xffff_ffff,
      potentialExpirationTime: 0xffff_ffff,
    };

    const options = encodeBindingUpdate(infinite, 'isc');

    expect(options).toContainEqual(option(13, 0xffff_ffff));
    expect(options).toContainEqual(option(18, 0xffff_ffff));
  });

  it('rejects an infinite ACTIVE lease with a finite PET (FO-7.1.1-f)', () => {
    const finite = { ...ACTIVE, leaseExpirationTime: 0xffff_ffff, potentialExpirationTime: 2000 };

    expect(() => encodeBindingUpdate(finite, 'isc')).toThrow(
      expect.objectContaining({ code: 'FO_ERR_BINDING_UPDATE' }),
    );
  });

  it('rejects an assigned-IP-address in otherOptions, which would split the transaction', () => {
    expect(() =>
      encodeBindingUpdate({ ...ACTIVE, otherOptions: [option(2, '10.0.0.1')] }, 'isc'),
    ).toThrow(/new transaction/);
  });

  it('rejects a Windows update without subnet mask (MSF-3.1.5.2-c)', () => {
    expect(() =>
      encodeBindingUpdate(
        { ...ACTIVE, bindingStatus: 1, clientHardwareAddress: undefined },
        'microsoft',
      ),
    ).toThrow(/ms-client-subnet-mask/);
  });

  it('builds transactions that pass the strict check and read back to the same updates', () => {
    const other = {
      ...ACTIVE,
      address: '10.77.1.8',
      bindingStatus: 4,
      leaseExpirationTime: undefined,
      potentialExpirationTime: undefined,
    };
    const message = bndupd([
      ...encodeBindingUpdate(ACTIVE, 'isc'),
      ...encodeBindingUpdate(other, 'isc'),
    ]);
    const decoded = decodeMessage(encodeMessage(message, 'isc'), 'isc');

    expect(checkMessage(decoded, 'isc', { strict: true })).toEqual([]);
    expect(bindingUpdatesOf(decoded).updates).toEqual([ACTIVE, other]);
  });

  it('builds a Windows update that passes the check', () => {
    const update = bindingUpdatesOf(MS_BNDUPD_MESSAGE).updates[0];
    expect(update).toBeDefined();
    const message = buildMessage(3, 1, 0, encodeBindingUpdate(update!, 'microsoft'), 'microsoft');

    expect(checkMessage(message, 'microsoft', { strict: true })).toEqual([]);
  });
});

describe('BNDACK transactions', () => {
  it('reads accepted and rejected transactions in message order (FO-6.3-d)', () => {
    const message = buildMessage(
      4,
      7,
      0,
      [option(2, '10.0.0.1'), option(2, '10.0.0.2'), option(21, 16), option(16, 'less critical')],
      'isc',
    );

    expect(bindingAcksOf(message)).toEqual([
      { address: '10.0.0.1' },
      { address: '10.0.0.2', rejectReason: 16, message: 'less critical' },
    ]);
  });

  it('writes a reject-reason and message after the rejected address only (FO-7.2.1-c)', () => {
    const options = bindingAckOptions([
      { address: '10.0.0.2', rejectReason: 15, message: 'outdated' },
      { address: '10.0.0.1', message: 'dropped on an accept' },
    ]);

    expect(options).toEqual([
      option(2, '10.0.0.2'),
      option(21, 15),
      option(16, 'outdated'),
      option(2, '10.0.0.1'),
    ]);
  });

  it('round-trips acks through a BNDACK message', () => {
    const acks = [{ address: '10.0.0.1' }, { address: '10.0.0.3', rejectReason: 1 }];
    const message = buildMessage(4, 9, 0, bindingAckOptions(acks), 'isc');

    expect(bindingAcksOf(decodeMessage(encodeMessage(message, 'isc'), 'isc'))).toEqual(acks);
    expect(checkMessage(message, 'isc')).toEqual([]);
  });
});

describe('message helpers', () => {
  it('returns the typed value of the first option with a code', () => {
    const mclt: number | undefined = optionValue(ISC_CONNECT_MESSAGE, 15);

    expect(mclt).toBe(600);
    expect(optionValue(ISC_CONNECT_MESSAGE, 21)).toBeUndefined();
  });

  it('returns undefined for an option carried raw (AMB-21)', () => {
    const raw = decodeMessage(MS_UPDREQ_BYTES, 'isc');

    expect(optionValue(raw, 30)).toBeUndefined();
    expect(hasOption(raw, 30)).toBe(true);
  });

  it('builds a message that survives a round trip in either profile', () => {
    for (const profile of ['isc', 'microsoft'] as const) {
      const message = buildMessage(11, 5, 1234, [], profile);

      expect(decodeMessage(encodeMessage(message, profile), profile)).toEqual(message);
    }
  });
});
