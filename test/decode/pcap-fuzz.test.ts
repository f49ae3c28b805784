import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { CaptureError } from '../../src/pcap/capture-error.js';
import { readFailoverMessages } from '../../src/pcap/failover-capture.js';
import { ISC_BNDUPD_BYTES } from '../fixtures/wire/isc-bndupd.js';
import { ISC_STATE_BYTES } from '../fixtures/wire/isc-state.js';
import { classicPcap, ethernet, ipv4Segment, linuxCooked, pcapng } from './capture-builder.js';

const segments = [
  { sequence: 99, syn: true },
  { sequence: 100, payload: ISC_STATE_BYTES },
  { sequence: 130, payload: ISC_BNDUPD_BYTES },
];
const ethernetPackets = segments.map((segment, index) => ({
  timestamp: index,
  data: ethernet(ipv4Segment(segment)),
}));
const cookedPackets = segments.map((segment, index) => ({
  timestamp: index,
  data: linuxCooked(ipv4Segment(segment)),
}));

const files = fc.constantFrom(
  classicPcap(ethernetPackets, { littleEndian: true }),
  classicPcap(cookedPackets, { littleEndian: false, linkType: 113, nanoseconds: true }),
  pcapng(ethernetPackets, { littleEndian: true, resolution: 9 }),
  pcapng(ethernetPackets, { littleEndian: false, simple: true }),
);

/** Overwrites up to 6 bytes and sometimes cuts the file short. */
const mutatedFiles = fc
  .tuple(
    files,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0xff })), { maxLength: 6 }),
    fc.nat(),
  )
  .map(([file, edits, cut]) => {
    const copy = Uint8Array.from(file);
    for (const [position, value] of edits) {
      copy[position % copy.length] = value;
    }

    return cut % 4 === 0 ? copy.subarray(0, cut % copy.length) : copy;
  });

describe('reading damaged capture files', () => {
  test.prop([mutatedFiles], { numRuns: 2000 })(
    'raises only CaptureError, naming an offset inside the file',
    (file) => {
      try {
        Array.from(readFailoverMessages(file, { onStreamError: () => undefined }));
      } catch (error) {
        expect(error).toBeInstanceOf(CaptureError);
        expect((error as CaptureError).offset).toBeLessThanOrEqual(file.length);
      }
    },
  );
});
