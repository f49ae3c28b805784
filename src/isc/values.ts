// Value syntaxes of dhcpd lease files: dates, addresses, colon-separated hex, binding states and
// failover state names (dhcpd.leases(5), isc-dhcp 4.4).

import { ISC_LEASE_FILE_ERROR_CODES, IscLeaseFileError } from './errors.js';
import { IP_FLAG_BOOTP, IP_FLAG_RESERVED } from '../wire/codes.js';
import type { BindingStatusName, FailoverStateName } from '../wire/codes.js';
import type { TokenReader } from './tokens.js';
import type { IscTime } from './types.js';

export function valueError(message: string, line: number): IscLeaseFileError {
  return new IscLeaseFileError(
    ISC_LEASE_FILE_ERROR_CODES.value,
    `${message} at line ${line}`,
    line,
  );
}

/** Checks a dotted-quad IPv4 address and returns it without leading zeros. */
export function parseAddress(text: string, element: string, line: number): string {
  const octets = text.split('.');
  const valid =
    octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
  if (!valid) throw valueError(`${element} "${text}", expected a dotted-quad IPv4 address`, line);

  return octets.map(Number).join('.');
}

/** Orders dotted-quad addresses as 32-bit numbers. */
export function addressToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Parses colon-separated hex octets (`02:00:0a`); dhcpd writes two digits, one is also read. */
export function parseHexBytes(text: string, element: string, line: number): Uint8Array {
  const octets = text.split(':');
  if (!octets.every((octet) => /^[0-9a-fA-F]{1,2}$/.test(octet))) {
    throw valueError(`${element} "${text}", expected colon-separated hex octets`, line);
  }

  return Uint8Array.from(octets.map((octet) => parseInt(octet, 16)));
}

/** Converts a decoded quoted string (one character per byte) to its bytes. */
export function stringToBytes(text: string, element: string, line: number): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) {
      throw valueError(`${element} character U+${code.toString(16)}, expected bytes 0-255`, line);
    }
    bytes[i] = code;
  }
  return bytes;
}

/**
 * Reads a date up to (not including) its `;`: `W YYYY/MM/DD HH:MM:SS` in UTC (the weekday is
 * ignored, as dhcpd ignores it), `epoch SECONDS` (db-time-format local), or `never`.
 */
export function readDate(reader: TokenReader, element: string): IscTime {
  const line = reader.line();
  const first = reader.expectWord(element);
  if (first === 'never') return 'never';

  if (first === 'epoch') {
    const seconds = reader.expectWord(element);
    if (!/^\d+$/.test(seconds)) {
      throw valueError(`${element} epoch "${seconds}", expected seconds since 1970`, line);
    }
    return Number(seconds);
  }

  const day = reader.expectWord(element);
  const time = reader.expectWord(element);
  return parseCalendarDate(`${first} ${day} ${time}`, element, line);
}

const CALENDAR_DATE = /^[0-6] (\d{1,5})\/(\d{1,2})\/(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/;

function parseCalendarDate(text: string, element: string, line: number): number {
  const fields = CALENDAR_DATE.exec(text)?.slice(1).map(Number);
  const [year, month, day, hour, minute, second] = fields ?? [];
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  ) {
    throw valueError(`${element} "${text}", expected W YYYY/MM/DD HH:MM:SS`, line);
  }

  // setUTCFullYear keeps years below 100 as written, where Date.UTC would add 1900.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second);
  // The Date rolls 2026/02/30 over into March; a round trip catches such dates.
  const exact =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!exact) throw valueError(`${element} "${text}" is not a valid UTC date`, line);

  return date.getTime() / 1000;
}

/** A dhcpd binding state keyword: the binding-status, plus the IP-flags it implies. */
export interface IscBindingState {
  bindingStatus: BindingStatusName;
  ipFlags: number;
}

const BINDING_STATES: Record<string, IscBindingState> = {
  free: { bindingStatus: 'FREE', ipFlags: 0 },
  active: { bindingStatus: 'ACTIVE', ipFlags: 0 },
  expired: { bindingStatus: 'EXPIRED', ipFlags: 0 },
  released: { bindingStatus: 'RELEASED', ipFlags: 0 },
  abandoned: { bindingStatus: 'ABANDONED', ipFlags: 0 },
  reset: { bindingStatus: 'RESET', ipFlags: 0 },
  backup: { bindingStatus: 'BACKUP', ipFlags: 0 },
  // dhcpd reads these two as ACTIVE leases with its RESERVED_LEASE or BOOTP_LEASE flag.
  reserved: { bindingStatus: 'ACTIVE', ipFlags: IP_FLAG_RESERVED },
  bootp: { bindingStatus: 'ACTIVE', ipFlags: IP_FLAG_BOOTP },
};

export function parseBindingState(text: string, element: string, line: number): IscBindingState {
  const state = BINDING_STATES[text];
  if (state === undefined) {
    const allowed = Object.keys(BINDING_STATES).join(', ');
    throw valueError(`${element} "${text}", expected one of ${allowed}`, line);
  }
  return state;
}

/** dhcpd's failover state names; `unknown-state` maps to undefined. */
const FAILOVER_STATES: Record<string, FailoverStateName | undefined> = {
  'unknown-state': undefined,
  startup: 'STARTUP',
  normal: 'NORMAL',
  'communications-interrupted': 'COMMUNICATIONS-INTERRUPTED',
  'partner-down': 'PARTNER-DOWN',
  'potential-conflict': 'POTENTIAL-CONFLICT',
  recover: 'RECOVER',
  paused: 'PAUSED',
  shutdown: 'SHUTDOWN',
  'recover-done': 'RECOVER-DONE',
  'resolution-interrupted': 'RESOLUTION-INTERRUPTED',
  'conflict-done': 'CONFLICT-DONE',
  'recover-wait': 'RECOVER-WAIT',
};

export function parseFailoverState(
  text: string,
  element: string,
  line: number,
): FailoverStateName | undefined {
  if (!(text in FAILOVER_STATES)) {
    const allowed = Object.keys(FAILOVER_STATES).join(', ');
    throw valueError(`${element} "${text}", expected one of ${allowed}`, line);
  }
  return FAILOVER_STATES[text];
}

/** `hardware` type keywords and their ARP hardware type numbers. */
const HARDWARE_TYPES: Record<string, number> = {
  ethernet: 1,
  'token-ring': 6,
  fddi: 8,
  infiniband: 32,
};

export function parseHardwareType(text: string, element: string, line: number): number {
  const htype = HARDWARE_TYPES[text];
  if (htype === undefined) {
    const allowed = Object.keys(HARDWARE_TYPES).join(', ');
    throw valueError(`${element} type "${text}", expected one of ${allowed}`, line);
  }
  return htype;
}
