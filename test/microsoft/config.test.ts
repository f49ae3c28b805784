import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadRelationshipConfig, parseRelationshipConfig } from '../../src/config/load.js';
import { SharedSecret } from '../../src/config/shared-secret.js';
import { parseError } from '../config/parse-error.js';
import { repositoryRoot } from '../helpers/shared-dir.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';

const SECRET_TEXT = 'never-in-a-message';

function microsoft(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fo',
    role: 'primary',
    profile: 'microsoft',
    local: { address: '10.77.0.1' },
    peer: { address: '10.77.0.2' },
    mclt: 3600,
    pools: [{ start: '10.77.1.10', end: '10.77.1.200', subnetMask: '255.255.255.0' }],
    store: '/var/lib/dhcpf/fo.db',
    ...fields,
  };
}

describe('microsoft profile config', () => {
  it('fills in the rebalancing defaults and keeps the subnet mask', () => {
    const config = parseRelationshipConfig(microsoft());

    expect(config.addressRebalancingSeconds).toBe(300);
    expect(config.reservePercent).toBe(5);
    expect(config.pools[0]?.subnetMask).toBe('255.255.255.0');
    expect(config.sharedSecret).toBeUndefined();
  });

  it('retries connecting every 60 s unless configured (MSF-3.1.2.2-a)', () => {
    expect(parseRelationshipConfig(microsoft()).connectRetrySeconds).toBe(60);
    expect(
      parseRelationshipConfig({
        ...microsoft(),
        profile: 'isc',
        pools: [{ start: '10.77.1.10', end: '10.77.1.200' }],
      }).connectRetrySeconds,
    ).toBe(5);
    expect(parseRelationshipConfig(microsoft({ connectRetrySeconds: 7 })).connectRetrySeconds).toBe(
      7,
    );
  });

  it('holds sharedSecret as a SharedSecret that prints redacted (MSF-2.2-c)', () => {
    const config = parseRelationshipConfig(microsoft({ sharedSecret: SECRET_TEXT }));

    expect(config.sharedSecret).toBeInstanceOf(SharedSecret);
    expect(config.sharedSecret?.keyBytes().toString('utf8')).toBe(SECRET_TEXT);
    expect(JSON.stringify(config)).not.toContain(SECRET_TEXT);
    expect(inspect(config, { depth: 5 })).not.toContain(SECRET_TEXT);
  });

  it('reads sharedSecretFile next to the config, without its final line break', () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'secret.txt'), `${SECRET_TEXT}\n`);
    const path = join(directory, 'fo.json');
    writeFileSync(path, JSON.stringify(microsoft({ sharedSecretFile: 'secret.txt' })));

    const config = loadRelationshipConfig(path);

    expect(config.sharedSecret?.keyBytes().toString('utf8')).toBe(SECRET_TEXT);
  });

  it('requires a subnetMask on every pool', () => {
    const error = parseError(microsoft({ pools: [{ start: '10.77.1.10', end: '10.77.1.20' }] }));

    expect(error.code).toBe('FO_ERR_CONFIG_MISSING');
    expect(error.field).toBe('pools[0].subnetMask');
  });

  it.each([
    ['a mask with a hole', '255.0.255.0'],
    ['a subnet that does not hold the range', '255.255.255.128'],
  ])('rejects %s', (_title, subnetMask) => {
    const pools = [{ start: '10.77.1.10', end: '10.77.1.200', subnetMask }];

    expect(parseError(microsoft({ pools })).field).toBe('pools[0].subnetMask');
  });

  it.each([
    ['a secret that is not a string', { sharedSecret: 12345678 }, 'sharedSecret'],
    ['an empty secret', { sharedSecret: '' }, 'sharedSecret'],
    ['both secret fields', { sharedSecret: SECRET_TEXT, sharedSecretFile: 'x' }, 'sharedSecret'],
    ['reservePercent 101', { reservePercent: 101 }, 'reservePercent'],
    ['addressRebalancingSeconds 0', { addressRebalancingSeconds: 0 }, 'addressRebalancingSeconds'],
  ])('rejects %s, naming the field and not the secret', (_title, fields, field) => {
    const error = parseError(microsoft(fields));

    expect(error.field).toBe(field);
    expect(error.message).not.toContain(SECRET_TEXT);
    expect(error.message).not.toContain('12345678');
  });

  it('names the secret file but not its content when it cannot be read', () => {
    const error = parseError(microsoft({ sharedSecretFile: '/nonexistent/secret.txt' }));

    expect(error.code).toBe('FO_ERR_CONFIG_UNREADABLE');
    expect(error.message).toContain('/nonexistent/secret.txt');
  });
});

describe('isc profile config', () => {
  it.each([
    ['sharedSecret', { sharedSecret: SECRET_TEXT }],
    ['reservePercent', { reservePercent: 10 }],
    ['addressRebalancingSeconds', { addressRebalancingSeconds: 60 }],
  ])('rejects %s, which applies only with profile "microsoft"', (field, fields) => {
    const error = parseError(microsoft({ profile: 'isc', ...fields }));

    expect(error.field).toBe(field);
    expect(error.message).toContain('microsoft');
    expect(error.message).not.toContain(SECRET_TEXT);
  });

  it('accepts a pool subnetMask and stateSwitchoverSeconds', () => {
    const config = parseRelationshipConfig(
      microsoft({ profile: 'isc', stateSwitchoverSeconds: 3600 }),
    );

    expect(config.stateSwitchoverSeconds).toBe(3600);
    expect(config.reservePercent).toBeUndefined();
  });
});

describe('examples/microsoft.json', () => {
  it('loads once its secret file exists', () => {
    const directory = temporaryDirectory();
    const example = readFileSync(join(repositoryRoot, 'examples', 'microsoft.json'), 'utf8');
    writeFileSync(join(directory, 'microsoft.json'), example);
    writeFileSync(join(directory, 'dhcp-fo-1.secret'), `${SECRET_TEXT}\n`);

    const config = loadRelationshipConfig(join(directory, 'microsoft.json'));

    expect(config.profile).toBe('microsoft');
    expect(config.sharedSecret?.byteLength).toBe(SECRET_TEXT.length);
    expect(config.store).toBe(join(directory, 'dhcp-fo-1.db'));
  });
});
