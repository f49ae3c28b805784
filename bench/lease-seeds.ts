// The N ACTIVE leases the full side of a resync starts with, in dhcpd's lease file syntax and in
// dhcpf's JSON-lines lease list. Both hold the same clients: address i counts up from 10.77.1.0,
// hardware address 02:00 followed by i in four bytes, client-identifier 01 followed by that
// hardware address, started an hour ago and ending in 23 hours.

import { writeFileSync } from 'node:fs';
import { sampleActiveBindings } from '../src/endpoint/sample-bindings.js';
import { openLeaseStore } from '../src/store/sqlite-store.js';

/** First pool address; the pool holds the leases and 256 free addresses after them. */
export const POOL_START = '10.77.1.0';
const POOL_START_VALUE = ipv4Value(POOL_START);
export const SPARE_ADDRESSES = 256;

const HOUR = 3600;

/** Bindings written per store transaction while seeding. */
const SEED_BATCH = 5_000;

export function poolEnd(leaseCount: number): string {
  return formatIPv4(POOL_START_VALUE + leaseCount + SPARE_ADDRESSES - 1);
}

/**
 * The largest lease count whose pool ends inside 10.77.0.0/16, the subnet dhcpd serves the pool
 * from. dhcpf has no such limit: its pool addresses are only numbers in the store.
 */
export const MAX_DHCPD_LEASES = 0x1_0000 - 0x100 - SPARE_ADDRESSES;

interface SeedLease {
  address: string;
  /** The index in four bytes, big-endian. */
  indexBytes: number[];
}

function seedLease(index: number): SeedLease {
  return {
    address: formatIPv4(POOL_START_VALUE + index),
    indexBytes: [(index >>> 24) & 0xff, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff],
  };
}

/** Writes dhcpd.leases text with `count` ACTIVE leases and no failover state block. */
export function writeDhcpdLeases(path: string, count: number, now: number): void {
  const starts = dhcpdDate(now - HOUR);
  const ends = dhcpdDate(now + 23 * HOUR);
  const blocks: string[] = [];
  for (let index = 0; index < count; index++) {
    const { address, indexBytes } = seedLease(index);
    const hardware = ['02', '00', ...indexBytes.map(hex)].join(':');
    const uid = [1, 2, 0, ...indexBytes].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`);
    blocks.push(
      [
        `lease ${address} {`,
        `  starts ${starts};`,
        `  ends ${ends};`,
        `  tstp ${ends};`,
        `  cltt ${starts};`,
        '  binding state active;',
        '  next binding state free;',
        '  rewind binding state free;',
        `  hardware ethernet ${hardware};`,
        `  uid "${uid.join('')}";`,
        '}',
      ].join('\n'),
    );
  }

  writeFileSync(path, blocks.length === 0 ? '' : `${blocks.join('\n')}\n`, 'latin1');
}

/** Writes the JSON-lines lease list that `dhcpf leases load` reads, with the same leases. */
export function writeDhcpfLeases(path: string, count: number, now: number): void {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    const { address, indexBytes } = seedLease(index);
    lines.push(
      JSON.stringify({
        address,
        bindingStatus: 'ACTIVE',
        hardwareAddress: ['02', '00', ...indexBytes.map(hex)].join(':'),
        clientIdentifier: ['01', '02', '00', ...indexBytes.map(hex)].join(''),
        leaseExpirationTime: now + 23 * HOUR,
        startTimeOfState: now - HOUR,
        clientLastTransactionTime: now - HOUR,
      }),
    );
  }

  writeFileSync(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}

/**
 * Writes `count` pending ACTIVE bindings straight into a dhcpf store, for the in-process runs that
 * need no lease file (dhcpf's sample bindings: the same clients, client-identifier 01 + MAC).
 */
export function seedDhcpfStore(path: string, count: number): void {
  const store = openLeaseStore(path);
  try {
    const bindings = sampleActiveBindings(count, POOL_START, Math.floor(Date.now() / 1000));
    for (let start = 0; start < count; start += SEED_BATCH) {
      store.putBindings(bindings.slice(start, start + SEED_BATCH));
    }
  } finally {
    store.close();
  }
}

/** dhcpd's date syntax: "W YYYY/MM/DD HH:MM:SS" in UTC, W the weekday 0-6. */
function dhcpdDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (value: number): string => String(value).padStart(2, '0');
  const day = `${date.getUTCFullYear()}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}`;
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${date.getUTCDay()} ${day} ${time}`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function ipv4Value(text: string): number {
  return text.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}
