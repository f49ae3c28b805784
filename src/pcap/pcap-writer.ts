// Writes the failover messages of a running peer to a classic pcap file, as Ethernet frames that
// carry IPv4 and TCP, so that Wireshark and tshark show the session as if it had been captured on
// the wire. Each connection gets a three-way handshake, data segments of at most 1460 bytes with
// running sequence and acknowledgement numbers, and a closing FIN exchange. Lengths and IPv4 and
// TCP checksums are computed; MAC addresses are fixed made-up values.

import { closeSync, openSync, writeSync } from 'node:fs';
import { isIPv4, type Socket } from 'node:net';
import type { ConnectionTap } from '../peer/connection-tap.js';

const MAGIC_MICROSECONDS = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;
/** Largest TCP payload per frame: the MSS of a 1500-byte Ethernet MTU. */
const MAX_SEGMENT = 1460;
const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const TCP_HEADER = 20;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const LOCAL_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const REMOTE_MAC = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);
const INITIAL_SEQUENCE = { client: 0x10000000, server: 0x20000000 };

/** One side of a recorded TCP connection. */
interface Side {
  address: Uint8Array;
  port: number;
  mac: Uint8Array;
  /** Sequence number of the next byte this side sends. */
  nextSequence: number;
}

export interface PcapWriterOptions {
  /** Time source in milliseconds since 1970; Date.now by default. */
  nowMs?: () => number;
}

export class PcapWriter {
  private fd: number | undefined;
  private readonly nowMs: () => number;
  private ipIdentification = 0;

  /** Creates or truncates the file and writes the pcap file header. */
  constructor(path: string, options: PcapWriterOptions = {}) {
    this.nowMs = options.nowMs ?? (() => Date.now());
    this.fd = openSync(path, 'w');
    const header = new DataView(new ArrayBuffer(24));
    header.setUint32(0, MAGIC_MICROSECONDS, true);
    header.setUint16(4, 2, true);
    header.setUint16(6, 4, true);
    header.setUint32(16, SNAPLEN, true);
    header.setUint32(20, LINKTYPE_ETHERNET, true);
    writeSync(this.fd, new Uint8Array(header.buffer));
  }

  /**
   * Returns the tap that records one connection, or undefined when either end is not IPv4, since
   * only IPv4 frames are written. `outgoing` is true when this side sent the SYN.
   */
  tap(socket: Socket, outgoing: boolean): ConnectionTap | undefined {
    const local = ipv4Of(socket.localAddress);
    const remote = ipv4Of(socket.remoteAddress);
    if (local === undefined || remote === undefined) {
      return undefined;
    }

    const us: Side = {
      address: local,
      port: socket.localPort ?? 0,
      mac: LOCAL_MAC,
      nextSequence: outgoing ? INITIAL_SEQUENCE.client : INITIAL_SEQUENCE.server,
    };
    const them: Side = {
      address: remote,
      port: socket.remotePort ?? 0,
      mac: REMOTE_MAC,
      nextSequence: outgoing ? INITIAL_SEQUENCE.server : INITIAL_SEQUENCE.client,
    };
    this.handshake(outgoing ? us : them, outgoing ? them : us);
    let open = true;
    return {
      sent: (bytes) => this.data(us, them, bytes),
      received: (bytes) => this.data(them, us, bytes),
      closed: () => {
        if (open) {
          open = false;
          this.finish(us, them);
        }
      },
    };
  }

  /** Closes the file; later taps write nothing. */
  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private handshake(client: Side, server: Side): void {
    this.segment(client, server, TCP_SYN, new Uint8Array(0), false);
    client.nextSequence += 1;
    this.segment(server, client, TCP_SYN | TCP_ACK, new Uint8Array(0));
    server.nextSequence += 1;
    this.segment(client, server, TCP_ACK, new Uint8Array(0));
  }

  private data(from: Side, to: Side, bytes: Uint8Array): void {
    for (let offset = 0; offset < bytes.length; offset += MAX_SEGMENT) {
      const payload = bytes.subarray(offset, offset + MAX_SEGMENT);
      this.segment(from, to, TCP_PSH | TCP_ACK, payload);
      from.nextSequence = (from.nextSequence + payload.length) >>> 0;
    }
  }

