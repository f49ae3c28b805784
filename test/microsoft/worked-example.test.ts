// The option bytes of the [MS-DHCPF] section 4 example (adding two scopes to a relationship):
// each decodes to its value, and encodes back to the same bytes.

import { describe, expect, it } from 'vitest';
import { MessageType } from '../../src/wire/codes.js';
import { decodeOptions, encodeOption } from '../../src/wire/options.js';
import type { FailoverOption } from '../../src/wire/types.js';

interface ExampleOption {
  name: string;
  bytes: Uint8Array;
  option: FailoverOption;
  messageType: number;
}

// prettier-ignore
const EXAMPLE: ExampleOption[] = [
  {
    name: 'Scope ID List of the UPDREQ (MSF-2.2.1-c, AMB-22)',
    messageType: MessageType.UPDREQ,
    bytes: Uint8Array.from([
      0x00, 0x1e, // code 30
      0x00, 0x08, // length 8
      0x00, 0x01, 0xa8, 0xc0, // 192.168.1.0 in little-endian host order
      0x00, 0x02, 0xa8, 0xc0, // 192.168.2.0
    ]),
    option: { code: 30, value: ['192.168.1.0', '192.168.2.0'] },
  },
  {
    name: 'Client Name of the BNDUPD (MSF-2.2.2-c, AMB-23)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x1f, // code 31
      0x00, 0x24, // length 36: 17 characters and the NUL, 2 bytes each
      0x63, 0x00, 0x6c, 0x00, 0x6e, 0x00, 0x74, 0x00, 0x30, 0x00, 0x2e, 0x00, // "clnt0."
      0x63, 0x00, 0x6f, 0x00, 0x6e, 0x00, 0x74, 0x00, 0x6f, 0x00, 0x73, 0x00, // "contos"
      0x6f, 0x00, 0x2e, 0x00, 0x63, 0x00, 0x6f, 0x00, 0x6d, 0x00, // "o.com"
      0x00, 0x00, // NUL terminator, counted in the length
    ]),
    option: { code: 31, value: 'clnt0.contoso.com' },
  },
  {
    name: 'Subnet Mask (MSF-2.2.4-b, MSF-2.2.4-c)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x21, // code 33
      0x00, 0x04, // length 4
      0xff, 0xff, 0xff, 0x00, // 255.255.255.0, network order
    ]),
    option: { code: 33, value: '255.255.255.0' },
  },
  {
    name: 'Client Server IP (MSF-2.2.5-b, MSF-2.2.5-c)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x22, // code 34
      0x00, 0x04, // length 4
      0xc0, 0xa8, 0x01, 0x0b, // 192.168.1.11, network order
    ]),
    option: { code: 34, value: '192.168.1.11' },
  },
  {
    name: 'Client Type (MSF-2.2.7-b, MSF-2.2.7-c)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x24, // code 36
      0x00, 0x01, // length 1
      0x01, // DHCP
    ]),
    option: { code: 36, value: 1 },
  },
  {
    name: 'Client NAP Status of length 1 (MSF-2.2.8-b, AMB-1)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x25, // code 37
      0x00, 0x01, // length 1, as the example sends it
      0x00, // NOQUARANTINE
    ]),
    option: { code: 37, value: 0 },
  },
  {
    name: 'Client NAP Probation (MSF-2.2.9-b, AMB-2)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x26, // code 38
      0x00, 0x04, // length 4
      0x00, 0x00, 0x00, 0x00, // 0, unassigned
    ]),
    option: { code: 38, value: 0 },
  },
  {
    name: 'Client NAP Capable (MSF-2.2.10-b, MSF-2.2.10-c)',
    messageType: MessageType.BNDUPD,
    bytes: Uint8Array.from([
      0x00, 0x27, // code 39
      0x00, 0x01, // length 1
      0x00, // not NAP-capable
    ]),
    option: { code: 39, value: 0 },
  },
];

function decodeAll(bytes: Uint8Array, messageType: number): FailoverOption[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeOptions(view, 0, bytes.length, 'microsoft', messageType);
}

describe('[MS-DHCPF] section 4 example options', () => {
  it.each(EXAMPLE)('decodes $name', ({ bytes, option, messageType }) => {
    expect(decodeAll(bytes, messageType)).toEqual([option]);
  });

  it.each(EXAMPLE)('encodes $name to the example bytes', ({ bytes, option }) => {
    expect(encodeOption(option, 'microsoft')).toEqual(bytes);
  });

  it.each(EXAMPLE)('decodes its own encoding of $name', ({ option, messageType }) => {
    expect(decodeAll(encodeOption(option, 'microsoft'), messageType)).toEqual([option]);
  });

  it('decodes and re-encodes the BNDUPD options as one run, byte for byte', () => {
    const run = EXAMPLE.filter((item) => item.messageType === MessageType.BNDUPD);
    const bytes = Uint8Array.from(run.flatMap((item) => [...item.bytes]));

    const decoded = decodeAll(bytes, MessageType.BNDUPD);
    const encoded = Uint8Array.from(
      decoded.flatMap((item) => [...encodeOption(item, 'microsoft')]),
    );

    expect(decoded).toEqual(run.map((item) => item.option));
    expect(encoded).toEqual(bytes);
  });
});
