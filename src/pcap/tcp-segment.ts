// Peels a captured packet down to its TCP segment: link layer (Ethernet with VLAN tags, Linux
// cooked SLL and SLL2, BSD loopback, raw IP), then IPv4 or IPv6, then TCP.

import type { CapturedPacket } from './captured-packet.js';

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW_OPENBSD = 12;
const LINKTYPE_RAW_BSDOS = 14;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];
const IP_PROTOCOL_TCP = 6;
/** IPv6 extension headers that are skipped to reach TCP; a fragment header (44) is not. */
const IPV6_SKIPPED_HEADERS = new Set([0, 43, 60]);

/** The part of a TCP segment that stream reassembly needs. */
export interface TcpSegment {
  sourceAddress: string;
  destinationAddress: string;
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  payload: Uint8Array;
}

interface IpPacket {
  sourceAddress: string;
  destinationAddress: string;
  protocol: number;
  payload: Uint8Array;
}

/**
 * Returns the TCP segment of a packet, or undefined when the packet is not TCP over IP, is an IP
 * fragment, or was cut short by the capture's snap length.
 */
export function tcpSegmentOf(packet: CapturedPacket): TcpSegment | undefined {
  const network = networkLayerOf(packet.linkType, packet.data);
  if (network === undefined) {
    return undefined;
  }

  const ip = network.version === 4 ? readIPv4(network.bytes) : readIPv6(network.bytes);
  if (ip === undefined || ip.protocol !== IP_PROTOCOL_TCP) {
    return undefined;
  }

  return readTcp(ip);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Returns the IP packet inside a link-layer frame, with its IP version. */
function networkLayerOf(
  linkType: number,
  data: Uint8Array,
): { version: 4 | 6; bytes: Uint8Array } | undefined {
  const view = viewOf(data);
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernetPayload(view, data);
    case LINKTYPE_LINUX_SLL:
      return data.length < 16 ? undefined : byEtherType(view.getUint16(14), data.subarray(16));
    case LINKTYPE_LINUX_SLL2:
      return data.length < 20 ? undefined : byEtherType(view.getUint16(0), data.subarray(20));
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return data.length < 4 ? undefined : byVersionNibble(data.subarray(4));
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_OPENBSD:
    case LINKTYPE_RAW_BSDOS:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return byVersionNibble(data);
    default:
      return undefined;
  }
}

function ethernetPayload(
  view: DataView,
  data: Uint8Array,
): { version: 4 | 6; bytes: Uint8Array } | undefined {
  let offset = 12;
  while (offset + 2 <= data.length && ETHERTYPE_VLAN.includes(view.getUint16(offset))) {
    offset += 4;
  }

  return offset + 2 > data.length
    ? undefined
    : byEtherType(view.getUint16(offset), data.subarray(offset + 2));
}

function byEtherType(
  etherType: number,
  bytes: Uint8Array,
): { version: 4 | 6; bytes: Uint8Array } | undefined {
  if (etherType === ETHERTYPE_IPV4) {
    return { version: 4, bytes };
  }

  return etherType === ETHERTYPE_IPV6 ? { version: 6, bytes } : undefined;
}

/** Reads the IP version nibble, because loopback and raw links carry no EtherType. */
function byVersionNibble(bytes: Uint8Array): { version: 4 | 6; bytes: Uint8Array } | undefined {
  const version = (bytes[0] ?? 0) >> 4;
  if (version === 4 || version === 6) {
    return { version, bytes };
  }

  return undefined;
}

function readIPv4(bytes: Uint8Array): IpPacket | undefined {
  if (bytes.length < 20 || bytes[0] === undefined || bytes[0] >> 4 !== 4) {
    return undefined;
  }

  const view = viewOf(bytes);
  const headerLength = (view.getUint8(0) & 0x0f) * 4;
  // A segmentation-offload capture may carry total length 0; the captured bytes are the packet then.
  const totalLength = view.getUint16(2) === 0 ? bytes.length : view.getUint16(2);
  const moreFragments = (view.getUint16(6) & 0x2000) !== 0;
  const fragmentOffset = view.getUint16(6) & 0x1fff;
  if (headerLength < 20 || totalLength < headerLength || totalLength > bytes.length) {
    return undefined;
  }

  if (moreFragments || fragmentOffset !== 0) {
    return undefined;
  }

  return {
    sourceAddress: formatIPv4Bytes(bytes.subarray(12, 16)),
    destinationAddress: formatIPv4Bytes(bytes.subarray(16, 20)),
    protocol: view.getUint8(9),
    payload: bytes.subarray(headerLength, totalLength),
  };
}

function readIPv6(bytes: Uint8Array): IpPacket | undefined {
  if (bytes.length < 40) {
    return undefined;
  }

  const view = viewOf(bytes);
  const end = 40 + view.getUint16(4);
  if (end > bytes.length) {
    return undefined;
  }

  let protocol = view.getUint8(6);
  let offset = 40;
  while (IPV6_SKIPPED_HEADERS.has(protocol) && offset + 8 <= end) {
    protocol = view.getUint8(offset);
    offset += (view.getUint8(offset + 1) + 1) * 8;
  }

  return offset > end
    ? undefined
    : {
        sourceAddress: formatIPv6Bytes(bytes.subarray(8, 24)),
        destinationAddress: formatIPv6Bytes(bytes.subarray(24, 40)),
        protocol,
        payload: bytes.subarray(offset, end),
      };
}

function readTcp(ip: IpPacket): TcpSegment | undefined {
  const bytes = ip.payload;
  if (bytes.length < 20) {
    return undefined;
  }

  const view = viewOf(bytes);
  const headerLength = (view.getUint8(12) >> 4) * 4;
  if (headerLength < 20 || headerLength > bytes.length) {
    return undefined;
  }

  const flags = view.getUint8(13);
  return {
    sourceAddress: ip.sourceAddress,
    destinationAddress: ip.destinationAddress,
    sourcePort: view.getUint16(0),
    destinationPort: view.getUint16(2),
    sequence: view.getUint32(4),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    payload: bytes.subarray(headerLength),
  };
}

function formatIPv4Bytes(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** Formats an IPv6 address in the RFC 5952 form: lower case, longest zero run as `::`. */
export function formatIPv6Bytes(bytes: Uint8Array): string {
  const view = viewOf(bytes);
  const groups = Array.from({ length: 8 }, (_, i) => view.getUint16(i * 2));
  const run = longestZeroRun(groups);
  const hex = groups.map((group) => group.toString(16));
  if (run.length < 2) {
    return hex.join(':');
  }

  const head = hex.slice(0, run.start).join(':');
  const tail = hex.slice(run.start + run.length).join(':');
  return `${head}::${tail}`;
}

function longestZeroRun(groups: number[]): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = -1;
  groups.forEach((group, index) => {
    if (group !== 0) {
      start = -1;
      return;
    }

    start = start < 0 ? index : start;
    if (index - start + 1 > best.length) {
      best = { start, length: index - start + 1 };
    }
  });
  return best;
}
