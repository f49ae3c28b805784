import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/pcap/capture-error.js';
import {
  readCapturePackets,
  readFailoverMessages,
  type CaptureReadOptions,
  type CapturedMessage,
  type CapturedStreamError,
} from '../../src/pcap/failover-capture.js';
import { ISC_BNDUPD_BYTES } from '../fixtures/wire/isc-bndupd.js';
import { ISC_CONNECT_BYTES } from '../fixtures/wire/isc-connect.js';
import { ISC_STATE_BYTES } from '../fixtures/wire/isc-state.js';
import {
  classicPcap,
  concatenate,
  ethernet,
  ipv4Segment,
  ipv6Segment,
  linuxCooked,
  pcapng,
  type PacketSpec,
  type SegmentSpec,
} from './capture-builder.js';

const CLIENT = {
  source: '10.77.0.1',
  sourcePort: 40345,
  destination: '10.77.0.2',
  destinationPort: 647,
};
const SERVER = {
  source: '10.77.0.2',
  sourcePort: 647,
  destination: '10.77.0.1',
  destinationPort: 40345,
};

/** Ethernet packets from segments, one second apart starting at 1000.5. */
function packets(segments: readonly SegmentSpec[]): PacketSpec[] {
  return segments.map((segment, index) => ({
    timestamp: 1000.5 + index,
    data: ethernet(ipv4Segment(segment)),
  }));
}

function read(
  file: Uint8Array,
  options: CaptureReadOptions = {},
): { messages: CapturedMessage[]; errors: CapturedStreamError[] } {
  const errors: CapturedStreamError[] = [];
  const messages = [
    ...readFailoverMessages(file, { ...options, onStreamError: (problem) => errors.push(problem) }),
  ];
  return { messages, errors };
}

function captureError(action: () => unknown): CaptureError {
  try {
    action();
  } catch (error) {
    if (error instanceof CaptureError) {
      return error;
    }

    throw error;
  }

  throw new Error('expected a CaptureError');
}

/** SYN at sequence 99, then the given payloads from sequence 100 on, all from the client. */
function clientStream(...payloads: Uint8Array[]): SegmentSpec[] {
  let sequence = 100;
  const segments: SegmentSpec[] = [{ ...CLIENT, sequence: 99, syn: true }];
  for (const payload of payloads) {
    segments.push({ ...CLIENT, sequence, payload });
    sequence += payload.length;
  }

  return segments;
}

const TWO_MESSAGES = clientStream(ISC_CONNECT_BYTES, ISC_STATE_BYTES);

describe('capture file formats', () => {
  it.each([
    ['little-endian microseconds', { littleEndian: true }],
    ['big-endian microseconds', { littleEndian: false }],
    ['little-endian nanoseconds', { littleEndian: true, nanoseconds: true }],
    ['big-endian nanoseconds', { littleEndian: false, nanoseconds: true }],
  ])('reads classic pcap, %s', (_name, options) => {
    const { messages } = read(classicPcap(packets(TWO_MESSAGES), options));

    expect(messages.map((message) => message.bytes)).toEqual([ISC_CONNECT_BYTES, ISC_STATE_BYTES]);
    expect(messages.map((message) => [message.frame, message.timestamp])).toEqual([
      [2, 1001.5],
      [3, 1002.5],
    ]);
  });

  it.each([
    ['little-endian, default resolution', { littleEndian: true }],
    ['big-endian, nanoseconds', { littleEndian: false, resolution: 9 }],
    ['little-endian, 2^-20 s', { littleEndian: true, resolution: 0x80 | 20 }],
  ])('reads pcapng enhanced packet blocks, %s', (_name, options) => {
    const { messages } = read(pcapng(packets(TWO_MESSAGES), options));

    expect(
      messages.map((message) => [message.frame, message.timestamp, message.bytes.length]),
    ).toEqual([
      [2, 1001.5, 104],
      [3, 1002.5, 30],
    ]);
  });

  it('reads pcapng simple packet blocks, which carry no timestamp', () => {
    const { messages } = read(pcapng(packets(TWO_MESSAGES), { littleEndian: false, simple: true }));

    expect(messages.map((message) => [message.frame, message.timestamp])).toEqual([
      [2, 0],
      [3, 0],
    ]);
  });

  it('reads Linux cooked captures and VLAN-tagged Ethernet', () => {
    const cooked = TWO_MESSAGES.map((segment, index) => ({
      timestamp: index,
      data: linuxCooked(ipv4Segment(segment)),
    }));
    const tagged = TWO_MESSAGES.map((segment, index) => ({
      timestamp: index,
      data: ethernet(ipv4Segment(segment), 0x0800, 7),
    }));

    expect(read(classicPcap(cooked, { littleEndian: true, linkType: 113 })).messages).toHaveLength(
      2,
    );
    expect(read(classicPcap(tagged, { littleEndian: true })).messages).toHaveLength(2);
  });

  it('reads TCP over IPv6 and brackets IPv6 endpoints', () => {
    const client = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1);
    const server = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 2);
    const data = TWO_MESSAGES.map((segment, index) => ({
      timestamp: index,
      data: ethernet(ipv6Segment(segment, client, server), 0x86dd),
    }));
    const { messages } = read(classicPcap(data, { littleEndian: true }));

    expect(messages.map((message) => `${message.source} ${message.destination}`)).toEqual([
      '[2001:db8::1]:40345 [2001:db8::2]:647',
      '[2001:db8::1]:40345 [2001:db8::2]:647',
    ]);
  });

  it('lists every packet of a file with its link type', () => {
    const listed = [
      ...readCapturePackets(
        classicPcap(packets(TWO_MESSAGES), { littleEndian: true, linkType: 1 }),
      ),
    ];

    expect(listed.map((packet) => [packet.frame, packet.linkType, packet.fileOffset])).toEqual([
      [1, 1, 24],
      [2, 1, 24 + 16 + 54],
      [3, 1, 24 + 16 + 54 + 16 + 158],
    ]);
  });
});

