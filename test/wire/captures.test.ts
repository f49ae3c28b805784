import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFailoverMessages, type CapturedStreamError } from '../../src/pcap/failover-capture.js';
import { checkMessage } from '../../src/wire/check-message.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';

/** Failover PDUs per capture, as tshark counts them. */
const EXPECTED_COUNTS: Record<string, number> = {
  'fo-startup-small.pcap': 54,
  'fo-startup-300.pcap': 2498,
  'fo-clients.pcap': 346,
  'fo-restart.pcap': 468,
  'fo-interrupt.pcap': 329,
  'fo-poolreq.pcap': 203,
  'fo-loadbalance.pcap': 352,
  'fo-segmented.pcap': 318,
};

const captures = sharedAvailable
  ? readdirSync(sharedPath('captures'))
      .filter((name) => name.endsWith('.pcap'))
      .sort()
  : [];

describe.skipIf(!sharedAvailable)('real dhcpd captures (need the shared captures folder)', () => {
  it('finds every capture this test knows the counts of', () => {
    expect(captures).toEqual(Object.keys(EXPECTED_COUNTS).sort());
  });

  describe.each(captures)('%s', (name) => {
    const streamErrors: CapturedStreamError[] = [];
    const messages = [
      ...readFailoverMessages(new Uint8Array(readFileSync(sharedPath('captures', name))), {
        onStreamError: (problem) => streamErrors.push(problem),
      }),
    ];

    it('yields as many messages as tshark counts, with no stream error', () => {
      expect(messages).toHaveLength(EXPECTED_COUNTS[name] ?? -1);
      expect(streamErrors).toEqual([]);
    });

    it('decodes every message and re-encodes it byte for byte', () => {
      for (const { bytes } of messages) {
        expect(encodeMessage(decodeMessage(bytes, 'isc'), 'isc')).toEqual(bytes);
      }
    });

    it('finds no broken rule once the relaxed dhcpd forms are accepted (ISC-13, ISC-14)', () => {
      const problems = messages.flatMap(({ bytes, frame }) =>
        checkMessage(decodeMessage(bytes, 'isc'), 'isc').map(
          (problem) => `frame ${frame}: ${problem.message}`,
        ),
      );

      expect(problems).toEqual([]);
    });
  });
});
