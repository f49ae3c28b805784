// Builds small capture files byte by byte for the pcap reader tests: TCP over IPv4 or IPv6 in
// Ethernet or Linux cooked frames, stored as classic pcap or pcapng in either byte order.

export interface SegmentSpec {
  source?: string;
  destination?: string;
  sourcePort?: number;
  destinationPort?: number;
  sequence: number;
  syn?: boolean;
  payload?: Uint8Array;
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }

  return joined;
}

function tcpHeader(spec: SegmentSpec): Uint8Array {
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  view.setUint16(0, spec.sourcePort ?? 40000);
  view.setUint16(2, spec.destinationPort ?? 647);
  view.setUint32(4, spec.sequence >>> 0);
  view.setUint8(12, 5 << 4);
  view.setUint8(13, spec.syn === true ? 0x02 : 0x18);
  view.setUint16(14, 65535);
  return header;
}

/** An IPv4 packet holding one TCP segment; `fragment` sets the more-fragments flag. */
export function ipv4Segment(spec: SegmentSpec, fragment = false): Uint8Array {
  const tcp = concatenate([tcpHeader(spec), spec.payload ?? new Uint8Array(0)]);
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, 20 + tcp.length);
  view.setUint16(6, fragment ? 0x2000 : 0x4000);
  view.setUint8(8, 64);
  view.setUint8(9, 6);
  header.set((spec.source ?? '10.0.0.1').split('.').map(Number), 12);
  header.set((spec.destination ?? '10.0.0.2').split('.').map(Number), 16);
  return concatenate([header, tcp]);
}

/** An IPv6 packet holding one TCP segment after a hop-by-hop options header. */
export function ipv6Segment(
  spec: SegmentSpec,
  source: Uint8Array,
  destination: Uint8Array,
): Uint8Array {
  const tcp = concatenate([tcpHeader(spec), spec.payload ?? new Uint8Array(0)]);
  const hopByHop = Uint8Array.of(6, 0, 1, 4, 0, 0, 0, 0);
  const header = new Uint8Array(40);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x60000000);
  view.setUint16(4, hopByHop.length + tcp.length);
  view.setUint8(6, 0);
  view.setUint8(7, 64);
  header.set(source, 8);
  header.set(destination, 24);
  return concatenate([header, hopByHop, tcp]);
}

/** An Ethernet II frame, with an 802.1Q tag when `vlan` is set. */
export function ethernet(packet: Uint8Array, etherType = 0x0800, vlan?: number): Uint8Array {
  const macs = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
  const tag =
    vlan === undefined ? new Uint8Array(0) : Uint8Array.of(0x81, 0x00, vlan >> 8, vlan & 0xff);
  return concatenate([macs, tag, Uint8Array.of(etherType >> 8, etherType & 0xff), packet]);
}

/** A Linux cooked capture (SLL) frame. */
export function linuxCooked(packet: Uint8Array, etherType = 0x0800): Uint8Array {
  const header = new Uint8Array(16);
  new DataView(header.buffer).setUint16(14, etherType);
  return concatenate([header, packet]);
}

export interface PacketSpec {
  /** Seconds since 1970, with a fraction. */
  timestamp: number;
  data: Uint8Array;
}

interface FileOptions {
  littleEndian: boolean;
  linkType?: number;
}

/** A classic pcap file with microsecond or nanosecond timestamps. */
export function classicPcap(
  packets: readonly PacketSpec[],
  options: FileOptions & { nanoseconds?: boolean },
): Uint8Array {
  const le = options.littleEndian;
  const units = options.nanoseconds === true ? 1e9 : 1e6;
  const header = new Uint8Array(24);
  const view = new DataView(header.buffer);
  view.setUint32(0, options.nanoseconds === true ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, 262144, le);
  view.setUint32(20, options.linkType ?? 1, le);
  const records = packets.map((packet) => {
    const record = new Uint8Array(16);
    const recordView = new DataView(record.buffer);
    const seconds = Math.floor(packet.timestamp);
    recordView.setUint32(0, seconds, le);
    recordView.setUint32(4, Math.round((packet.timestamp - seconds) * units), le);
    recordView.setUint32(8, packet.data.length, le);
    recordView.setUint32(12, packet.data.length, le);
    return concatenate([record, packet.data]);
  });
  return concatenate([header, ...records]);
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = new Uint8Array(Math.ceil(body.length / 4) * 4);
  padded.set(body);
  const length = 12 + padded.length;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, le);
  view.setUint32(4, length, le);
  bytes.set(padded, 8);
  view.setUint32(length - 4, length, le);
  return bytes;
}

function sectionHeader(le: boolean): Uint8Array {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  view.setUint32(0, 0x1a2b3c4d, le);
  view.setUint16(4, 1, le);
  view.setBigInt64(8, -1n, le);
  return block(0x0a0d0d0a, body, le);
}

/** An interface description; `resolution` is the if_tsresol byte (6 = microseconds by default). */
function interfaceDescription(le: boolean, linkType: number, resolution?: number): Uint8Array {
  const options =
    resolution === undefined
      ? new Uint8Array(0)
      : Uint8Array.of(...u16(9, le), ...u16(1, le), resolution, 0, 0, 0, 0, 0, 0, 0);
  const body = new Uint8Array(8 + options.length);
  const view = new DataView(body.buffer);
  view.setUint16(0, linkType, le);
  view.setUint32(4, 0, le);
  body.set(options, 8);
  return block(1, body, le);
}

function u16(value: number, le: boolean): number[] {
  return le ? [value & 0xff, value >> 8] : [value >> 8, value & 0xff];
}

function enhancedPacket(packet: PacketSpec, le: boolean, unitsPerSecond: bigint): Uint8Array {
  const body = new Uint8Array(20 + packet.data.length);
  const view = new DataView(body.buffer);
  const seconds = BigInt(Math.floor(packet.timestamp));
  const fraction = BigInt(Math.round((packet.timestamp - Math.floor(packet.timestamp)) * 1e6));
  const units = seconds * unitsPerSecond + (fraction * unitsPerSecond) / 1_000_000n;
  view.setUint32(4, Number(units >> 32n), le);
  view.setUint32(8, Number(units & 0xffffffffn), le);
  view.setUint32(12, packet.data.length, le);
  view.setUint32(16, packet.data.length, le);
  body.set(packet.data, 20);
  return block(6, body, le);
}

function simplePacket(packet: PacketSpec, le: boolean): Uint8Array {
  const body = new Uint8Array(4 + packet.data.length);
  new DataView(body.buffer).setUint32(0, packet.data.length, le);
  body.set(packet.data, 4);
  return block(3, body, le);
}

/**
 * A pcapng file with one interface. `resolution` is its if_tsresol byte; `simple` stores the
 * packets as Simple Packet Blocks, which have no timestamps; an unknown block comes first.
 */
export function pcapng(
  packets: readonly PacketSpec[],
  options: FileOptions & { resolution?: number; simple?: boolean },
): Uint8Array {
  const le = options.littleEndian;
  const resolution = options.resolution ?? 6;
  const unitsPerSecond =
    (resolution & 0x80) !== 0 ? 2n ** BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
  const blocks = packets.map((packet) =>
    options.simple === true ? simplePacket(packet, le) : enhancedPacket(packet, le, unitsPerSecond),
  );
  const unknown = block(0x0bad, Uint8Array.of(1, 2, 3), le);
  return concatenate([
    sectionHeader(le),
    unknown,
    interfaceDescription(le, options.linkType ?? 1, options.resolution),
    ...blocks,
  ]);
}

export { concatenate };
