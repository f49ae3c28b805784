// DHCPv4 messages (RFC 2131 section 2, RFC 2132): the fixed BOOTP header, the magic cookie and the
// options the front end reads or writes. Options the front end does not model are kept as raw
// code and data, so a decoded message encodes to the same option list.

import { DecodeError } from '../errors.js';

/** Stable codes of the DecodeErrors raised for a malformed DHCPv4 message. */
export const DHCP_DECODE_ERROR_CODES = {
  truncated: 'FO_ERR_DHCP_TRUNCATED',
  header: 'FO_ERR_DHCP_HEADER',
  magicCookie: 'FO_ERR_DHCP_MAGIC_COOKIE',
  optionLength: 'FO_ERR_DHCP_OPTION_LENGTH',
  optionValue: 'FO_ERR_DHCP_OPTION_VALUE',
  duplicateOption: 'FO_ERR_DHCP_DUPLICATE_OPTION',
} as const;

/** DHCP message type, option 53 (RFC 2132 section 9.6). */
export const DHCPMessageType = {
  DHCPDISCOVER: 1,
  DHCPOFFER: 2,
  DHCPREQUEST: 3,
  DHCPDECLINE: 4,
  DHCPACK: 5,
  DHCPNAK: 6,
  DHCPRELEASE: 7,
  DHCPINFORM: 8,
} as const;

export type DHCPMessageTypeName = keyof typeof DHCPMessageType;

/** Option codes of RFC 2132 that the front end models. */
export const DHCPOptionCode = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  REQUESTED_IP_ADDRESS: 50,
  IP_ADDRESS_LEASE_TIME: 51,
  DHCP_MESSAGE_TYPE: 53,
  SERVER_IDENTIFIER: 54,
  PARAMETER_REQUEST_LIST: 55,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  CLIENT_IDENTIFIER: 61,
  END: 255,
} as const;

/** BOOTP op: 1 BOOTREQUEST from a client, 2 BOOTREPLY from a server. */
export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** The magic cookie 99.130.83.99 that starts the options field (RFC 2131 section 3). */
export const MAGIC_COOKIE = 0x63825363;

/** Size of the fixed BOOTP header before the magic cookie. */
export const BOOTP_HEADER_LENGTH = 236;

const CHADDR_OFFSET = 28;
const SNAME_OFFSET = 44;
const FILE_OFFSET = 108;
const OPTIONS_OFFSET = BOOTP_HEADER_LENGTH + 4;

/** An option the front end does not model, kept as it came. */
export interface RawDHCPOption {
  code: number;
  data: Uint8Array;
}

/** The modelled options; every field is absent when the option is. */
export interface DHCPOptions {
  /** DHCP message type (53), 1-8. */
  messageType?: number;
  /** Subnet mask (1), dotted quad. */
  subnetMask?: string;
  /** Router (3), one or more dotted quads. */
  routers?: string[];
  /** Requested IP address (50). */
  requestedAddress?: string;
  /** IP address lease time (51), seconds. */
  leaseTime?: number;
  /** Server identifier (54). */
  serverIdentifier?: string;
  /** Parameter request list (55), one option code per byte. */
  parameterRequestList?: Uint8Array;
  /** Renewal (T1) time value (58), seconds. */
  renewalTime?: number;
  /** Rebinding (T2) time value (59), seconds. */
  rebindingTime?: number;
  /** Client identifier (61): type byte then identifier. */
  clientIdentifier?: Uint8Array;
  /** Other options in the order received. */
  other: RawDHCPOption[];
}

export interface DHCPPacket {
  op: number;
  htype: number;
  /** Hardware address length, 0-16. */
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  /** Bit 15 is the broadcast flag (RFC 2131 section 2). */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The first `hlen` bytes of the 16-byte chaddr field. */
  chaddr: Uint8Array;
  /** The 64-byte sname field. */
  sname: Uint8Array;
  /** The 128-byte file field. */
  file: Uint8Array;
  options: DHCPOptions;
}