describe('malformed capture files', () => {
  it('rejects a file with an unknown magic number, naming offset 0', () => {
    const error = captureError(() => [...readCapturePackets(Uint8Array.of(1, 2, 3, 4, 5))]);

    expect(error.code).toBe('FO_ERR_CAPTURE_FORMAT');
    expect(error.offset).toBe(0);
    expect(error.message).toBe(
      'capture file starts with 01 02 03 04, expected a pcap or pcapng magic number at file offset 0',
    );
  });

  it('rejects a classic pcap record cut short, naming its offset', () => {
    const file = classicPcap(packets(TWO_MESSAGES), { littleEndian: true });
    const error = captureError(() => [...readCapturePackets(file.subarray(0, file.length - 5))]);

    expect(error.code).toBe('FO_ERR_CAPTURE_TRUNCATED');
    expect(error.offset).toBe(24 + 16 + 54 + 16 + 158);
    expect(error.message).toBe(
      `pcap record at file offset ${error.offset} needs 100 bytes, but only 95 remain`,
    );
  });

  it('rejects a classic pcap header cut short', () => {
    const error = captureError(() => [
      ...readCapturePackets(Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0)),
    ]);

    expect(error.code).toBe('FO_ERR_CAPTURE_TRUNCATED');
    expect(error.offset).toBe(0);
  });

  it('rejects a pcapng block whose trailing length differs, naming the block offset', () => {
    const file = pcapng(packets(TWO_MESSAGES.slice(0, 1)), { littleEndian: true });
    const broken = Uint8Array.from(file);
    broken[broken.length - 4] = 0xff;
    const error = captureError(() => [...readCapturePackets(broken)]);

    expect(error.code).toBe('FO_ERR_CAPTURE_FORMAT');
    expect(error.message).toMatch(
      /^pcapng block trailing length \d+, expected \d+ at file offset \d+$/,
    );
    expect(error.offset).toBeGreaterThan(0);
  });

  it('rejects a pcapng packet for an interface that was never described', () => {
    const file = pcapng(packets(TWO_MESSAGES.slice(0, 1)), { littleEndian: true });
    const withoutInterface = concatenate([file.subarray(0, 28 + 16), file.subarray(28 + 16 + 20)]);
    const error = captureError(() => [...readCapturePackets(withoutInterface)]);

    expect(error.message).toContain('names interface 0, but only 0 are described');
  });
});

