import { describe, expect, it } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function withPools(pools: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fo',
    role: 'primary',
    local: { address: '10.77.0.1' },
    peer: { address: '10.77.0.2' },
    mclt: 600,
    pools,
    store: '/var/lib/dhcpf/fo.db',
    ...extra,
  };
}

function errorOf(config: unknown): ConfigError {
  try {
    parseRelationshipConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }

    throw error;
  }

  throw new Error('config was accepted');
}

describe('pools', () => {
  it('rejects two pools that share an address, naming both ranges', () => {
    const error = errorOf(
      withPools([
        { start: '10.0.0.1', end: '10.0.0.5' },
        { start: '10.0.0.3', end: '10.0.0.9' },
      ]),
    );

    expect(error.field).toBe('pools[1]');
    expect(error.message).toContain('does not overlap pools[0] (10.0.0.1-10.0.0.5)');
  });

  it('rejects a pool inside another one listed after it', () => {
    const error = errorOf(
      withPools([
        { start: '10.0.1.10', end: '10.0.1.20' },
        { start: '10.0.1.0', end: '10.0.1.255' },
      ]),
    );

    expect(error.field).toBe('pools[0]');
  });

  it('accepts adjacent pools that meet without sharing an address', () => {
    const config = parseRelationshipConfig(
      withPools([
        { start: '10.0.0.1', end: '10.0.0.5' },
        { start: '10.0.0.6', end: '10.0.0.9' },
      ]),
    );

    expect(config.pools).toHaveLength(2);
  });
});

describe('field values', () => {
  it('names an infinite number as Infinity rather than null', () => {
    const error = errorOf(withPools([{ start: '10.0.0.1', end: '10.0.0.5' }], { mclt: Infinity }));

    expect(error.message).toContain('config field mclt is Infinity');
  });
});
