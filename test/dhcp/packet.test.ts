import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../src/errors.js';
import {
  decodeDHCPPacket,
  DHCP_DECODE_ERROR_CODES,
  DHCPMessageType,
  DHCPOptionCode,
  encodeDHCPPacket,
  type DHCPPacket,
} from '../../src/dhcp/packet.js';

const zeros = (count: number): number[] => new Array<number>(count).fill(0);

// A DHCPDISCOVER from chaddr 02:00:00:00:00:01 with a client identifier and a parameter list.
// prettier-ignore
const DISCOVER = Uint8Array.from([
  1,                                // op: BOOTREQUEST
  1,                                // htype: Ethernet
  6,                                // hlen
  0,                                // hops
  0x12, 0x34, 0x56, 0x78,           // xid
  0, 3,                             // secs
  0x80, 0,                          // flags: broadcast
  0, 0, 0, 0,                       // ciaddr
  0, 0, 0, 0,                       // yiaddr
  0, 0, 0, 0,                       // siaddr
  192, 0, 2, 1,                     // giaddr
  2, 0, 0, 0, 0, 1, ...zeros(10),   // chaddr, 16 bytes
  ...zeros(64),                     // sname
  ...zeros(128),                    // file
  99, 130, 83, 99,                  // magic cookie
  53, 1, 1,                         // DHCP message type: DHCPDISCOVER
  50, 4, 192, 0, 2, 30,             // requested IP address
  61, 7, 1, 2, 0, 0, 0, 0, 1,       // client identifier: type 1, chaddr
  55, 3, 1, 3, 51,                  // parameter request list
  12, 3, 0x61, 0x62, 0x63,          // host name (12), kept raw
  0,                                // pad
  255,                              // end
]);

const DISCOVER_FIELDS: DHCPPacket = {
  op: 1,
  htype: 1,
  hlen: 6,
  hops: 0,
  xid: 0x12345678,
  secs: 3,
  flags: 0x8000,
  ciaddr: '0.0.0.0',
  yiaddr: '0.0.0.0',
  siaddr: '0.0.0.0',
  giaddr: '192.0.2.1',
  chaddr: Uint8Array.from([2, 0, 0, 0, 0, 1]),
  sname: new Uint8Array(64),
  file: new Uint8Array(128),
  options: {
    messageType: DHCPMessageType.DHCPDISCOVER,
    requestedAddress: '192.0.2.30',
    clientIdentifier: Uint8Array.from([1, 2, 0, 0, 0, 0, 1]),
    parameterRequestList: Uint8Array.from([1, 3, 51]),
    other: [{ code: 12, data: Uint8Array.from([0x61, 0x62, 0x63]) }],
  },
};

function withOptions(...options: number[]): Uint8Array {
  return Uint8Array.from([...DISCOVER.subarray(0, 240), ...options]);
}

function decodeFailure(bytes: Uint8Array): DecodeError {
  try {
    decodeDHCPPacket(bytes);
  } catch (error) {
    if (error instanceof DecodeError) {
      return error;
    }
    throw error;
  }
  throw new Error('decode succeeded, expected a DecodeError');
}

const address = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((parts) => parts.join('.'));
const modelledCodes = new Set<number>([0, 1, 3, 50, 51, 53, 54, 55, 58, 59, 61, 255]);
const bytesOf = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength });

const packetArbitrary: fc.Arbitrary<DHCPPacket> = fc
  .record({
    op: fc.constantFrom(1, 2),
    htype: fc.nat(255),
    hlen: fc.nat(16),
    hops: fc.nat(255),
    xid: fc.nat(0xffffffff),
    secs: fc.nat(0xffff),
    flags: fc.nat(0xffff),
    ciaddr: address,
    yiaddr: address,
    siaddr: address,
    giaddr: address,
    chaddr: bytesOf(16, 16),
    sname: bytesOf(64, 64),
    file: bytesOf(128, 128),
    options: fc.record(
      {
        messageType: fc.integer({ min: 1, max: 8 }),
        subnetMask: address,
        routers: fc.array(address, { minLength: 1, maxLength: 4 }),
        requestedAddress: address,
        leaseTime: fc.nat(0xffffffff),
        serverIdentifier: address,
        parameterRequestList: bytesOf(0, 40),
        renewalTime: fc.nat(0xffffffff),
        rebindingTime: fc.nat(0xffffffff),
        clientIdentifier: bytesOf(2, 40),
        other: fc.array(
          fc.record({
            code: fc.integer({ min: 1, max: 254 }).filter((code) => !modelledCodes.has(code)),
            data: bytesOf(0, 30),
          }),
          { maxLength: 5 },
        ),
      },
      { requiredKeys: ['other'] },
    ),
  })
  .map((packet) => ({ ...packet, chaddr: packet.chaddr.slice(0, packet.hlen) }));

