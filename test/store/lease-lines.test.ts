import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FailoverError } from '../../src/errors.js';
import {
  LeaseFileError,
  checkLeaseRequirements,
  formatLeaseLine,
  parseLeaseLine,
  readLeaseFile,
  requiredLeaseFields,
  type LeaseLine,
  type NumberedLeaseLine,
} from '../../src/store/lease-lines.js';
import { isBindingStatusName } from '../../src/store/binding-row.js';
import { BindingStatus } from '../../src/wire/codes.js';
import { useTempDir } from './helpers.js';

const tempPath = useTempDir();

const EXAMPLE_LINE =
  '{"address":"10.77.1.5","bindingStatus":"ACTIVE","hardwareAddress":"02:00:00:00:00:05",' +
  '"clientIdentifier":"0102000000000005","leaseExpirationTime":1796000000,' +
  '"startTimeOfState":1795900000,"clientLastTransactionTime":1795900000}';

const EXAMPLE_LEASE: LeaseLine = {
  address: '10.77.1.5',
  bindingStatus: 'ACTIVE',
  clientHardwareAddress: { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 5) },
  clientIdentifier: Uint8Array.of(1, 2, 0, 0, 0, 0, 0, 5),
  leaseExpirationTime: 1796000000,
  startTimeOfState: 1795900000,
  clientLastTransactionTime: 1795900000,
};

const STATUSES = 'FREE, ACTIVE, EXPIRED, RELEASED, ABANDONED, RESET, BACKUP';

function parseError(text: string, lineNumber: number): LeaseFileError {
  try {
    parseLeaseLine(text, lineNumber);
  } catch (error) {
    if (error instanceof LeaseFileError) {
      return error;
    }
    throw error;
  }
  throw new Error(`parseLeaseLine(${text}) succeeded, expected a LeaseFileError`);
}

async function collect(path: string): Promise<NumberedLeaseLine[]> {
  const lines: NumberedLeaseLine[] = [];
  for await (const line of readLeaseFile(path)) {
    lines.push(line);
  }
  return lines;
}

async function readError(path: string): Promise<LeaseFileError> {
  try {
    await collect(path);
  } catch (error) {
    if (error instanceof LeaseFileError) {
      return error;
    }
    throw error;
  }
  throw new Error(`readLeaseFile(${path}) succeeded, expected a LeaseFileError`);
}

const leaseArbitrary: fc.Arbitrary<LeaseLine> = fc.record(
  {
    address: fc.ipV4(),
    bindingStatus: fc.constantFrom(...Object.keys(BindingStatus).filter(isBindingStatusName)),
    ipFlags: fc.integer({ min: 1, max: 0xffff }),
    clientHardwareAddress: fc.record(
      {
        htype: fc.integer({ min: 0, max: 255 }),
        chaddr: fc.uint8Array({ minLength: 1, maxLength: 16 }),
        scopeId: fc.nat({ max: 0xffffffff }),
      },
      { requiredKeys: ['htype', 'chaddr'] },
    ),
    clientIdentifier: fc.uint8Array({ minLength: 1, maxLength: 255 }),
    leaseExpirationTime: fc.nat({ max: 0xffffffff }),
    startTimeOfState: fc.nat({ max: 0xffffffff }),
    clientLastTransactionTime: fc.nat({ max: 0xffffffff }),
  },
  { requiredKeys: ['address', 'bindingStatus'] },
);

