// fast-check arbitraries of valid failover messages in each wire profile: every value is one the
// codec can carry, so encoding then decoding must give it back unchanged.

import fc from 'fast-check';
import { payloadOffsetFor } from '../../src/wire/message.js';
import type { FailoverMessage, FailoverOption, WireProfile } from '../../src/wire/types.js';

const uint8 = fc.integer({ min: 0, max: 0xff });
const uint16 = fc.integer({ min: 0, max: 0xffff });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength });
const ipv4 = fc.tuple(uint8, uint8, uint8, uint8).map((parts) => parts.join('.'));
/** ISO-8859-1 text: the isc profile's strings keep one byte per character. */
const latin1 = fc.string({ unit: uint8.map((code) => String.fromCharCode(code)), maxLength: 24 });
/** Any UTF-16 code units, unpaired surrogates included: the microsoft strings keep them all. */
const utf16 = fc.string({ unit: uint16.map((code) => String.fromCharCode(code)), maxLength: 24 });

function known<C extends number, V>(code: C, value: fc.Arbitrary<V>): fc.Arbitrary<FailoverOption> {
  // The caller pairs each code with the value type of OptionValueMap; the cast only widens.
  return value.map((v) => ({ code, value: v }) as FailoverOption);
}

function draftOptions(profile: WireProfile): fc.Arbitrary<FailoverOption>[] {
  const text = profile === 'isc' ? latin1 : utf16;
  const hardwareAddress = fc.record({
    htype: fc.integer({ min: 1, max: 0xff }),
    chaddr: bytes(0, 16),
    ...(profile === 'microsoft' ? { scopeId: uint32 } : {}),
  });
  const digest = fc.oneof(
    fc.record({ digestType: fc.constant(1), digest: bytes(16, 16) }),
    fc.record({ digestType: uint8.filter((type) => type !== 1), digest: bytes(0, 32) }),
  );
  return [
    ...[1, 6, 13, 14, 15, 18, 19, 25].map((code) => known(code, uint32)),
    ...[3, 10, 20, 21, 23, 24, 26, 27].map((code) => known(code, uint8)),
    known(2, ipv4),
    known(4, bytes(0, 20)),
    known(5, hardwareAddress),
    known(7, bytes(4, 20)),
    known(8, bytes(4, 20)),
    known(9, fc.record({ flags: uint16, fqdn: bytes(0, 20) })),
    known(11, bytes(32, 32)),
    known(12, profile === 'isc' ? uint16 : uint8),
    known(16, latin1),
    known(17, digest),
    known(22, text),
    known(28, text),
    known(29, fc.array(fc.record({ code: uint16, data: bytes(0, 8) }), { maxLength: 3 })),
  ];
}

function microsoftOptions(): fc.Arbitrary<FailoverOption>[] {
  return [
    known(30, fc.array(ipv4, { maxLength: 4 })),
    ...[31, 32, 35, 40].map((code) => known(code, utf16)),
    known(33, ipv4),
    known(34, ipv4),
    ...[36, 39].map((code) => known(code, uint8)),
    ...[37, 38, 41].map((code) => known(code, uint32)),
  ];
}

/** Codes the profile does not decode: unknown ones, and 30-41 outside the microsoft profile. */
function rawCode(profile: WireProfile): fc.Arbitrary<number> {
  const unknown = fc.oneof(fc.constant(0), fc.integer({ min: 42, max: 0xffff }));
  return profile === 'isc' ? fc.oneof(unknown, fc.integer({ min: 30, max: 41 })) : unknown;
}

/** Any option the profile can encode, typed or raw. */
export function optionArbitrary(profile: WireProfile): fc.Arbitrary<FailoverOption> {
  const raw = fc.record({ code: rawCode(profile), raw: bytes(0, 24) });
  const typed =
    profile === 'microsoft'
      ? [...draftOptions(profile), ...microsoftOptions()]
      : draftOptions(profile);
  return fc.oneof(raw, ...typed);
}

/**
 * Returns an arbitrary message whose payloadOffset is what the encoder writes for the profile, so that a round trip
 * gives it back. Options are kept few and short enough to stay under 2048 bytes.
 */
export function messageArbitrary(profile: WireProfile): fc.Arbitrary<FailoverMessage> {
  return fc
    .record({
      type: uint8,
      time: uint32,
      xid: uint32,
      extraHeader: fc.oneof(
        { weight: 4, arbitrary: bytes(0, 0) },
        { weight: 1, arbitrary: bytes(1, 16) },
      ),
      options: fc.array(optionArbitrary(profile), { maxLength: 16 }),
    })
    .map((fields) => ({
      ...fields,
      payloadOffset: payloadOffsetFor(fields.extraHeader.length, profile),
    }));
}
