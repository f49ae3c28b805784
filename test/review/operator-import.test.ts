import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatImportSummary, importIsc } from '../../src/cli/import.js';
import { DhcpdConfError, MAX_BLOCK_DEPTH, parseDhcpdConf } from '../../src/isc/dhcpd-conf.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';

const PEER = `failover peer "fo" {
  primary;
  address 127.0.0.1; port 647;
  peer address 127.0.0.2; peer port 647;
  mclt 600; split 128;
}`;

const POOL = `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { failover peer "fo"; range 10.0.0.10 10.0.0.20; }
}`;

function confErrorOf(text: string): DhcpdConfError {
  try {
    parseDhcpdConf(text);
  } catch (error) {
    if (error instanceof DhcpdConfError) {
      return error;
    }

    throw error;
  }

  throw new Error('dhcpd.conf accepted');
}

/** Writes dhcpd.conf and dhcpd.leases into a new directory; returns the import options. */
function importInputs(conf: string, leases: string): { conf: string; leases: string; out: string } {
  const directory = temporaryDirectory();
  writeFileSync(join(directory, 'dhcpd.conf'), conf);
  writeFileSync(join(directory, 'dhcpd.leases'), leases);
  return {
    conf: join(directory, 'dhcpd.conf'),
    leases: join(directory, 'dhcpd.leases'),
    out: join(directory, 'out'),
  };
}

describe('dhcpd.conf parser on hostile input', () => {
  it('names the line of an unterminated block', () => {
    const error = confErrorOf(`${PEER}\n${POOL}\nsubnet 10.1.0.0 netmask 255.255.0.0 {\n`);

    expect(error.code).toBe('FO_ERR_DHCPD_CONF_SYNTAX');
    expect(error.line).toBe(10);
    expect(error.message).toBe(
      "dhcpd.conf ends inside the block that starts at line 10, expected '}'",
    );
  });

  it('names the line of an unterminated statement', () => {
    const error = confErrorOf(`${PEER}\n${POOL}\nddns-update-style none`);

    expect(error.message).toBe('dhcpd.conf ends inside a statement that starts at line 10');
  });

  it('rejects a second failover peer with the same name', () => {
    const error = confErrorOf(`${PEER}\n${PEER}\n${POOL}`);

    expect(error.code).toBe('FO_ERR_DHCPD_CONF_VALUE');
    expect(error.line).toBe(7);
    expect(error.message).toBe(
      'failover peer "fo" at line 7 is declared again, expected one declaration (the first is at line 1)',
    );
  });

  it('skips a failover peer state declaration', () => {
    const conf = parseDhcpdConf(
      `${PEER}\nfailover peer "fo" state {\n  my state partner-down;\n}\n${POOL}`,
    );

    expect(conf.failoverPeers.map((peer) => peer.name)).toEqual(['fo']);
    expect(conf.skipped).toEqual([{ statement: 'failover peer state', line: 7 }]);
  });
});

describe('dhcpf import isc on hostile input', () => {
  it('escapes control characters of the input in its summary', () => {
    const hostile = (text: string): string => text.replaceAll('"fo"', '"fo\\033[2J"');
    const options = importInputs(`${hostile(PEER)}\n${hostile(POOL)}\nx\u001b]0;y;`, '');

    const summary = formatImportSummary(importIsc(options));

    expect(summary).not.toContain('\u001b');
    expect(summary).toContain('relationship fo\\u001b[2J (primary)');
    expect(summary).toContain('line 10: x\\u001b]0');
  });

  it('leaves no output behind when the store rejects a lease', () => {
    // 2^32 seconds and more do not fit the store's 32-bit times.
    const options = importInputs(
      `${PEER}\n${POOL}`,
      'lease 10.0.0.11 {\n  starts epoch 99999999999;\n  binding state active;\n}\n',
    );

    expect(() => importIsc(options)).toThrow(
      expect.objectContaining({ code: 'FO_ERR_STORE_INVALID_BINDING' }),
    );
    expect(readdirSync(options.out)).toEqual([]);
  });

  it('imports again after a failed import', () => {
    const options = importInputs(
      `${PEER}\n${POOL}`,
      'lease 10.0.0.11 {\n  starts epoch 99999999999;\n  binding state active;\n}\n',
    );
    expect(() => importIsc(options)).toThrow();
    writeFileSync(options.leases, 'lease 10.0.0.11 {\n  binding state active;\n}\n');

    const result = importIsc(options);

    expect(result.leases?.bindings).toHaveLength(1);
    expect(existsSync(result.configPath)).toBe(true);
  });
});

describe('dhcpd.conf parser nesting', () => {
  it('rejects blocks nested deeper than the limit with a syntax error', () => {
    const depth = 100_000;

    const error = confErrorOf(`${'group {\n'.repeat(depth)}${'}\n'.repeat(depth)}`);

    expect(error.code).toBe('FO_ERR_DHCPD_CONF_SYNTAX');
    expect(error.message).toBe(
      `block at line ${MAX_BLOCK_DEPTH + 1} is nested ${MAX_BLOCK_DEPTH + 1} deep, expected at most ${MAX_BLOCK_DEPTH}`,
    );
  });

  it('reads a pool nested at the limit', () => {
    const groups = MAX_BLOCK_DEPTH - 2;

    const conf = parseDhcpdConf(
      `${PEER}\n${'group {\n'.repeat(groups)}${POOL}\n${'}\n'.repeat(groups)}`,
    );

    expect(conf.ranges).toHaveLength(1);
  });
});

describe('dhcpf import isc on unusable paths', () => {
  it('raises FO_ERR_IMPORT_UNREADABLE for a missing lease file', () => {
    const options = importInputs(`${PEER}\n${POOL}`, '');
    const leases = join(options.out, '..', 'missing.leases');

    const run = (): unknown => importIsc({ ...options, leases });

    expect(run).toThrow(expect.objectContaining({ code: 'FO_ERR_IMPORT_UNREADABLE' }));
    expect(existsSync(options.out)).toBe(false);
  });

  it('raises FO_ERR_IMPORT_UNWRITABLE when --out is a file', () => {
    const options = importInputs(`${PEER}\n${POOL}`, '');
    writeFileSync(options.out, 'a file');

    const run = (): unknown => importIsc(options);

    expect(run).toThrow(expect.objectContaining({ code: 'FO_ERR_IMPORT_UNWRITABLE' }));
  });
});
