import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { parseIscLeaseFile } from '../../src/isc/index.js';
import { sharedAvailable, sharedPath } from '../helpers/shared-dir.js';
import { formatHex, formatIscDate, formatIscLease } from './dhcpd-syntax.js';

const DAY = 86_400;

function generateLeases(count: number): string {
  return execFileSync('node', [sharedPath('interop', 'gen-leases.js'), String(count)], {
    encoding: 'latin1',
  });
}

describe('parseIscLeaseFile on generated lease files', () => {
  it.skipIf(!sharedAvailable)(
    'reads every lease of a 300-lease file (needs the lease generator)',
    () => {
      const file = parseIscLeaseFile(generateLeases(300));

      expect(file.leases).toHaveLength(300);
      expect(file.leaseDeclarationCount).toBe(300);
      expect(file.failoverPeers).toEqual([]);
      expect(file.leases[0]?.address).toBe('10.77.1.0');
      expect(file.leases[299]?.address).toBe('10.77.2.43');
    },
  );

  it.skipIf(!sharedAvailable)(
    'decodes dates, hardware and uid of each lease (needs the lease generator)',
    () => {
      const file = parseIscLeaseFile(generateLeases(300));

      for (const [i, lease] of file.leases.entries()) {
        const low = [(i >> 8) & 0xff, i & 0xff];
        expect(lease.bindingStatus).toBe('ACTIVE');
        expect(lease.nextBindingStatus).toBe('FREE');
        expect(lease.rewindBindingStatus).toBe('FREE');
        expect(lease.ipFlags).toBe(0);
        expect(lease.hardwareAddress?.htype).toBe(1);
        expect([...(lease.hardwareAddress?.chaddr ?? [])]).toEqual([2, 0, 0, 0, ...low]);
        expect([...(lease.clientIdentifier ?? [])]).toEqual([1, 2, 0, 0, 0, ...low]);
        expect(Number(lease.ends) - Number(lease.starts)).toBe(DAY);
        expect(lease.tstp).toBe(lease.ends);
        expect(lease.cltt).toBe(lease.starts);
      }
    },
  );

  it.skipIf(!sharedAvailable)(
    'reads an empty file as no leases (needs the lease generator)',
    () => {
      const file = parseIscLeaseFile(generateLeases(0));

      expect(file.leases).toEqual([]);
      expect(file.leaseDeclarationCount).toBe(0);
    },
  );
});

// A file in the shape dhcpd 4.4.3 writes after a failover resync: header comments, repeated
// failover state blocks, a server-duid and a lease declared twice.
const WRITTEN_BY_DHCPD = `# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

failover peer "fo" state {
  my state recover at 5 2026/12/04 17:11:48;
  partner state unknown-state at 5 2026/12/04 17:11:48;
  mclt 0;
}
server-duid "\\000\\001\\000\\0012\\245";

lease 10.77.1.0 {
  starts 5 2026/12/04 16:11:47;
  ends 6 2026/12/05 16:11:47;
  tsfp 6 2026/12/05 16:11:47;
  atsfp 6 2026/12/05 16:11:47;
  binding state active;
  next binding state expired;
  hardware ethernet 02:00:00:00:00:00;
  uid "\\001\\002\\000\\000\\000\\000\\000";
}
lease 10.77.1.100 {
  binding state free;
}
lease 10.77.1.101 {
  starts 5 2026/12/04 17:11:48;
  tsfp 5 2026/12/04 17:11:48;
  atsfp 5 2026/12/04 17:11:48;
  binding state backup;
}
lease 10.77.1.100 {
  starts 5 2026/12/04 17:11:49;
  tstp 5 2026/12/04 17:11:49;
  binding state backup;
}
failover peer "fo" state {
  my state normal at 5 2026/12/04 17:11:48;
  partner state normal at 5 2026/12/04 17:11:48;
  mclt 600;
}
`;

