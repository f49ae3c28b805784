// Reads the failover messages out of a capture file: every TCP connection with the failover port
// on one end, reassembled per direction and split into messages.

import { DecodeError } from '../errors.js';
import { isClassicPcap, readClassicPcap } from './pcap-classic.js';
import { isPcapng, readPcapng } from './pcapng.js';
import { CaptureError } from './capture-error.js';
import type { CapturedPacket } from './captured-packet.js';
import { tcpSegmentOf, type TcpSegment } from './tcp-segment.js';
import { TcpStream } from './tcp-stream.js';

/** The TCP port of the failover protocol (draft-12 section 8.2). */
export const FAILOVER_PORT = 647;

/** One failover message as it crossed the wire, not yet decoded. */
export interface CapturedMessage {
  /** Frame that completed the message (its last byte arrived in it), numbered from 1. */
  frame: number;
  /** Capture time of that frame, seconds since 1970. */
  timestamp: number;
  /** `address:port` of the sender; IPv6 addresses are bracketed. */
  source: string;
  destination: string;
  bytes: Uint8Array;
}

/** A stream that could not be split into messages: a bad length field, or a message cut off. */
export interface CapturedStreamError {
  frame: number;
  timestamp: number;
  source: string;
  destination: string;
  error: DecodeError;
}

export interface CaptureReadOptions {
  /** TCP port that identifies failover connections on either end; 647 unless set. */
  port?: number;
  /** Receives stream errors in capture order, between the messages around them. */
  onStreamError?: (problem: CapturedStreamError) => void;
}

/** Yields the packets of a classic pcap or pcapng file; raises CaptureError for other content. */
export function readCapturePackets(bytes: Uint8Array): Generator<CapturedPacket> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isClassicPcap(view)) {
    return readClassicPcap(bytes);
  }

  if (isPcapng(view)) {
    return readPcapng(bytes);
  }

  const found = Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, '0')).join(
    ' ',
  );
  throw new CaptureError(
    'FO_ERR_CAPTURE_FORMAT',
    `capture file starts with ${found || 'no bytes'}, expected a pcap or pcapng magic number at file offset 0`,
    0,
  );
}

function endpointOf(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

interface StreamEntry {
  stream: TcpStream;
  source: string;
  destination: string;
  lastFrame: number;
  lastTimestamp: number;
}

/**
 * Yields every failover message of a capture in the order its last byte was captured. Raises
 * CaptureError when the file itself is malformed; stream problems go to `onStreamError`.
 */
export function* readFailoverMessages(
  bytes: Uint8Array,
  options: CaptureReadOptions = {},
): Generator<CapturedMessage> {
  const port = options.port ?? FAILOVER_PORT;
  const streams = new Map<string, StreamEntry>();
  for (const packet of readCapturePackets(bytes)) {
    const segment = tcpSegmentOf(packet);
    if (
      segment === undefined ||
      (segment.sourcePort !== port && segment.destinationPort !== port)
    ) {
      continue;
    }

    const entry = streamFor(streams, segment, packet, options);
    const result = entry.stream.accept(segment);
    entry.lastFrame = packet.frame;
    entry.lastTimestamp = packet.timestamp;
    for (const frame of result.frames) {
      const { source, destination } = entry;
      yield { frame: packet.frame, timestamp: packet.timestamp, source, destination, bytes: frame };
    }

    if (result.error !== undefined) {
      reportStreamError(options, entry, result.error);
    }
  }

  for (const entry of streams.values()) {
    reportIncomplete(options, entry);
  }
}

/** Returns the stream of a segment's direction, starting a new one when a SYN opens a connection. */
function streamFor(
  streams: Map<string, StreamEntry>,
  segment: TcpSegment,
  packet: CapturedPacket,
  options: CaptureReadOptions,
): StreamEntry {
  const source = endpointOf(segment.sourceAddress, segment.sourcePort);
  const destination = endpointOf(segment.destinationAddress, segment.destinationPort);
  const key = `${source}>${destination}`;
  const existing = streams.get(key);
  if (existing !== undefined && !existing.stream.isNewConnection(segment)) {
    return existing;
  }

  if (existing !== undefined) {
    reportIncomplete(options, existing);
  }

  const entry = {
    stream: new TcpStream(),
    source,
    destination,
    lastFrame: packet.frame,
    lastTimestamp: packet.timestamp,
  };
  streams.set(key, entry);
  return entry;
}

function reportStreamError(
  options: CaptureReadOptions,
  entry: StreamEntry,
  error: DecodeError,
): void {
  options.onStreamError?.({
    frame: entry.lastFrame,
    timestamp: entry.lastTimestamp,
    source: entry.source,
    destination: entry.destination,
    error,
  });
}

/** Reports the bytes of a stream that never completed a message (a cut-off message or a gap). */
function reportIncomplete(options: CaptureReadOptions, entry: StreamEntry): void {
  const length = entry.stream.incompleteLength;
  if (length === 0) {
    return;
  }

  const offset = entry.stream.incompleteOffset;
  const error = new DecodeError(
    'FO_ERR_STREAM_INCOMPLETE',
    `stream ends with ${length} bytes that do not complete a message at stream offset ${offset}`,
    { offset },
  );
  reportStreamError(options, entry, error);
}
