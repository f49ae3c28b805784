// The JSON-lines lease list: one JSON object per line, one binding per object. `dhcpf leases load`
// reads it and `dhcpf leases list --json` writes it, for example:
//   {"address":"10.77.1.5","bindingStatus":"ACTIVE","hardwareAddress":"02:00:00:00:00:05",
//    "clientIdentifier":"0102000000000005","leaseExpirationTime":1796000000}
// A line must have address and bindingStatus, plus the fields its binding-status requires in a
// binding update (checkLeaseRequirements). Times are seconds since 1970. A hardwareAddress without
// hardwareType is Ethernet (htype 1).

import { createReadStream } from 'node:fs';
import { FailoverError } from '../errors.js';
import { bindingRequirementsFor, type BindingRequirements } from '../wire/binding-requirements.js';
import { BindingStatus, OptionCode, type BindingStatusName } from '../wire/codes.js';
import { optionName } from '../wire/names.js';
import type { HardwareAddress } from '../wire/types.js';
import { isBindingStatusName } from './binding-row.js';
import { parseIPv4 } from './ipv4.js';

/** A binding as one line of a lease file gives it, without the failover bookkeeping. */
export interface LeaseLine {
  address: string;
  bindingStatus: BindingStatusName;
  ipFlags?: number;
  clientHardwareAddress?: HardwareAddress;
  clientIdentifier?: Uint8Array;
  leaseExpirationTime?: number;
  startTimeOfState?: number;
  clientLastTransactionTime?: number;
}

/** A parsed lease together with its 1-based line number in the file. */
export interface NumberedLeaseLine {
  lineNumber: number;
  lease: LeaseLine;
}

/** A lease file line that cannot be read as a binding, or a lease file that cannot be read. */
export class LeaseFileError extends FailoverError {
  /** 1-based line number, when the error is about one line. */
  readonly line: number | undefined;
  /** JSON field name, when the error is about one field. */
  readonly field: string | undefined;

  constructor(code: string, message: string, line?: number, field?: string) {
    super(code, message);
    this.line = line;
    this.field = field;
  }
}

const UINT32_MAX = 0xffffffff;
const TIME_EXPECTED = `an integer 0..${UINT32_MAX} (seconds since 1970)`;

/** Accepted values of each field, worded as error messages state them. */
const EXPECTED = {
  address: 'a dotted-quad IPv4 address such as "10.77.1.5"',
  bindingStatus: `one of ${Object.keys(BindingStatus).join(', ')}`,
  hardwareAddress: 'colon-separated hex bytes such as "02:00:00:00:00:05" (1 to 16 bytes)',
  hardwareType: 'an integer 0..255 (ARP hardware type, 1 = Ethernet) next to a hardwareAddress',
  scopeId: `an integer 0..${UINT32_MAX} (the scope ID a Windows partner sends) next to a hardwareAddress`,
  clientIdentifier: 'an even number of hex digits such as "0102000000000005" (1 to 255 bytes)',
  leaseExpirationTime: TIME_EXPECTED,
  startTimeOfState: TIME_EXPECTED,
  clientLastTransactionTime: TIME_EXPECTED,
  ipFlags: 'an integer 0..65535 (R = 0x1 reserved, B = 0x2 BOOTP)',
} as const;

type FieldName = keyof typeof EXPECTED;

const FIELD_NAMES = Object.keys(EXPECTED);

const HARDWARE_ADDRESS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){0,15}$/i;
const HEX_BYTES = /^(?:[0-9a-f]{2}){1,255}$/i;

/** The fields of one line, with the line number for error messages. */
interface LineFields {
  readonly lineNumber: number;
  readonly record: Readonly<Record<string, unknown>>;
}

/**
 * Parses one line of a lease file. Raises a LeaseFileError naming the line, the field and the
 * values it accepts: FO_ERR_LEASE_LINE_INVALID_JSON, _NOT_OBJECT, _UNKNOWN_FIELD, _MISSING_FIELD
 * or _INVALID_FIELD.
 */
export function parseLeaseLine(text: string, lineNumber = 1): LeaseLine {
  const fields: LineFields = { lineNumber, record: parseObject(text, lineNumber) };
  const unknown = Object.keys(fields.record).find((name) => !FIELD_NAMES.includes(name));
  if (unknown !== undefined) {
    throw new LeaseFileError(
      'FO_ERR_LEASE_LINE_UNKNOWN_FIELD',
      `line ${lineNumber} field ${unknown} is unknown, expected one of ${FIELD_NAMES.join(', ')}`,
      lineNumber,
      unknown,
    );
  }

  const lease: LeaseLine = {
    address: readAddress(fields),
    bindingStatus: readBindingStatus(fields),
  };
  const hardware = readHardwareAddress(fields);
  if (hardware !== undefined) lease.clientHardwareAddress = hardware;
  const clientIdentifier = readHex(fields, 'clientIdentifier', HEX_BYTES);
  if (clientIdentifier !== undefined) lease.clientIdentifier = clientIdentifier;
  const leaseExpirationTime = readInteger(fields, 'leaseExpirationTime', UINT32_MAX);
  if (leaseExpirationTime !== undefined) lease.leaseExpirationTime = leaseExpirationTime;
  const startTimeOfState = readInteger(fields, 'startTimeOfState', UINT32_MAX);
  if (startTimeOfState !== undefined) lease.startTimeOfState = startTimeOfState;
  const lastTransaction = readInteger(fields, 'clientLastTransactionTime', UINT32_MAX);
  if (lastTransaction !== undefined) lease.clientLastTransactionTime = lastTransaction;
  const ipFlags = readInteger(fields, 'ipFlags', 0xffff);
  if (ipFlags !== undefined) lease.ipFlags = ipFlags;
  return lease;
}