describe('DHCPv4 packet', () => {
  it('decodes a DHCPDISCOVER field by field', () => {
    expect(decodeDHCPPacket(DISCOVER)).toEqual(DISCOVER_FIELDS);
  });

  it('encodes the decoded fields to the same message without the pad', () => {
    const encoded = encodeDHCPPacket(DISCOVER_FIELDS);
    const withoutPad = Uint8Array.from([...DISCOVER.subarray(0, -2), 255]);

    expect(Buffer.from(encoded).toString('hex')).toBe(Buffer.from(withoutPad).toString('hex'));
  });

  it('decodes its own encoding of a DHCPDISCOVER to the same fields', () => {
    expect(decodeDHCPPacket(encodeDHCPPacket(DISCOVER_FIELDS))).toEqual(DISCOVER_FIELDS);
  });

  it('round-trips any message through encode and decode', () => {
    fc.assert(
      fc.property(packetArbitrary, (packet) => {
        expect(decodeDHCPPacket(encodeDHCPPacket(packet))).toEqual(packet);
      }),
    );
  });

  it('raises only DecodeError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          decodeDHCPPacket(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('raises only DecodeError for a valid message with random options', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (options) => {
        try {
          decodeDHCPPacket(withOptions(...options));
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('accepts options that end without an END option', () => {
    const packet = decodeDHCPPacket(withOptions(53, 1, 3));

    expect(packet.options.messageType).toBe(DHCPMessageType.DHCPREQUEST);
  });

  it('rejects a message shorter than the header and cookie', () => {
    const error = decodeFailure(DISCOVER.subarray(0, 239));

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.truncated);
    expect(error.offset).toBe(0);
    expect(error.message).toBe('DHCP message length 239, expected at least 240 at offset 0');
  });

  it('rejects a wrong magic cookie', () => {
    const bytes = Uint8Array.from(DISCOVER);
    bytes[239] = 0;
    const error = decodeFailure(bytes);

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.magicCookie);
    expect(error.offset).toBe(236);
    expect(error.message).toBe('DHCP magic cookie 0x63825300, expected 0x63825363 at offset 236');
  });

  it('rejects an op other than BOOTREQUEST and BOOTREPLY', () => {
    const bytes = Uint8Array.from(DISCOVER);
    bytes[0] = 3;
    const error = decodeFailure(bytes);

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.header);
    expect(error.message).toBe('DHCP op 3, expected 1 or 2 at offset 0');
  });

  it('rejects hlen above 16', () => {
    const bytes = Uint8Array.from(DISCOVER);
    bytes[2] = 17;
    const error = decodeFailure(bytes);

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.header);
    expect(error.offset).toBe(2);
  });

  it('rejects an option that runs past the message end', () => {
    const error = decodeFailure(withOptions(53, 1, 1, 61, 9, 1, 2));

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.optionLength);
    expect(error.optionCode).toBe(61);
    expect(error.offset).toBe(243);
    expect(error.message).toBe(
      'DHCP option 61 length 9 runs past the message end 247 at offset 243',
    );
  });

  it.each([
    [DHCPOptionCode.DHCP_MESSAGE_TYPE, [53, 2, 1, 1]],
    [DHCPOptionCode.REQUESTED_IP_ADDRESS, [50, 3, 192, 0, 2]],
    [DHCPOptionCode.IP_ADDRESS_LEASE_TIME, [51, 5, 0, 0, 0, 1, 0]],
    [DHCPOptionCode.SERVER_IDENTIFIER, [54, 0]],
    [DHCPOptionCode.ROUTER, [3, 6, 1, 2, 3, 4, 5, 6]],
    [DHCPOptionCode.CLIENT_IDENTIFIER, [61, 1, 1]],
  ])('rejects option %i with a wrong length', (code, options) => {
    const error = decodeFailure(withOptions(...options, 255));

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.optionLength);
    expect(error.optionCode).toBe(code);
    expect(error.offset).toBe(241);
  });

  it('rejects a DHCP message type outside 1 to 8', () => {
    const error = decodeFailure(withOptions(53, 1, 9, 255));

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.optionValue);
    expect(error.message).toBe('DHCP message type 9, expected 1 to 8 at offset 242');
  });

  it('rejects a modelled option that appears twice', () => {
    const error = decodeFailure(withOptions(53, 1, 1, 53, 1, 3, 255));

    expect(error.code).toBe(DHCP_DECODE_ERROR_CODES.duplicateOption);
    expect(error.offset).toBe(243);
  });
});