describe('parseLeaseLine', () => {
  it('reads a full line with htype 1 for a colon MAC', () => {
    expect(parseLeaseLine(EXAMPLE_LINE)).toStrictEqual(EXAMPLE_LEASE);
  });

  it('reads a line with only address and bindingStatus', () => {
    expect(parseLeaseLine('{"address":"192.0.2.1","bindingStatus":"FREE"}')).toStrictEqual({
      address: '192.0.2.1',
      bindingStatus: 'FREE',
    });
  });

  it('reads ipFlags, hardwareType and scopeId', () => {
    const lease = parseLeaseLine(
      '{"address":"192.0.2.1","bindingStatus":"ACTIVE","hardwareAddress":"AA:bb","hardwareType":6,"scopeId":7,"ipFlags":2}',
    );
    expect(lease.clientHardwareAddress).toStrictEqual({
      htype: 6,
      chaddr: Uint8Array.of(0xaa, 0xbb),
      scopeId: 7,
    });
    expect(lease.ipFlags).toBe(2);
  });

  it.each([
    [
      '{"address":"10.0.0.1",',
      'FO_ERR_LEASE_LINE_INVALID_JSON',
      undefined,
      /^line 7 is not valid JSON \(.+\), expected one JSON object per line$/,
    ],
    [
      '["10.0.0.1","ACTIVE"]',
      'FO_ERR_LEASE_LINE_NOT_OBJECT',
      undefined,
      /^line 7 contains an array, expected a JSON object$/,
    ],
    [
      '"10.0.0.1"',
      'FO_ERR_LEASE_LINE_NOT_OBJECT',
      undefined,
      /^line 7 contains a string, expected a JSON object$/,
    ],
    [
      '{"bindingStatus":"FREE"}',
      'FO_ERR_LEASE_LINE_MISSING_FIELD',
      'address',
      /^line 7 field address is missing, expected a dotted-quad IPv4 address such as "10\.77\.1\.5"$/,
    ],
    [
      '{"address":"10.0.0.1"}',
      'FO_ERR_LEASE_LINE_MISSING_FIELD',
      'bindingStatus',
      new RegExp(`^line 7 field bindingStatus is missing, expected one of ${STATUSES}$`),
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"LEASED"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'bindingStatus',
      new RegExp(`^line 7 field bindingStatus "LEASED", expected one of ${STATUSES}$`),
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"active"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'bindingStatus',
      /field bindingStatus "active", expected one of/,
    ],
    [
      '{"address":"10.0.0.256","bindingStatus":"FREE"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'address',
      /^line 7 field address "10\.0\.0\.256", expected a dotted-quad IPv4 address/,
    ],
    [
      '{"address":167772161,"bindingStatus":"FREE"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'address',
      /field address 167772161, expected a dotted-quad/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","hardwareAddress":"02-00-00-00-00-05"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'hardwareAddress',
      /field hardwareAddress "02-00-00-00-00-05", expected colon-separated hex bytes/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","hardwareType":1}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'hardwareType',
      /field hardwareType 1, expected an integer 0\.\.255 \(ARP hardware type, 1 = Ethernet\) next to a hardwareAddress$/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","clientIdentifier":"abc"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'clientIdentifier',
      /field clientIdentifier "abc", expected an even number of hex digits/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","clientIdentifier":""}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'clientIdentifier',
      /field clientIdentifier "", expected/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","leaseExpirationTime":-1}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'leaseExpirationTime',
      /^line 7 field leaseExpirationTime -1, expected an integer 0\.\.4294967295 \(seconds since 1970\)$/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","startTimeOfState":4294967296}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'startTimeOfState',
      /field startTimeOfState 4294967296, expected an integer 0\.\.4294967295/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","clientLastTransactionTime":"1795900000"}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'clientLastTransactionTime',
      /field clientLastTransactionTime "1795900000", expected an integer/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","leaseExpirationTime":1.5}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'leaseExpirationTime',
      /field leaseExpirationTime 1\.5, expected an integer/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","ipFlags":65536}',
      'FO_ERR_LEASE_LINE_INVALID_FIELD',
      'ipFlags',
      /field ipFlags 65536, expected an integer 0\.\.65535 \(R = 0x1 reserved, B = 0x2 BOOTP\)$/,
    ],
    [
      '{"address":"10.0.0.1","bindingStatus":"FREE","leaseEnd":5}',
      'FO_ERR_LEASE_LINE_UNKNOWN_FIELD',
      'leaseEnd',
      /^line 7 field leaseEnd is unknown, expected one of address, bindingStatus, hardwareAddress, /,
    ],
  ])('rejects %s with %s', (text, code, field, message) => {
    const error = parseError(text, 7);
    expect(error).toBeInstanceOf(FailoverError);
    expect(error.code).toBe(code);
    expect(error.line).toBe(7);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('checkLeaseRequirements', () => {
  const hardware = { htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 5) };
  const fullActive: LeaseLine = {
    address: '10.0.0.11',
    bindingStatus: 'ACTIVE',
    clientHardwareAddress: hardware,
    leaseExpirationTime: 1796000000,
    clientLastTransactionTime: 1795900000,
  };

  it.each([
    ['ACTIVE', 'clientLastTransactionTime', 'client-last-transaction-time'],
    ['ACTIVE', 'clientHardwareAddress', 'client-hardware-address'],
    ['ACTIVE', 'leaseExpirationTime', 'lease-expiration-time'],
    ['RELEASED', 'clientLastTransactionTime', 'client-last-transaction-time'],
    ['EXPIRED', 'clientHardwareAddress', 'client-hardware-address'],
  ] as const)('rejects %s without %s (FO-5.11-a)', (bindingStatus, missing, option) => {
    const lease: LeaseLine = { ...fullActive, bindingStatus };
    delete lease[missing];
    const field = missing === 'clientHardwareAddress' ? 'hardwareAddress' : missing;

    let error: unknown;
    try {
      checkLeaseRequirements(lease, 3);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(LeaseFileError);
    expect(error).toMatchObject({
      code: 'FO_ERR_LEASE_LINE_MISSING_FIELD',
      line: 3,
      field,
    });
    expect((error as LeaseFileError).message).toMatch(
      new RegExp(
        `^line 3 field ${field} is missing, expected .+ because binding-status ${bindingStatus} ` +
          `requires ${option} \\(draft-12 Table 7\\.1-1, FO-5\\.11-a\\)$`,
      ),
    );
  });

  it.each([
    ['ACTIVE with every required field', fullActive],
    [
      'EXPIRED with only a hardware address',
      { address: '10.0.0.1', bindingStatus: 'EXPIRED', clientHardwareAddress: hardware },
    ],
    ['FREE with only address', { address: '10.0.0.1', bindingStatus: 'FREE' }],
    ['BACKUP with only address', { address: '10.0.0.1', bindingStatus: 'BACKUP' }],
    ['ABANDONED with only address', { address: '10.0.0.1', bindingStatus: 'ABANDONED' }],
  ] satisfies [string, LeaseLine][])('accepts %s (FO-5.11-a)', (_, lease) => {
    expect(() => checkLeaseRequirements(lease)).not.toThrow();
  });
});

describe('requiredLeaseFields', () => {
  it.each([
    ['ACTIVE', ['hardwareAddress', 'leaseExpirationTime', 'clientLastTransactionTime']],
    ['RELEASED', ['hardwareAddress', 'clientLastTransactionTime']],
    ['EXPIRED', ['hardwareAddress']],
    ['FREE', []],
  ] as const)('lists the fields %s requires (FO-5.11-a)', (bindingStatus, fields) => {
    expect(requiredLeaseFields(bindingStatus)).toEqual(fields);
  });
});

describe('formatLeaseLine', () => {
  it('writes the documented example line', () => {
    expect(formatLeaseLine(EXAMPLE_LEASE)).toBe(EXAMPLE_LINE);
  });

  it('leaves out hardwareType 1 and ipFlags 0 and writes other values', () => {
    const base: LeaseLine = { address: '10.0.0.1', bindingStatus: 'FREE', ipFlags: 0 };
    expect(formatLeaseLine(base)).toBe('{"address":"10.0.0.1","bindingStatus":"FREE"}');
    expect(
      formatLeaseLine({
        ...base,
        ipFlags: 1,
        clientHardwareAddress: { htype: 6, chaddr: Uint8Array.of(0xab) },
      }),
    ).toBe(
      '{"address":"10.0.0.1","bindingStatus":"FREE","hardwareAddress":"ab","hardwareType":6,"ipFlags":1}',
    );
  });

  it('produces lines that parseLeaseLine reads back unchanged', () => {
    fc.assert(
      fc.property(leaseArbitrary, (lease) => {
        expect(parseLeaseLine(formatLeaseLine(lease))).toEqual(lease);
      }),
    );
  });
});

describe('readLeaseFile', () => {
  it('skips blank lines, CR and a byte order mark', async () => {
    const path = tempPath('leases.jsonl');
    writeFileSync(
      path,
      '\uFEFF{"address":"10.0.0.1","bindingStatus":"FREE"}\r\n\n   \n{"address":"10.0.0.2","bindingStatus":"BACKUP"}',
    );
    const lines = await collect(path);
    expect(
      lines.map((line) => [line.lineNumber, line.lease.address, line.lease.bindingStatus]),
    ).toEqual([
      [1, '10.0.0.1', 'FREE'],
      [4, '10.0.0.2', 'BACKUP'],
    ]);
  });

  it('reads a file larger than one stream chunk line by line', async () => {
    const path = tempPath('big.jsonl');
    const count = 20000;
    const text = Array.from({ length: count }, (_, i) =>
      formatLeaseLine({ ...EXAMPLE_LEASE, address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }),
    ).join('\n');
    writeFileSync(path, `${text}\n`);
    const lines = await collect(path);
    expect(lines).toHaveLength(count);
    expect(lines[count - 1]?.lineNumber).toBe(count);
    expect(lines[count - 1]?.lease.address).toBe('10.0.78.31');
  });

  it('names the path, line and field of the first invalid line', async () => {
    const path = tempPath('bad.jsonl');
    writeFileSync(
      path,
      '{"address":"10.0.0.1","bindingStatus":"FREE"}\n\n{"address":"10.0.0.3","bindingStatus":"GONE"}\n{"oops"\n',
    );
    const error = await readError(path);
    expect(error.code).toBe('FO_ERR_LEASE_LINE_INVALID_FIELD');
    expect(error.line).toBe(3);
    expect(error.field).toBe('bindingStatus');
    expect(error.message).toBe(
      `lease file ${path} line 3 field bindingStatus "GONE", expected one of ${STATUSES}`,
    );
  });

  it('raises FO_ERR_LEASE_FILE_UNREADABLE for a missing file', async () => {
    const path = tempPath('missing.jsonl');
    const error = await readError(path);
    expect(error.code).toBe('FO_ERR_LEASE_FILE_UNREADABLE');
    expect(error.message).toMatch(new RegExp(`^lease file ${path} cannot be read: ENOENT`));
  });
});