function parseObject(text: string, lineNumber: number): Readonly<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LeaseFileError(
      'FO_ERR_LEASE_LINE_INVALID_JSON',
      `line ${lineNumber} is not valid JSON (${reason}), expected one JSON object per line`,
      lineNumber,
    );
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    let found = `a ${typeof value}`;
    if (Array.isArray(value)) {
      found = 'an array';
    } else if (value === null) {
      found = 'null';
    }
    throw new LeaseFileError(
      'FO_ERR_LEASE_LINE_NOT_OBJECT',
      `line ${lineNumber} contains ${found}, expected a JSON object`,
      lineNumber,
    );
  }

  return Object.fromEntries(Object.entries(value));
}

function readAddress(fields: LineFields): string {
  const value = requireField(fields, 'address');
  if (typeof value !== 'string' || parseIPv4(value) === undefined) {
    throw invalidField(fields, 'address', value);
  }

  return value;
}

function readBindingStatus(fields: LineFields): BindingStatusName {
  const value = requireField(fields, 'bindingStatus');
  if (typeof value !== 'string' || !isBindingStatusName(value)) {
    throw invalidField(fields, 'bindingStatus', value);
  }

  return value;
}

function readHardwareAddress(fields: LineFields): HardwareAddress | undefined {
  const text = fields.record['hardwareAddress'];
  const htype = readInteger(fields, 'hardwareType', 0xff);
  const scopeId = readInteger(fields, 'scopeId', UINT32_MAX);
  if (text === undefined) {
    if (htype !== undefined) throw invalidField(fields, 'hardwareType', htype);
    if (scopeId !== undefined) throw invalidField(fields, 'scopeId', scopeId);
    return undefined;
  }

  if (typeof text !== 'string' || !HARDWARE_ADDRESS.test(text)) {
    throw invalidField(fields, 'hardwareAddress', text);
  }

  const hardware: HardwareAddress = {
    htype: htype ?? 1,
    chaddr: hexToBytes(text.replaceAll(':', '')),
  };
  if (scopeId !== undefined) hardware.scopeId = scopeId;
  return hardware;
}

function readHex(fields: LineFields, field: FieldName, pattern: RegExp): Uint8Array | undefined {
  const value = fields.record[field];
  if (value === undefined) {
    return undefined;
  }

  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidField(fields, field, value);
  }

  return hexToBytes(value);
}

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function readInteger(fields: LineFields, field: FieldName, max: number): number | undefined {
  const value = fields.record[field];
  if (value === undefined) {
    return undefined;
  }

  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidField(fields, field, value);
  }

  return value;
}

function requireField(fields: LineFields, field: FieldName): unknown {
  const value = fields.record[field];
  if (value === undefined) {
    throw new LeaseFileError(
      'FO_ERR_LEASE_LINE_MISSING_FIELD',
      `line ${fields.lineNumber} field ${field} is missing, expected ${EXPECTED[field]}`,
      fields.lineNumber,
      field,
    );
  }

  return value;
}

function invalidField(fields: LineFields, field: FieldName, found: unknown): LeaseFileError {
  return new LeaseFileError(
    'FO_ERR_LEASE_LINE_INVALID_FIELD',
    `line ${fields.lineNumber} field ${field} ${JSON.stringify(found)}, expected ${EXPECTED[field]}`,
    fields.lineNumber,
    field,
  );
}

/** The lease line field that carries each option a binding update takes from the binding. */
const FIELD_OF_OPTION: ReadonlyMap<
  number,
  { field: FieldName; isPresent(lease: LeaseLine): boolean }
> = new Map([
  [
    OptionCode.CLIENT_HARDWARE_ADDRESS,
    { field: 'hardwareAddress', isPresent: (lease) => lease.clientHardwareAddress !== undefined },
  ],
  [
    OptionCode.LEASE_EXPIRATION_TIME,
    { field: 'leaseExpirationTime', isPresent: (lease) => lease.leaseExpirationTime !== undefined },
  ],
  [
    OptionCode.CLIENT_LAST_TRANSACTION_TIME,
    {
      field: 'clientLastTransactionTime',
      isPresent: (lease) => lease.clientLastTransactionTime !== undefined,
    },
  ],
]);