describe('TCP reassembly', () => {
  it('joins a message split over several segments and reports the completing frame', () => {
    const { messages } = read(
      classicPcap(
        packets(
          clientStream(
            ISC_CONNECT_BYTES.subarray(0, 1),
            ISC_CONNECT_BYTES.subarray(1, 60),
            ISC_CONNECT_BYTES.subarray(60),
          ),
        ),
        {
          littleEndian: true,
        },
      ),
    );

    expect(messages.map((message) => [message.frame, message.bytes])).toEqual([
      [4, ISC_CONNECT_BYTES],
    ]);
  });

  it('splits a segment holding 21 messages', () => {
    const burst = concatenate(Array.from({ length: 21 }, () => ISC_STATE_BYTES));
    const { messages } = read(classicPcap(packets(clientStream(burst)), { littleEndian: true }));

    expect(messages).toHaveLength(21);
    expect(new Set(messages.map((message) => message.frame))).toEqual(new Set([2]));
  });

  it('orders segments by sequence number when they arrive out of order', () => {
    const [syn, first, second] = clientStream(ISC_CONNECT_BYTES, ISC_STATE_BYTES);
    const { messages } = read(
      classicPcap(packets([syn!, second!, first!]), { littleEndian: true }),
    );

    expect(messages.map((message) => [message.frame, message.bytes.length])).toEqual([
      [3, 104],
      [3, 30],
    ]);
  });

  it('drops retransmitted and overlapping bytes', () => {
    const segments = clientStream(ISC_CONNECT_BYTES, ISC_STATE_BYTES);
    const overlap = {
      ...CLIENT,
      sequence: 150,
      payload: concatenate([ISC_CONNECT_BYTES.subarray(50), ISC_STATE_BYTES]),
    };
    const { messages } = read(
      classicPcap(packets([segments[0]!, segments[1]!, segments[1]!, overlap, segments[2]!]), {
        littleEndian: true,
      }),
    );

    expect(messages.map((message) => message.bytes)).toEqual([ISC_CONNECT_BYTES, ISC_STATE_BYTES]);
  });

  it('follows both directions of a connection separately', () => {
    const reply = { ...SERVER, sequence: 5000, payload: ISC_BNDUPD_BYTES };
    const [syn, first, second] = clientStream(
      ISC_CONNECT_BYTES.subarray(0, 50),
      ISC_CONNECT_BYTES.subarray(50),
    );
    const { messages } = read(
      classicPcap(packets([syn!, first!, reply, second!]), { littleEndian: true }),
    );

    expect(
      messages.map((message) => [message.frame, message.source, message.bytes.length]),
    ).toEqual([
      [3, '10.77.0.2:647', 79],
      [4, '10.77.0.1:40345', 104],
    ]);
  });

  it('wraps sequence numbers around 2^32', () => {
    const start = 0xffffffff - 40;
    const segments = [
      { ...CLIENT, sequence: start - 1, syn: true },
      { ...CLIENT, sequence: start, payload: ISC_CONNECT_BYTES.subarray(0, 80) },
      { ...CLIENT, sequence: (start + 80) >>> 0, payload: ISC_CONNECT_BYTES.subarray(80) },
    ];

    expect(read(classicPcap(packets(segments), { littleEndian: true })).messages).toHaveLength(1);
  });

  it('ignores other ports unless asked, and reads a chosen port', () => {
    const segments = clientStream(ISC_STATE_BYTES).map((segment) => ({
      ...segment,
      destinationPort: 7911,
    }));
    const file = classicPcap(packets(segments), { littleEndian: true });

    expect(read(file).messages).toHaveLength(0);
    expect(read(file, { port: 7911 }).messages).toHaveLength(1);
  });

  it('skips IP fragments', () => {
    const fragment = {
      timestamp: 1,
      data: ethernet(ipv4Segment({ ...CLIENT, sequence: 100, payload: ISC_STATE_BYTES }, true)),
    };

    expect(read(classicPcap([fragment], { littleEndian: true })).messages).toHaveLength(0);
  });

  it('restarts the stream on a new SYN', () => {
    const cut = clientStream(ISC_CONNECT_BYTES.subarray(0, 20));
    const again = clientStream(ISC_STATE_BYTES).map((segment) => ({
      ...segment,
      sequence: segment.sequence + 7000,
    }));
    const { messages, errors } = read(
      classicPcap(packets([...cut, ...again]), { littleEndian: true }),
    );

    expect(messages.map((message) => message.bytes)).toEqual([ISC_STATE_BYTES]);
    expect(errors.map((problem) => [problem.error.code, problem.error.message])).toEqual([
      [
        'FO_ERR_STREAM_INCOMPLETE',
        'stream ends with 20 bytes that do not complete a message at stream offset 0',
      ],
    ]);
  });

  it('reports a bad length field and stops that direction only', () => {
    const bad = Uint8Array.of(0x00, 0x05, 0x03, 0x0c);
    const segments = [
      ...clientStream(ISC_STATE_BYTES, bad, ISC_STATE_BYTES),
      { ...SERVER, sequence: 1, payload: ISC_BNDUPD_BYTES },
    ];
    const { messages, errors } = read(classicPcap(packets(segments), { littleEndian: true }));

    expect(messages.map((message) => message.bytes.length)).toEqual([30, 79]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      frame: 3,
      source: '10.77.0.1:40345',
      destination: '10.77.0.2:647',
    });
    expect(errors[0]?.error).toMatchObject({
      code: 'FO_ERR_MESSAGE_LENGTH',
      offset: 30,
      messageType: 3,
    });
  });
});
