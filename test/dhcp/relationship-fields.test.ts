import { describe, expect, it } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const BASE = {
  name: 'fo-test',
  role: 'primary',
  local: { address: '127.0.0.1', port: 0 },
  peer: { address: '127.0.0.1', port: 1 },
  mclt: 3600,
  pools: [{ start: '192.0.2.20', end: '192.0.2.110' }],
  store: ':memory:',
};

const RESERVATION = { address: '192.0.2.90', hardwareAddress: '00:00:5e:00:53:5a' };

function configError(fields: Record<string, unknown>): ConfigError {
  try {
    parseRelationshipConfig({ ...BASE, ...fields });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('config accepted, expected a ConfigError');
}

describe('load-balancing config fields', () => {
  it('leaves loadBalanceMaxSecs, secsByteorderHeuristic and hba out when absent', () => {
    const config = parseRelationshipConfig(BASE);

    expect(config.loadBalanceMaxSecs).toBeUndefined();
    expect(config.secsByteorderHeuristic).toBeUndefined();
    expect(config.hba).toBeUndefined();
  });

  it('reads loadBalanceMaxSecs and secsByteorderHeuristic', () => {
    const config = parseRelationshipConfig({
      ...BASE,
      loadBalanceMaxSecs: 5,
      secsByteorderHeuristic: true,
    });

    expect(config.loadBalanceMaxSecs).toBe(5);
    expect(config.secsByteorderHeuristic).toBe(true);
  });

  it.each([
    ['loadBalanceMaxSecs', -1],
    ['loadBalanceMaxSecs', 65_536],
    ['loadBalanceMaxSecs', '5'],
    ['secsByteorderHeuristic', 'yes'],
  ])('rejects %s %j, naming the field', (field, value) => {
    const error = configError({ [field]: value });

    expect(error.code).toBe('FO_ERR_CONFIG_INVALID');
    expect(error.field).toBe(field);
  });
});

describe('reservations config field', () => {
  it('reads a reservation with hardware address and client-identifier', () => {
    const config = parseRelationshipConfig({
      ...BASE,
      reservations: [{ ...RESERVATION, clientIdentifier: '0100005e00535a' }],
    });

    expect(config.reservations).toEqual([
      {
        address: '192.0.2.90',
        hardwareAddress: Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x53, 0x5a),
        clientIdentifier: Uint8Array.of(0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x5a),
      },
    ]);
  });

  it('leaves reservations out when absent', () => {
    expect(parseRelationshipConfig(BASE).reservations).toBeUndefined();
  });

  it.each([
    [
      'an address outside every pool',
      [{ ...RESERVATION, address: '192.0.2.10' }],
      'reservations[0].address',
    ],
    [
      'an address reserved twice',
      [RESERVATION, { ...RESERVATION, hardwareAddress: '02:00:00:00:00:01' }],
      'reservations[1].address',
    ],
    [
      'a hardware address with a bad digit',
      [{ ...RESERVATION, hardwareAddress: '00:00:5e:00:53:5g' }],
      'reservations[0].hardwareAddress',
    ],
    [
      'a hardware address of 17 bytes',
      [{ ...RESERVATION, hardwareAddress: '00'.repeat(17) }],
      'reservations[0].hardwareAddress',
    ],
    ['no hardware address', [{ address: '192.0.2.90' }], 'reservations[0].hardwareAddress'],
    ['an unknown field', [{ ...RESERVATION, host: 'printer' }], 'reservations[0].host'],
    ['an object instead of a list', RESERVATION, 'reservations'],
  ])('rejects %s, naming the field', (_, reservations, field) => {
    const error = configError({ reservations });

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.field).toBe(field);
  });
});