/** Decodes one DHCPv4 message; raises DecodeError with the field and offset on malformed input. */
export function decodeDHCPPacket(bytes: Uint8Array): DHCPPacket {
  if (bytes.length < OPTIONS_OFFSET) {
    throw new DecodeError(
      DHCP_DECODE_ERROR_CODES.truncated,
      `DHCP message length ${bytes.length}, expected at least ${OPTIONS_OFFSET} at offset 0`,
      { offset: 0 },
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = decodeHeader(bytes, view);
  const cookie = view.getUint32(BOOTP_HEADER_LENGTH);
  if (cookie !== MAGIC_COOKIE) {
    throw new DecodeError(
      DHCP_DECODE_ERROR_CODES.magicCookie,
      `DHCP magic cookie 0x${cookie.toString(16)}, expected 0x63825363 at offset ${BOOTP_HEADER_LENGTH}`,
      { offset: BOOTP_HEADER_LENGTH },
    );
  }

  return { ...header, options: decodeOptions(bytes, OPTIONS_OFFSET) };
}

function decodeHeader(bytes: Uint8Array, view: DataView): Omit<DHCPPacket, 'options'> {
  const op = view.getUint8(0);
  if (op !== BOOTREQUEST && op !== BOOTREPLY) {
    throw new DecodeError(
      DHCP_DECODE_ERROR_CODES.header,
      `DHCP op ${op}, expected 1 or 2 at offset 0`,
      {
        offset: 0,
      },
    );
  }

  const hlen = view.getUint8(2);
  if (hlen > 16) {
    throw new DecodeError(
      DHCP_DECODE_ERROR_CODES.header,
      `DHCP hlen ${hlen}, expected at most 16 at offset 2`,
      { offset: 2 },
    );
  }

  return {
    op,
    htype: view.getUint8(1),
    hlen,
    hops: view.getUint8(3),
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: readIPv4(bytes, 12),
    yiaddr: readIPv4(bytes, 16),
    siaddr: readIPv4(bytes, 20),
    giaddr: readIPv4(bytes, 24),
    chaddr: bytes.slice(CHADDR_OFFSET, CHADDR_OFFSET + hlen),
    sname: bytes.slice(SNAME_OFFSET, SNAME_OFFSET + 64),
    file: bytes.slice(FILE_OFFSET, FILE_OFFSET + 128),
  };
}

/**
 * Reads options until END (255) or the end of the datagram; some clients omit END, and bytes
 * after it are padding. A modelled option that appears twice is rejected, because RFC 3396
 * concatenation is not supported.
 */
function decodeOptions(bytes: Uint8Array, start: number): DHCPOptions {
  const options: DHCPOptions = { other: [] };
  let offset = start;
  while (offset < bytes.length) {
    const code = bytes[offset] ?? DHCPOptionCode.END;
    if (code === DHCPOptionCode.END) {
      break;
    }

    if (code === DHCPOptionCode.PAD) {
      offset += 1;
      continue;
    }

    const length = bytes[offset + 1];
    if (length === undefined || offset + 2 + length > bytes.length) {
      throw new DecodeError(
        DHCP_DECODE_ERROR_CODES.optionLength,
        `DHCP option ${code} length ${length ?? 'missing'} runs past the message end ${bytes.length} at offset ${offset}`,
        { offset, optionCode: code },
      );
    }

    const data = bytes.slice(offset + 2, offset + 2 + length);
    readOption(options, code, data, offset);
    offset += 2 + length;
  }

  return options;
}

type OptionReader = (options: DHCPOptions, data: Uint8Array, offset: number) => void;

const ADDRESS_OPTIONS = {
  [DHCPOptionCode.SUBNET_MASK]: 'subnetMask',
  [DHCPOptionCode.REQUESTED_IP_ADDRESS]: 'requestedAddress',
  [DHCPOptionCode.SERVER_IDENTIFIER]: 'serverIdentifier',
} as const;

const TIME_OPTIONS = {
  [DHCPOptionCode.IP_ADDRESS_LEASE_TIME]: 'leaseTime',
  [DHCPOptionCode.RENEWAL_TIME]: 'renewalTime',
  [DHCPOptionCode.REBINDING_TIME]: 'rebindingTime',
} as const;

const OPTION_READERS = new Map<number, OptionReader>([
  [
    DHCPOptionCode.DHCP_MESSAGE_TYPE,
    (options, data, offset) => {
      requireLength(DHCPOptionCode.DHCP_MESSAGE_TYPE, data, 1, offset);
      const type = data[0] ?? 0;
      if (type < 1 || type > 8) {
        throw new DecodeError(
          DHCP_DECODE_ERROR_CODES.optionValue,
          `DHCP message type ${type}, expected 1 to 8 at offset ${offset + 2}`,
          { offset: offset + 2, optionCode: DHCPOptionCode.DHCP_MESSAGE_TYPE },
        );
      }

      options.messageType = type;
    },
  ],
  ...Object.entries(ADDRESS_OPTIONS).map(([code, field]): [number, OptionReader] => [
    Number(code),
    (options, data, offset) => {
      requireLength(Number(code), data, 4, offset);
      options[field] = readIPv4(data, 0);
    },
  ]),
  ...Object.entries(TIME_OPTIONS).map(([code, field]): [number, OptionReader] => [
    Number(code),
    (options, data, offset) => {
      requireLength(Number(code), data, 4, offset);
      options[field] = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
    },
  ]),
  [
    DHCPOptionCode.ROUTER,
    (options, data, offset) => {
      if (data.length === 0 || data.length % 4 !== 0) {
        throw lengthError(DHCPOptionCode.ROUTER, data.length, 'a non-zero multiple of 4', offset);
      }

      options.routers = [];
      for (let index = 0; index < data.length; index += 4) {
        options.routers.push(readIPv4(data, index));
      }
    },
  ],
  [
    DHCPOptionCode.PARAMETER_REQUEST_LIST,
    (options, data) => {
      options.parameterRequestList = data;
    },
  ],
  [
    DHCPOptionCode.CLIENT_IDENTIFIER,
    (options, data, offset) => {
      // RFC 2132 section 9.14: a type byte and at least one byte of identifier.
      if (data.length < 2) {
        throw lengthError(DHCPOptionCode.CLIENT_IDENTIFIER, data.length, 'at least 2', offset);
      }

      options.clientIdentifier = data;
    },
  ],
]);

const MODELLED_FIELDS = new Map<number, keyof DHCPOptions>([
  [DHCPOptionCode.DHCP_MESSAGE_TYPE, 'messageType'],
  [DHCPOptionCode.SUBNET_MASK, 'subnetMask'],
  [DHCPOptionCode.ROUTER, 'routers'],
  [DHCPOptionCode.REQUESTED_IP_ADDRESS, 'requestedAddress'],
  [DHCPOptionCode.IP_ADDRESS_LEASE_TIME, 'leaseTime'],
  [DHCPOptionCode.SERVER_IDENTIFIER, 'serverIdentifier'],
  [DHCPOptionCode.PARAMETER_REQUEST_LIST, 'parameterRequestList'],
  [DHCPOptionCode.RENEWAL_TIME, 'renewalTime'],
  [DHCPOptionCode.REBINDING_TIME, 'rebindingTime'],
  [DHCPOptionCode.CLIENT_IDENTIFIER, 'clientIdentifier'],
]);

function readOption(options: DHCPOptions, code: number, data: Uint8Array, offset: number): void {
  const reader = OPTION_READERS.get(code);
  if (reader === undefined) {
    options.other.push({ code, data });
    return;
  }

  const field = MODELLED_FIELDS.get(code);
  if (field !== undefined && options[field] !== undefined) {
    throw new DecodeError(
      DHCP_DECODE_ERROR_CODES.duplicateOption,
      `DHCP option ${code} appears twice, expected once at offset ${offset}`,
      { offset, optionCode: code },
    );
  }

  reader(options, data, offset);
}

function requireLength(code: number, data: Uint8Array, expected: number, offset: number): void {
  if (data.length !== expected) {
    throw lengthError(code, data.length, String(expected), offset);
  }
}

function lengthError(code: number, found: number, expected: string, offset: number): DecodeError {
  return new DecodeError(
    DHCP_DECODE_ERROR_CODES.optionLength,
    `DHCP option ${code} length ${found}, expected ${expected} at offset ${offset + 1}`,
    { offset: offset + 1, optionCode: code },
  );
}

function readIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/** Writes a dotted quad; the caller passes addresses it built or decoded. */
function writeIPv4(target: Uint8Array, offset: number, address: string): void {
  const parts = address.split('.').map(Number);
  for (let index = 0; index < 4; index++) {
    target[offset + index] = parts[index] ?? 0;
  }
}

function addressBytes(addresses: readonly string[]): Uint8Array {
  const data = new Uint8Array(addresses.length * 4);
  addresses.forEach((address, index) => writeIPv4(data, index * 4, address));
  return data;
}

function uint32Bytes(value: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value);
  return data;
}

/** Returns the options in the order they are encoded: message type first, as RFC 2131 advises. */
function optionList(options: DHCPOptions): RawDHCPOption[] {
  const list: RawDHCPOption[] = [];
  const add = (code: number, data: Uint8Array | undefined): void => {
    if (data !== undefined) {
      list.push({ code, data });
    }
  };
  const address = (value: string | undefined): Uint8Array | undefined =>
    value === undefined ? undefined : addressBytes([value]);
  const time = (value: number | undefined): Uint8Array | undefined =>
    value === undefined ? undefined : uint32Bytes(value);

  add(DHCPOptionCode.DHCP_MESSAGE_TYPE, time(options.messageType)?.subarray(3));
  add(DHCPOptionCode.SERVER_IDENTIFIER, address(options.serverIdentifier));
  add(DHCPOptionCode.REQUESTED_IP_ADDRESS, address(options.requestedAddress));
  add(DHCPOptionCode.IP_ADDRESS_LEASE_TIME, time(options.leaseTime));
  add(DHCPOptionCode.RENEWAL_TIME, time(options.renewalTime));
  add(DHCPOptionCode.REBINDING_TIME, time(options.rebindingTime));
  add(DHCPOptionCode.SUBNET_MASK, address(options.subnetMask));
  add(
    DHCPOptionCode.ROUTER,
    options.routers === undefined ? undefined : addressBytes(options.routers),
  );
  add(DHCPOptionCode.CLIENT_IDENTIFIER, options.clientIdentifier);
  add(DHCPOptionCode.PARAMETER_REQUEST_LIST, options.parameterRequestList);
  return [...list, ...options.other];
}

/** Encodes a message; options longer than 255 bytes are not split (RFC 3396 is not supported). */
export function encodeDHCPPacket(packet: DHCPPacket): Uint8Array {
  const options = optionList(packet.options);
  const optionsLength = options.reduce((sum, item) => sum + 2 + item.data.length, 0) + 1;
  const bytes = new Uint8Array(OPTIONS_OFFSET + optionsLength);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, packet.op);
  view.setUint8(1, packet.htype);
  view.setUint8(2, packet.hlen);
  view.setUint8(3, packet.hops);
  view.setUint32(4, packet.xid);
  view.setUint16(8, packet.secs);
  view.setUint16(10, packet.flags);
  writeIPv4(bytes, 12, packet.ciaddr);
  writeIPv4(bytes, 16, packet.yiaddr);
  writeIPv4(bytes, 20, packet.siaddr);
  writeIPv4(bytes, 24, packet.giaddr);
  bytes.set(packet.chaddr.subarray(0, 16), CHADDR_OFFSET);
  bytes.set(packet.sname.subarray(0, 64), SNAME_OFFSET);
  bytes.set(packet.file.subarray(0, 128), FILE_OFFSET);
  view.setUint32(BOOTP_HEADER_LENGTH, MAGIC_COOKIE);

  let offset = OPTIONS_OFFSET;
  for (const item of options) {
    bytes[offset] = item.code;
    bytes[offset + 1] = item.data.length;
    bytes.set(item.data, offset + 2);
    offset += 2 + item.data.length;
  }

  bytes[offset] = DHCPOptionCode.END;
  return bytes;
}