describe('parseIscLeaseFile on a file written by dhcpd', () => {
  const file = parseIscLeaseFile(WRITTEN_BY_DHCPD);

  it('keeps the last declaration of an address', () => {
    expect(file.leaseDeclarationCount).toBe(4);
    expect(file.leases.map((lease) => lease.address)).toEqual([
      '10.77.1.0',
      '10.77.1.100',
      '10.77.1.101',
    ]);
    expect(file.leases[1]?.bindingStatus).toBe('BACKUP');
    expect(file.leases[1]?.starts).toBe(Date.UTC(2026, 11, 4, 17, 11, 49) / 1000);
    expect(file.leases[1]?.line).toBe(33);
  });

  it('reads the statements of an ACTIVE lease', () => {
    const lease = file.leases[0];

    expect(lease?.bindingStatus).toBe('ACTIVE');
    expect(lease?.nextBindingStatus).toBe('EXPIRED');
    expect(lease?.ends).toBe(Date.UTC(2026, 11, 5, 16, 11, 47) / 1000);
    expect(lease?.tsfp).toBe(lease?.ends);
    expect(lease?.atsfp).toBe(lease?.ends);
    expect(lease?.tstp).toBeUndefined();
    expect(lease?.hardwareAddress).toEqual({ htype: 1, chaddr: Uint8Array.of(2, 0, 0, 0, 0, 0) });
    expect(lease?.clientIdentifier).toEqual(Uint8Array.of(1, 2, 0, 0, 0, 0, 0));
    expect(lease?.skippedStatements).toEqual([]);
  });

  it('keeps the last failover state block of a relationship', () => {
    expect(file.failoverPeers).toEqual([
      {
        name: 'fo',
        myState: 'NORMAL',
        myStateTime: Date.UTC(2026, 11, 4, 17, 11, 48) / 1000,
        partnerState: 'NORMAL',
        partnerStateTime: Date.UTC(2026, 11, 4, 17, 11, 48) / 1000,
        mclt: 600,
        line: 38,
      },
    ]);
  });

  it('reads authoring-byte-order and server-duid', () => {
    expect(file.authoringByteOrder).toBe('little-endian');
    expect(file.serverDuid).toEqual(Uint8Array.of(0, 1, 0, 1, 0x32, 0xa5));
    expect(file.skippedDeclarations).toEqual([]);
  });
});

