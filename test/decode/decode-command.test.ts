import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  registerDecodeCommand,
  runDecode,
  type DecodeCommandOptions,
} from '../../src/cli/decode.js';
import { toHex } from '../../src/wire/describe.js';
import { ISC_BNDUPD_BYTES } from '../fixtures/wire/isc-bndupd.js';
import { ISC_STATE_BYTES } from '../fixtures/wire/isc-state.js';
import { MS_BNDUPD_BYTES } from '../fixtures/wire/microsoft.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';
import { classicPcap, concatenate, ethernet, ipv4Segment } from './capture-builder.js';

const workDir = mkdtempSync(join(tmpdir(), 'dhcpf-decode-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

async function decode(file: string | undefined, options: DecodeCommandOptions) {
  const out: string[] = [];
  const error: string[] = [];
  const status = await runDecode(file, options, {
    out: (line) => out.push(line),
    error: (line) => error.push(line),
  });
  return { status, out, error };
}

/** A STATE whose first option is coded start-time-of-state (25) but keeps the 1-byte length. */
const BROKEN_STATE = Uint8Array.from(ISC_STATE_BYTES);
BROKEN_STATE[13] = 0x19;

function writeCapture(name: string, payloads: Uint8Array[]): string {
  let sequence = 100;
  const segments = [
    { sequence: 99, syn: true },
    ...payloads.map((payload) => {
      const segment = { sequence, payload };
      sequence += payload.length;
      return segment;
    }),
  ];
  const file = join(workDir, name);
  writeFileSync(
    file,
    classicPcap(
      segments.map((segment, index) => ({
        timestamp: 1796399501.25 + index,
        data: ethernet(ipv4Segment(segment)),
      })),
      { littleEndian: true },
    ),
  );
  return file;
}

describe('dhcpf decode', () => {
  it('prints frame, time, endpoints, type, xid and every option of a capture message', async () => {
    const { status, out } = await decode(writeCapture('one.pcap', [ISC_STATE_BYTES]), {});

    expect(status).toBe(0);
    expect(out).toEqual([
      '2 2026-12-04T15:51:42.250000Z 10.0.0.1:40000 → 10.0.0.2:647 STATE xid=13 time=1796399501(2026-12-04T15:51:41Z) server-state=NORMAL(2) server-flags=0 start-time-of-state=1796399501(2026-12-04T15:51:41Z)',
    ]);
  });

  it('prints one JSON object per message with byte strings as hex', async () => {
    const { status, out } = await decode(writeCapture('json.pcap', [ISC_BNDUPD_BYTES]), {
      json: true,
    });
    const [line] = out.map(
      (text) =>
        JSON.parse(text) as {
          frame: number;
          message: { typeName: string; options: { name: string; value: unknown }[] };
        },
    );

    expect(status).toBe(0);
    expect(line?.frame).toBe(2);
    expect(line?.message.typeName).toBe('BNDUPD');
    expect(line?.message.options.find((entry) => entry.name === 'client-identifier')?.value).toBe(
      '01020000000000',
    );
    expect(
      line?.message.options.find((entry) => entry.name === 'client-hardware-address')?.value,
    ).toEqual({ htype: 1, chaddr: '020000000000' });
  });

  it('prints a decode error and continues', async () => {
    const { status, out } = await decode(
      writeCapture('bad.pcap', [BROKEN_STATE, ISC_STATE_BYTES]),
      {},
    );

    expect(status).toBe(1);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(
      '2 2026-12-04T15:51:42.250000Z 10.0.0.1:40000 → 10.0.0.2:647 error FO_ERR_OPTION_LENGTH: ' +
        'STATE start-time-of-state length 1, expected 4 at offset 12 ' +
        '[message type 10 (STATE), option 25 (start-time-of-state)]',
    );
    expect(out[1]).toContain('STATE xid=13');
  });

  it('reports a stream with a bad length field and exits 1', async () => {
    const { status, out } = await decode(
      writeCapture('framing.pcap', [ISC_STATE_BYTES, Uint8Array.of(0x10, 0x00, 0x0a, 0x0c)]),
      { json: true },
    );

    expect(status).toBe(1);
    expect(JSON.parse(out[1] ?? '{}')).toMatchObject({
      frame: 3,
      error: { code: 'FO_ERR_MESSAGE_LENGTH', messageType: 10, offset: 30 },
    });
  });

  it('decodes several messages given as hex', async () => {
    const hex =
      `${toHex(ISC_STATE_BYTES)} ${toHex(ISC_BNDUPD_BYTES).replace(/(..)/g, '$1:')}`.replace(
        /:$/,
        '',
      );
    const { status, out } = await decode(undefined, { hex });

    expect(status).toBe(0);
    expect(out.map((line) => line.split(' ')[0])).toEqual(['STATE', 'BNDUPD']);
  });

  it('decodes hex in the microsoft profile', async () => {
    const { status, out } = await decode(undefined, {
      hex: toHex(MS_BNDUPD_BYTES),
      profile: 'microsoft',
    });

    expect(status).toBe(0);
    expect(out[0]).toContain('ms-client-name="clnt0.contoso.com"');
    expect(out[0]).toContain('client-hardware-address=scope:192.168.1.0/1/00:15:5d:01:02:03');
  });

  it('reports hex that ends inside a message and exits 1', async () => {
    const { status, out } = await decode(undefined, {
      hex: toHex(ISC_STATE_BYTES.subarray(0, 20)),
    });

    expect(status).toBe(1);
    expect(out).toEqual([
      'error FO_ERR_MESSAGE_LENGTH: hex input ends with 20 bytes of an incomplete message at offset 0',
    ]);
  });

  it.each([
    [undefined, {}, 'missing input: give a capture FILE or --hex HEX'],
    ['x.pcap', { hex: '00' }, 'too many inputs: give a capture FILE or --hex HEX, not both'],
    [undefined, { hex: '0g' }, 'invalid --hex value: non-hex characters'],
    [undefined, { hex: '001' }, 'invalid --hex value: an odd number (3) of hex digits'],
    [
      undefined,
      { hex: '00', profile: 'windows' },
      'invalid --profile "windows", expected isc or microsoft',
    ],
    [
      undefined,
      { hex: '00', port: '70000' },
      'invalid --port "70000", expected a TCP port 1-65535',
    ],
  ])('exits 2 with a clear message for file %s and options %o', async (file, options, message) => {
    const { status, out, error } = await decode(file, options);

    expect(status).toBe(2);
    expect(out).toEqual([]);
    expect(error).toEqual([`dhcpf decode: ${message}`]);
  });

  it('exits 2 naming a missing capture file', async () => {
    const missing = join(workDir, 'missing.pcap');
    const { status, error } = await decode(missing, {});

    expect(status).toBe(2);
    expect(error[0]).toMatch(
      new RegExp(`^dhcpf decode: cannot read capture file ${missing}: ENOENT`),
    );
  });

  it('exits 2 on a malformed capture file', async () => {
    const file = join(workDir, 'cut.pcap');
    const good = classicPcap(
      [{ timestamp: 1, data: ethernet(ipv4Segment({ sequence: 1, payload: ISC_STATE_BYTES })) }],
      { littleEndian: true },
    );
    writeFileSync(file, concatenate([good, Uint8Array.of(1, 2, 3)]));
    const { status, out, error } = await decode(file, {});

    expect(status).toBe(2);
    expect(out).toHaveLength(1);
    expect(error).toEqual([
      `dhcpf decode: invalid capture file ${file}: pcap record header at file offset ${good.length} needs 16 bytes, but only 3 remain`,
    ]);
  });

  it('names the file when it is not a capture', async () => {
    const file = join(workDir, 'text.pcap');
    writeFileSync(file, 'hello\n');
    const { status, error } = await decode(file, {});

    expect(status).toBe(2);
    expect(error).toEqual([
      `dhcpf decode: invalid capture file ${file}: capture file starts with 68 65 6c 6c, expected a pcap or pcapng magic number at file offset 0`,
    ]);
  });

  it('lists the TCP ports when none is the failover port', async () => {
    const file = join(workDir, 'other-port.pcap');
    writeFileSync(
      file,
      classicPcap(
        [
          { sequence: 99, syn: true },
          { sequence: 100, payload: ISC_STATE_BYTES },
        ].map((segment, index) => ({
          timestamp: 1796399501 + index,
          data: ethernet(ipv4Segment({ ...segment, sourcePort: 51000, destinationPort: 16647 })),
        })),
        { littleEndian: true },
      ),
    );
    const { status, out, error } = await decode(file, {});

    expect(status).toBe(1);
    expect(out).toEqual([]);
    expect(error).toEqual([
      `dhcpf decode: no failover messages on TCP port 647 in ${file}; it has TCP traffic on port 16647, try --port 16647`,
    ]);
    expect((await decode(file, { port: '16647' })).out).toHaveLength(1);
  });

  it('reports a capture without TCP traffic', async () => {
    const file = join(workDir, 'empty.pcap');
    writeFileSync(file, classicPcap([], { littleEndian: true }));
    const { status, error } = await decode(file, {});

    expect(status).toBe(1);
    expect(error).toEqual([
      `dhcpf decode: no failover messages on TCP port 647 in ${file}; it has no other TCP traffic`,
    ]);
  });

  it.skipIf(!sharedAvailable)(
    'decodes all 54 messages of a real capture (needs the shared captures)',
    async () => {
      const { status, out } = await decode(sharedPath('captures', 'fo-startup-small.pcap'), {});

      expect(status).toBe(0);
      expect(out).toHaveLength(54);
      expect(out[0]).toMatch(
        /^6 2026-12-04T15:51:41\.406718Z 10\.77\.0\.1:\d+ → 10\.77\.0\.2:647 CONNECT xid=0 /,
      );
    },
  );

  it('registers the decode subcommand with its options', () => {
    const program = new Command();
    registerDecodeCommand(program);
    const command = program.commands.find((candidate) => candidate.name() === 'decode');

    expect(command?.options.map((entry) => entry.long)).toEqual([
      '--hex',
      '--json',
      '--profile',
      '--port',
    ]);
  });
});
