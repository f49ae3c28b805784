// Compares our decoding of every capture with Wireshark's dhcpfo dissector, message by message.
// Known differences of tshark 4.0 are allowed for: it swaps the labels (not the numbers) of types
// 7 and 9, prints server-state 254 as unknown, and cuts client-identifier at its first NUL byte.

import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readFailoverMessages } from '../../src/pcap/failover-capture.js';
import { decodeMessage } from '../../src/wire/message.js';
import type { FailoverMessage, FailoverOption } from '../../src/wire/types.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';

const run = promisify(execFile);
const tsharkAvailable = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const captures = sharedAvailable
  ? readdirSync(sharedPath('captures')).filter((name) => name.endsWith('.pcap'))
  : [];

type Fields = Record<string, unknown>;

/** One failover PDU as tshark shows it, flattened to the fields this test compares. */
interface TsharkMessage {
  frame: number;
  source: string;
  destination: string;
  header: Record<string, string>;
  options: Fields[];
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }

  return Array.isArray(value) ? value : [value];
}

function field(fields: Fields, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses tshark's absolute time, "Dec  4, 2026 15:51:41.000000000 UTC", to seconds. */
function parseTsharkTime(text: string): number {
  const match = /^(\w{3})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.\d+ UTC$/.exec(text);
  if (match === null) {
    throw new Error(`unexpected tshark time "${text}"`);
  }

  const [, month, day, year, hours, minutes, seconds] = match;
  return (
    Date.UTC(
      Number(year),
      MONTHS.indexOf(month ?? ''),
      Number(day),
      Number(hours),
      Number(minutes),
      Number(seconds),
    ) / 1000
  );
}

async function tsharkMessages(file: string): Promise<TsharkMessage[]> {
  const args = ['-r', file, '-o', 'tcp.reassemble_out_of_order:TRUE', '-d', 'tcp.port==647,dhcpfo'];
  const { stdout } = await run(
    'tshark',
    [...args, '-Y', 'dhcpfo', '-T', 'json', '--no-duplicate-keys', '-J', 'frame ip tcp dhcpfo'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const packets = JSON.parse(stdout) as { _source: { layers: Record<string, Fields> } }[];
  return packets.flatMap(({ _source: { layers } }) => {
    const { frame = {}, ip = {}, tcp = {} } = layers;
    const source = `${field(ip, 'ip.src')}:${field(tcp, 'tcp.srcport')}`;
    const destination = `${field(ip, 'ip.dst')}:${field(tcp, 'tcp.dstport')}`;
    return asArray(layers['dhcpfo'] as Fields | Fields[] | undefined).map((pdu) => ({
      frame: Number(field(frame, 'frame.number')),
      source,
      destination,
      header: {
        length: field(pdu, 'dhcpfo.length'),
        type: field(pdu, 'dhcpfo.type'),
        payloadOffset: field(pdu, 'dhcpfo.poffset'),
        time: String(parseTsharkTime(field(pdu, 'dhcpfo.time'))),
        xid: String(Number(field(pdu, 'dhcpfo.xid'))),
      },
      options: asArray(
        (pdu['dhcpfo.payloaddata'] as Fields | undefined)?.['dhcpfo.dhcpstyleoption'] as
          Fields | Fields[],
      ),
    }));
  });
}

function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** tshark's field names and text for one of our options; unknown options compare code and length only. */
function expectedFields(option: FailoverOption): Record<string, string> {
  if ('raw' in option) {
    return {};
  }

  switch (option.code) {
    case 2:
      return { 'dhcpfo.assignedipaddress': option.value };
    case 4: {
      // tshark shows the identifier as a string cut at its first NUL byte.
      const end = option.value.indexOf(0);
      return {
        'dhcpfo.clientidentifier': String.fromCharCode(
          ...option.value.subarray(0, end < 0 ? undefined : end),
        ),
      };
    }
    case 5:
      return {
        'dhcpfo.clienthardwaretype': `0x${option.value.htype.toString(16).padStart(2, '0')}`,
        'dhcpfo.clienthardwareaddress': colonHex(option.value.chaddr),
      };
    case 11:
      return { 'dhcpfo.hashbucketassignment': colonHex(option.value) };
    case 16:
      return { 'dhcpfo.message': option.value };
    case 22:
      return { 'dhcpfo.relationshipname': option.value };
    case 28:
      return { 'dhcpfo.vendorclass': option.value };
    default:
      return numberField(option);
  }
}

const NUMBER_FIELDS: Record<number, string> = {
  1: 'addressestransferred',
  3: 'bindingstatus',
  6: 'clientlasttransactiontime',
  13: 'leaseexpirationtime',
  14: 'maxunackedbndupd',
  15: 'mclt',
  18: 'potentialexpirationtime',
  19: 'receivetimer',
  20: 'protocolversion',
  21: 'rejectreason',
  23: 'serverflag',
  24: 'serverstatus',
  25: 'starttimeofstate',
  26: 'tls_reply',
  27: 'tls_request',
};

function numberField(option: FailoverOption): Record<string, string> {
  const name = NUMBER_FIELDS[option.code];
  if (name === undefined || !('value' in option)) {
    throw new Error(`no tshark field known for option ${option.code}`);
  }

  return { [`dhcpfo.${name}`]: String(option.value) };
}

function ourView(
  message: FailoverMessage,
  bytes: Uint8Array,
): Omit<TsharkMessage, 'frame' | 'source' | 'destination'> {
  return {
    header: {
      length: String(bytes.length),
      type: String(message.type),
      payloadOffset: String(message.payloadOffset),
      time: String(message.time),
      xid: String(message.xid),
    },
    options: message.options.map((option, index) => ({
      'dhcpfo.optioncode': String(option.code),
      'dhcpfo.optionlength': String(bytes.length > 0 ? optionLengthAt(bytes, index) : 0),
      ...expectedFields(option),
    })),
  };
}

/** Reads the length field of the option with this index straight from the bytes. */
function optionLengthAt(bytes: Uint8Array, index: number): number {
  let offset = 12;
  for (let i = 0; i < index; i++) {
    offset += 4 + ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
  }

  return (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/** Keeps only the tshark option fields this test compares (drops expert-info subtrees). */
function comparable(options: Fields[], ours: Fields[]): Fields[] {
  return options.map((fields, index) => {
    const keys = Object.keys(ours[index] ?? {});
    return Object.fromEntries(keys.map((key) => [key, fields[key]]));
  });
}

describe.skipIf(!tsharkAvailable || !sharedAvailable)(
  'decoding agrees with tshark (needs tshark and the shared captures)',
  () => {
    it.each(captures)(
      '%s decodes like tshark, message by message',
      async (name) => {
        const file = sharedPath('captures', name);
        const theirs = await tsharkMessages(file);
        const ours = [...readFailoverMessages(new Uint8Array(readFileSync(file)))];

        expect(ours).toHaveLength(theirs.length);
        ours.forEach((captured, index) => {
          const expected = theirs[index]!;
          const view = ourView(decodeMessage(captured.bytes, 'isc'), captured.bytes);
          const where = `${name} message ${index + 1} (frame ${captured.frame})`;

          expect([captured.frame, captured.source, captured.destination], where).toEqual([
            expected.frame,
            expected.source,
            expected.destination,
          ]);
          expect(view.header, where).toEqual(expected.header);
          expect(comparable(expected.options, view.options), where).toEqual(view.options);
        });
      },
      60_000,
    );
  },
);