  private finish(us: Side, them: Side): void {
    this.segment(us, them, TCP_FIN | TCP_ACK, new Uint8Array(0));
    us.nextSequence = (us.nextSequence + 1) >>> 0;
    this.segment(them, us, TCP_FIN | TCP_ACK, new Uint8Array(0));
    them.nextSequence = (them.nextSequence + 1) >>> 0;
    this.segment(us, them, TCP_ACK, new Uint8Array(0));
  }

  /** Writes one frame from `from` to `to`; its acknowledgement number is `to`'s next byte. */
  private segment(from: Side, to: Side, flags: number, payload: Uint8Array, ack = true): void {
    if (this.fd === undefined) {
      return;
    }

    const frame = new Uint8Array(ETHERNET_HEADER + IPV4_HEADER + TCP_HEADER + payload.length);
    frame.set(to.mac, 0);
    frame.set(from.mac, 6);
    frame[12] = 0x08; // EtherType IPv4
    const ip = frame.subarray(ETHERNET_HEADER);
    this.writeIPv4Header(ip, from, to, TCP_HEADER + payload.length);
    const tcp = ip.subarray(IPV4_HEADER);
    writeTCPHeader(tcp, from, to, flags, ack ? to.nextSequence : 0);
    tcp.set(payload, TCP_HEADER);
    new DataView(tcp.buffer, tcp.byteOffset).setUint16(16, tcpChecksum(from, to, tcp));
    this.writeRecord(frame);
  }

  private writeIPv4Header(ip: Uint8Array, from: Side, to: Side, payloadLength: number): void {
    const view = new DataView(ip.buffer, ip.byteOffset, IPV4_HEADER);
    view.setUint8(0, 0x45); // version 4, header length 5 words
    view.setUint16(2, IPV4_HEADER + payloadLength);
    view.setUint16(4, this.ipIdentification);
    this.ipIdentification = (this.ipIdentification + 1) & 0xffff;
    view.setUint16(6, 0x4000); // don't fragment
    view.setUint8(8, 64); // TTL
    view.setUint8(9, 6); // protocol TCP
    ip.set(from.address, 12);
    ip.set(to.address, 16);
    view.setUint16(10, onesComplement(sum16(ip.subarray(0, IPV4_HEADER))));
  }

  private writeRecord(frame: Uint8Array): void {
    if (this.fd === undefined) {
      return;
    }

    const ms = this.nowMs();
    const record = new DataView(new ArrayBuffer(16));
    record.setUint32(0, Math.floor(ms / 1000), true);
    record.setUint32(4, Math.floor((ms % 1000) * 1000), true);
    record.setUint32(8, frame.length, true);
    record.setUint32(12, frame.length, true);
    writeSync(this.fd, new Uint8Array(record.buffer));
    writeSync(this.fd, frame);
  }
}

function writeTCPHeader(
  tcp: Uint8Array,
  from: Side,
  to: Side,
  flags: number,
  acknowledgement: number,
): void {
  const view = new DataView(tcp.buffer, tcp.byteOffset, TCP_HEADER);
  view.setUint16(0, from.port);
  view.setUint16(2, to.port);
  view.setUint32(4, from.nextSequence >>> 0);
  view.setUint32(8, acknowledgement >>> 0);
  view.setUint8(12, (TCP_HEADER / 4) << 4);
  view.setUint8(13, flags);
  view.setUint16(14, 65535); // window
}

/** TCP checksum over the IPv4 pseudo-header and the segment (RFC 793 section 3.1). */
function tcpChecksum(from: Side, to: Side, segment: Uint8Array): number {
  const pseudo = new Uint8Array(12);
  pseudo.set(from.address, 0);
  pseudo.set(to.address, 4);
  pseudo[9] = 6;
  new DataView(pseudo.buffer).setUint16(10, segment.length);
  return onesComplement(sum16(pseudo) + sum16(segment));
}

/** Sum of the big-endian 16-bit words, an odd last byte padded with zero. */
function sum16(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  }

  return sum;
}

function onesComplement(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) {
    folded = (folded & 0xffff) + Math.floor(folded / 0x10000);
  }

  return ~folded & 0xffff;
}

/** Returns the four bytes of an IPv4 address, IPv4-mapped IPv6 included, else undefined. */
function ipv4Of(address: string | undefined): Uint8Array | undefined {
  const plain = address?.startsWith('::ffff:') === true ? address.slice(7) : address;
  if (plain === undefined || !isIPv4(plain)) {
    return undefined;
  }

  return Uint8Array.from(plain.split('.').map(Number));
}