/**
 * Checks that a lease has every field that its binding-status requires in a binding update, using
 * draft-12 Table 7.1-1 (FO-5.11-a), because a binding without them could never be sent to the
 * partner. The potential-expiration-time is not checked, because the sender computes it from the
 * lease expiry and MCLT. Raises FO_ERR_LEASE_LINE_MISSING_FIELD naming the line, field and rule.
 *
 * NOTE: only the draft-12 table is checked. A Windows partner also requires
 * clientLastTransactionTime for EXPIRED and RELEASED (MSF-3.1.5.2-b), which this does not catch.
 */
export function checkLeaseRequirements(lease: LeaseLine, lineNumber = 1): void {
  const requirements = draftRequirementsOf(lease.bindingStatus);
  for (const code of requirements?.must ?? []) {
    const carrier = FIELD_OF_OPTION.get(code);
    if (carrier === undefined || carrier.isPresent(lease)) {
      continue;
    }

    const { field } = carrier;
    throw new LeaseFileError(
      'FO_ERR_LEASE_LINE_MISSING_FIELD',
      `line ${lineNumber} field ${field} is missing, expected ${EXPECTED[field]} because ` +
        `binding-status ${lease.bindingStatus} requires ${optionName(code)} ` +
        `(draft-12 Table 7.1-1, ${requirements?.rule ?? 'FO-5.11-a'})`,
      lineNumber,
      field,
    );
  }
}

/** Returns the lease line fields that a binding-status requires, in the order of Table 7.1-1. */
export function requiredLeaseFields(bindingStatus: BindingStatusName): string[] {
  const must = draftRequirementsOf(bindingStatus)?.must ?? [];
  return must.flatMap((code) => FIELD_OF_OPTION.get(code)?.field ?? []);
}

function draftRequirementsOf(bindingStatus: BindingStatusName): BindingRequirements | undefined {
  const shape = {
    bindingStatus: BindingStatus[bindingStatus],
    ipFlags: undefined,
    hasClientHardwareAddress: false,
  };
  return bindingRequirementsFor(shape, 'isc');
}

/**
 * Formats a binding as one lease file line, without a newline. Fields that are absent stay out,
 * as do hardwareType 1 and ipFlags 0, which are what a reader assumes when they are missing.
 */
export function formatLeaseLine(lease: LeaseLine): string {
  const hardware = lease.clientHardwareAddress;
  const line: Record<string, string | number> = {
    address: lease.address,
    bindingStatus: lease.bindingStatus,
  };
  if (hardware !== undefined) {
    line['hardwareAddress'] = formatHardwareAddress(hardware.chaddr);
    if (hardware.htype !== 1) line['hardwareType'] = hardware.htype;
    if (hardware.scopeId !== undefined) line['scopeId'] = hardware.scopeId;
  }
  if (lease.clientIdentifier !== undefined) {
    line['clientIdentifier'] = Buffer.from(lease.clientIdentifier).toString('hex');
  }
  if (lease.leaseExpirationTime !== undefined)
    line['leaseExpirationTime'] = lease.leaseExpirationTime;
  if (lease.startTimeOfState !== undefined) line['startTimeOfState'] = lease.startTimeOfState;
  if (lease.clientLastTransactionTime !== undefined) {
    line['clientLastTransactionTime'] = lease.clientLastTransactionTime;
  }
  if (lease.ipFlags !== undefined && lease.ipFlags !== 0) line['ipFlags'] = lease.ipFlags;
  return JSON.stringify(line);
}

/** Formats chaddr bytes as lower-case hex pairs joined by colons. */
export function formatHardwareAddress(chaddr: Uint8Array): string {
  return Array.from(chaddr, (byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * Reads a lease file line by line without loading it whole, skipping blank lines. Raises a
 * LeaseFileError whose message starts with the path: FO_ERR_LEASE_FILE_UNREADABLE when the file
 * cannot be read, or the parseLeaseLine error of the first bad line.
 */
export async function* readLeaseFile(
  path: string,
): AsyncGenerator<NumberedLeaseLine, void, undefined> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  let lineNumber = 0;
  let rest = '';
  try {
    for await (const chunk of stream) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) {
        lineNumber += 1;
        yield* parseNonBlank(text, lineNumber);
      }
    }
    lineNumber += 1;
    yield* parseNonBlank(rest, lineNumber);
  } catch (error) {
    throw leaseFileError(path, error);
  } finally {
    stream.destroy();
  }
}

function* parseNonBlank(text: string, lineNumber: number): Generator<NumberedLeaseLine> {
  // A byte order mark before the first line is an editor's choice, not part of the JSON.
  const content = lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text;
  if (content.trim() !== '') {
    yield { lineNumber, lease: parseLeaseLine(content, lineNumber) };
  }
}

function leaseFileError(path: string, error: unknown): unknown {
  if (error instanceof LeaseFileError) {
    return new LeaseFileError(
      error.code,
      `lease file ${path} ${error.message}`,
      error.line,
      error.field,
    );
  }

  if (error instanceof Error && 'code' in error && 'syscall' in error) {
    return new LeaseFileError(
      'FO_ERR_LEASE_FILE_UNREADABLE',
      `lease file ${path} cannot be read: ${error.message}`,
    );
  }

  return error;
}
