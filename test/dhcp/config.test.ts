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

function configError(dhcp: unknown): ConfigError {
  try {
    parseRelationshipConfig({ ...BASE, dhcp });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('config accepted, expected a ConfigError');
}

describe('dhcp config section', () => {
  it('leaves dhcp undefined when the section is absent', () => {
    expect(parseRelationshipConfig(BASE).dhcp).toBeUndefined();
  });

  it('fills in port 67, the server identifier, the lease and standard replies', () => {
    const config = parseRelationshipConfig({ ...BASE, dhcp: { address: '127.0.0.1' } });

    expect(config.dhcp).toEqual({
      address: '127.0.0.1',
      port: 67,
      serverIdentifier: '127.0.0.1',
      leaseSeconds: 43_200,
      replyTo: 'standard',
    });
  });

  it('reads every field', () => {
    const dhcp = {
      address: '127.0.0.1',
      port: 6767,
      serverIdentifier: '192.0.2.1',
      leaseSeconds: 600,
      subnetMask: '255.255.255.0',
      routers: ['192.0.2.1'],
      replyTo: 'source',
    };

    expect(parseRelationshipConfig({ ...BASE, dhcp }).dhcp).toEqual(dhcp);
  });

  it('rejects an unknown field', () => {
    const error = configError({ address: '127.0.0.1', lease: 5 });

    expect(error.field).toBe('dhcp.lease');
    expect(error.code).toBe('FO_ERR_CONFIG_UNKNOWN_FIELD');
  });

  it('rejects an empty router list', () => {
    const error = configError({ address: '127.0.0.1', routers: [] });

    expect(error.field).toBe('dhcp.routers');
  });

  it('requires the listening address', () => {
    const error = configError({ port: 67 });

    expect(error.field).toBe('dhcp.address');
  });
});