describe('parseIscLeaseFile statements', () => {
  it('reads a uid written as colon-separated hex', () => {
    const file = parseIscLeaseFile('lease 10.0.0.1 { binding state active; uid 01:0a:ff; }');

    expect(file.leases[0]?.clientIdentifier).toEqual(Uint8Array.of(1, 10, 255));
  });

  it('decodes printable characters and escapes in a uid string', () => {
    const file = parseIscLeaseFile('lease 10.0.0.1 { uid "a\\"\\\\\\x41\\t\\1z"; }');

    expect(file.leases[0]?.clientIdentifier).toEqual(
      Uint8Array.of(0x61, 0x22, 0x5c, 0x41, 0x09, 0x01, 0x7a),
    );
  });

  it('reads ends never and epoch dates', () => {
    const text = `lease 10.0.0.1 {
      starts epoch 1796000000; # Thu Nov 29 10:13:20 2026
      ends never;
      binding state active;
    }`;
    const lease = parseIscLeaseFile(text).leases[0];

    expect(lease?.starts).toBe(1_796_000_000);
    expect(lease?.ends).toBe('never');
  });

  it('maps bootp and reserved binding states to ACTIVE with IP-flags', () => {
    const text = `lease 10.0.0.1 { binding state bootp; }
      lease 10.0.0.2 { binding state reserved; }
      lease 10.0.0.3 { binding state active; bootp; reserved; }`;
    const leases = parseIscLeaseFile(text).leases;

    expect(leases.map((lease) => lease.bindingStatus)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    expect(leases.map((lease) => lease.ipFlags)).toEqual([0x2, 0x1, 0x3]);
  });

  it('reads every binding state keyword', () => {
    const states = ['free', 'active', 'expired', 'released', 'abandoned', 'reset', 'backup'];
    const text = states
      .map((state, i) => `lease 10.0.0.${i} { binding state ${state}; }`)
      .join('\n');

    expect(parseIscLeaseFile(text).leases.map((lease) => lease.bindingStatus)).toEqual(
      states.map((state) => state.toUpperCase()),
    );
  });

  it('records set variables, client-hostname and skipped statements', () => {
    const text = `lease 10.0.0.1 {
      binding state active;
      client-hostname "pc-17";
      set vendor-class-identifier = "MSFT 5.0";
      set ddns-rev-name = "1.0.0.10.in-addr.arpa.";
      option agent.circuit-id 0:1:2;
      on expiry { set ddns-fwd-name = "x"; }
      hardware token-ring 00:11:22:33:44:55;
    }`;
    const lease = parseIscLeaseFile(text).leases[0];

    expect(lease?.clientHostname).toBe('pc-17');
    expect(lease?.variables).toEqual({
      'vendor-class-identifier': 'MSFT 5.0',
      'ddns-rev-name': '1.0.0.10.in-addr.arpa.',
    });
    expect(lease?.skippedStatements).toEqual(['option', 'on']);
    expect(lease?.hardwareAddress?.htype).toBe(6);
  });

  it('skips host and group declarations with their line', () => {
    const text = `host pc1 { hardware ethernet 00:11:22:33:44:55; fixed-address 10.0.0.9; }
group { host pc2 { deleted; } }
lease 10.0.0.1 { binding state free; }`;
    const file = parseIscLeaseFile(text);

    expect(file.skippedDeclarations).toEqual([
      { keyword: 'host', line: 1 },
      { keyword: 'group', line: 2 },
    ]);
    expect(file.leases).toHaveLength(1);
  });

  it('infers the binding-status of a lease without binding state from ends', () => {
    const now = Date.UTC(2026, 0, 1) / 1000;
    const text = `lease 10.0.0.1 { ends ${formatIscDate(now + 60)}; }
      lease 10.0.0.2 { ends ${formatIscDate(now - 60)}; }
      lease 10.0.0.3 { }`;
    const leases = parseIscLeaseFile(text, { now }).leases;

    expect(leases.map((lease) => lease.bindingStatus)).toEqual(['ACTIVE', 'FREE', 'FREE']);
  });

  it('reads peer state as the partner state', () => {
    const text = `failover peer "a b" state {
      my state partner-down at 1 2026/01/05 00:00:00;
      peer state recover-wait at 1 2026/01/05 00:00:00;
    }`;
    const [peer] = parseIscLeaseFile(text).failoverPeers;

    expect(peer?.name).toBe('a b');
    expect(peer?.myState).toBe('PARTNER-DOWN');
    expect(peer?.partnerState).toBe('RECOVER-WAIT');
    expect(peer?.mclt).toBeUndefined();
  });
});

describe('parseIscLeaseFile errors', () => {
  it.each([
    {
      case: 'an address outside IPv4',
      text: 'lease 10.0.0.1 { }\nlease 10.0.0.256 {\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 2,
      message: 'lease address "10.0.0.256", expected a dotted-quad IPv4 address at line 2',
    },
    {
      case: 'a month 13',
      text: 'lease 10.0.0.1 {\n  ends 5 2026/13/04 17:11:48;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 2,
      message: 'lease 10.0.0.1 ends "5 2026/13/04 17:11:48" is not a valid UTC date at line 2',
    },
    {
      case: 'a date without its time',
      text: 'lease 10.0.0.1 {\n  ends 5 2026/12/04;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 2,
      message: `lease 10.0.0.1 ends found ';', expected a word at line 2`,
    },
    {
      case: 'an unknown binding state',
      text: 'lease 10.0.0.1 {\n\n  binding state bound;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 3,
      message:
        'lease 10.0.0.1 binding "bound", expected one of free, active, expired, released, ' +
        'abandoned, reset, backup, reserved, bootp at line 3',
    },
    {
      case: 'a missing semicolon',
      text: 'lease 10.0.0.1 {\n  binding state active\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 3,
      message: `lease 10.0.0.1 binding found '}', expected ';' at line 3`,
    },
    {
      case: 'an unknown statement without a semicolon',
      text: 'lease 10.0.0.1 {\n  frobnicate 1 2\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 3,
      message: `lease 10.0.0.1 frobnicate found '}', expected ';' at line 3`,
    },
    {
      case: 'a lease block cut off by the end of the file',
      text: 'lease 10.0.0.1 {\n  binding state active;\n',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 2,
      message: 'lease 10.0.0.1 found the end of the file, expected a word at line 2',
    },
    {
      case: 'an unterminated string',
      text: 'lease 10.0.0.1 {\n  uid "\\001\\002;\n}\n',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 2,
      message: `string unterminated, expected a closing '"' before the end of the file at line 2`,
    },
    {
      case: 'an unknown hardware type',
      text: 'lease 10.0.0.1 {\n  hardware wifi 00:11;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 2,
      message:
        'lease 10.0.0.1 hardware type "wifi", expected one of ethernet, token-ring, fddi, ' +
        'infiniband at line 2',
    },
    {
      case: 'a hardware address with a bad octet',
      text: 'lease 10.0.0.1 {\n  hardware ethernet 00:1g;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 2,
      message: 'lease 10.0.0.1 hardware "00:1g", expected colon-separated hex octets at line 2',
    },
    {
      case: 'an unknown failover state',
      text: 'failover peer "fo" state {\n  my state happy at 5 2026/12/04 17:11:48;\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_VALUE',
      line: 2,
      message:
        'failover peer "fo" my "happy", expected one of unknown-state, startup, normal, ' +
        'communications-interrupted, partner-down, potential-conflict, recover, paused, ' +
        'shutdown, recover-done, resolution-interrupted, conflict-done, recover-wait at line 2',
    },
    {
      case: 'a stray closing brace',
      text: 'lease 10.0.0.1 { }\n}',
      code: 'FO_ERR_ISC_LEASE_FILE_SYNTAX',
      line: 2,
      message: `top-level declaration found '}', expected a word at line 2`,
    },
  ])('rejects $case with the line', ({ text, code, line, message }) => {
    expect(() => parseIscLeaseFile(text)).toThrowError(
      expect.objectContaining({ name: 'IscLeaseFileError', code, line, message }),
    );
  });
});

const sampleLease = fc.record({
  index: fc.integer({ min: 0, max: 0xffff }),
  bindingState: fc.constantFrom('active', 'expired', 'released', 'abandoned', 'free', 'backup'),
  starts: fc.integer({ min: 0, max: 0x7fff_ffff - DAY }),
  lengthSeconds: fc.integer({ min: 0, max: DAY * 30 }),
  chaddr: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  uid: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  uidAsHex: fc.boolean(),
});

describe('parseIscLeaseFile round trip', () => {
  fcTest.prop([fc.array(sampleLease, { maxLength: 20 })])(
    'reads back the last declaration of each written lease',
    (samples) => {
      const written = samples.map((sample) => ({
        address: `10.1.${sample.index >> 8}.${sample.index & 0xff}`,
        bindingState: sample.bindingState,
        starts: sample.starts,
        ends: sample.starts + sample.lengthSeconds,
        cltt: sample.starts,
        chaddr: sample.chaddr,
        uid: sample.uid,
        uidAsHex: sample.uidAsHex,
      }));
      const last = new Map(written.map((lease) => [lease.address, lease]));
      const file = parseIscLeaseFile(written.map(formatIscLease).join('\n'));

      expect(file.leaseDeclarationCount).toBe(written.length);
      expect(file.leases).toHaveLength(last.size);
      for (const lease of file.leases) {
        const expected = last.get(lease.address);
        expect(lease.bindingStatus).toBe(expected?.bindingState.toUpperCase());
        expect(lease.starts).toBe(expected?.starts);
        expect(lease.ends).toBe(expected?.ends);
        expect(formatHex(lease.hardwareAddress?.chaddr ?? new Uint8Array())).toBe(
          formatHex(expected?.chaddr ?? new Uint8Array()),
        );
        expect(lease.clientIdentifier).toEqual(expected?.uid);
      }
    },
  );
});
