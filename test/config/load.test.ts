import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadRelationshipConfig, parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { parseError } from './parse-error.js';

function minimal(): Record<string, unknown> {
  return {
    name: 'fo',
    role: 'primary',
    local: { address: '10.77.0.1' },
    peer: { address: '10.77.0.2' },
    mclt: 600,
    pools: [{ start: '10.77.1.0', end: '10.77.2.99' }],
    store: '/var/lib/dhcpf/fo.db',
  };
}

describe('parseRelationshipConfig', () => {
  it('fills in every default for a minimal config', () => {
    const config = parseRelationshipConfig(minimal());

    expect(config).toEqual({
      name: 'fo',
      role: 'primary',
      profile: 'isc',
      local: { address: '10.77.0.1', port: 647 },
      peer: { address: '10.77.0.2', port: 647 },
      mclt: 600,
      maxUnackedUpdates: 10,
      updatesPerMessage: 1,
      receiveTimer: 30,
      split: 128,
      maxClockSkew: 60,
      startupSeconds: 5,
      startupExpiry: 'previous-state',
      connectRetrySeconds: 5,
      pools: [{ start: '10.77.1.0', end: '10.77.2.99' }],
      store: '/var/lib/dhcpf/fo.db',
    });
  });

  it('gives a secondary without mclt 3600 s until the primary sends one (FO-7.8.2-h)', () => {
    const config = parseRelationshipConfig({ ...minimal(), role: 'secondary', mclt: undefined });

    expect(config.mclt).toBe(3600);
  });

  it('resolves a relative store path against the base directory', () => {
    const config = parseRelationshipConfig(
      { ...minimal(), store: 'fo.db' },
      { baseDirectory: '/etc/dhcpf' },
    );

    expect(config.store).toBe('/etc/dhcpf/fo.db');
  });

  const invalid: [string, Record<string, unknown>, string, string][] = [
    ['role', { role: 'tertiary' }, 'role', '"primary", "secondary"'],
    ['profile', { profile: 'windows' }, 'profile', '"isc", "microsoft"'],
    ['local address', { local: { address: '10.77.0' } }, 'local.address', 'IPv4'],
    ['peer port', { peer: { address: '10.77.0.2', port: 0 } }, 'peer.port', '1 to 65535'],
    ['mclt zero', { mclt: 0 }, 'mclt', '1 to 4294967295'],
    ['max-unacked zero', { maxUnackedUpdates: 0 }, 'maxUnackedUpdates', '1 to'],
    ['updates per message', { updatesPerMessage: 17 }, 'updatesPerMessage', '1 to 16'],
    ['split 256', { split: 256 }, 'split', '0 to 255'],
    ['fractional receive-timer', { receiveTimer: 2.5 }, 'receiveTimer', 'integer'],
    ['string skew', { maxClockSkew: '60' }, 'maxClockSkew', 'integer'],
    ['empty name', { name: '' }, 'name', 'non-empty string'],
    ['empty pools', { pools: [] }, 'pools', 'non-empty array'],
    [
      'reversed pool',
      { pools: [{ start: '10.77.2.0', end: '10.77.1.0' }] },
      'pools[0].end',
      'not below start',
    ],
    ['same endpoint', { peer: { address: '10.77.0.1' } }, 'peer', 'different from local'],
  ];

  it.each(invalid)('rejects an invalid %s naming the field', (_, change, field, allowed) => {
    const error = parseError({ ...minimal(), ...change });

    expect(error.code).toBe('FO_ERR_CONFIG_INVALID');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`config field ${field} is `);
    expect(error.message).toContain(allowed);
  });

  it('shows the value found in the message', () => {
    const error = parseError({ ...minimal(), role: 'tertiary' });

    expect(error.message).toBe(
      'config field role is "tertiary", expected one of "primary", "secondary"',
    );
  });

  it.each(['name', 'role', 'local', 'peer', 'pools', 'store'])('rejects a missing %s', (field) => {
    const error = parseError({ ...minimal(), [field]: undefined });

    expect(error.code).toBe('FO_ERR_CONFIG_MISSING');
    expect(error.field).toBe(field);
  });

  it('requires mclt on a primary (FO-5.2.1-d)', () => {
    const error = parseError({ ...minimal(), mclt: undefined });

    expect(error.code).toBe('FO_ERR_CONFIG_MISSING');
    expect(error.field).toBe('mclt');
  });

  it('rejects an unknown top-level field and lists the known ones', () => {
    const error = parseError({ ...minimal(), maxUnackedUpdate: 10 });

    expect(error.code).toBe('FO_ERR_CONFIG_UNKNOWN_FIELD');
    expect(error.field).toBe('maxUnackedUpdate');
    expect(error.message).toContain('maxUnackedUpdates');
  });

  it('rejects an unknown nested field with its dotted path', () => {
    const error = parseError({ ...minimal(), peer: { address: '10.77.0.2', host: 'b' } });

    expect(error.code).toBe('FO_ERR_CONFIG_UNKNOWN_FIELD');
    expect(error.field).toBe('peer.host');
  });

  it('rejects a config that is not an object', () => {
    const error = parseError([minimal()]);

    expect(error.field).toBe('config');
  });
});

describe('loadRelationshipConfig', () => {
  function writeConfig(text: string): string {
    const directory = mkdtempSync(join(tmpdir(), 'dhcpf-config-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'fo.json');
    writeFileSync(path, text);
    return path;
  }

  it('reads a file and resolves the store next to it', () => {
    const path = writeConfig(JSON.stringify({ ...minimal(), store: 'fo.db' }));

    const config = loadRelationshipConfig(path);

    expect(config.store).toBe(join(path, '..', 'fo.db'));
  });

  it('reports a file that is not JSON', () => {
    const path = writeConfig('{ "name": ');

    expect(() => loadRelationshipConfig(path)).toThrow(ConfigError);
    expect(() => loadRelationshipConfig(path)).toThrow(/is not valid JSON/);
  });

  it('reports a missing file with its path', () => {
    let error: unknown;
    try {
      loadRelationshipConfig('/nonexistent/fo.json');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    if (error instanceof ConfigError) {
      expect(error.code).toBe('FO_ERR_CONFIG_UNREADABLE');
      expect(error.message).toContain('/nonexistent/fo.json');
    }
  });
});

describe('parseRelationshipConfig pools', () => {
  it('rejects two pools that share an address, naming both ranges', () => {
    const pools = [
      { start: '10.0.0.1', end: '10.0.0.5' },
      { start: '10.0.0.3', end: '10.0.0.9' },
    ];

    const error = parseError({ ...minimal(), pools });

    expect(error.field).toBe('pools[1]');
    expect(error.message).toContain('does not overlap pools[0] (10.0.0.1-10.0.0.5)');
  });

  it('rejects a pool inside another one listed after it', () => {
    const pools = [
      { start: '10.0.1.10', end: '10.0.1.20' },
      { start: '10.0.1.0', end: '10.0.1.255' },
    ];

    expect(parseError({ ...minimal(), pools }).field).toBe('pools[0]');
  });

  it('accepts adjacent pools that share no address', () => {
    const pools = [
      { start: '10.0.0.1', end: '10.0.0.5' },
      { start: '10.0.0.6', end: '10.0.0.9' },
    ];

    expect(parseRelationshipConfig({ ...minimal(), pools }).pools).toHaveLength(2);
  });

  it('names an infinite number as Infinity rather than null', () => {
    expect(parseError({ ...minimal(), mclt: Infinity }).message).toContain(
      'config field mclt is Infinity',
    );
  });
});
