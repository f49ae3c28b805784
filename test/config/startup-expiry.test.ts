import { describe, expect, it } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function config(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'fo',
    role: 'secondary',
    local: { address: '10.77.0.1' },
    peer: { address: '10.77.0.2' },
    pools: [{ start: '10.77.1.0', end: '10.77.1.99', subnetMask: '255.255.255.0' }],
    store: '/var/lib/dhcpf/fo.db',
    ...overrides,
  };
}

describe('startupExpiry', () => {
  it('resumes the previous state by default in the isc profile (FO-9.3.2-g)', () => {
    expect(parseRelationshipConfig(config()).startupExpiry).toBe('previous-state');
  });

  it('serves without history by default in the microsoft profile (MSF-3.1.6.3-b)', () => {
    const parsed = parseRelationshipConfig(config({ profile: 'microsoft' }));

    expect(parsed.startupExpiry).toBe('serve-without-history');
  });

  it.each(['previous-state', 'keep-waiting', 'partner-down', 'serve-without-history'])(
    'accepts %s in either profile (FO-9.3.2-b)',
    (policy) => {
      const isc = parseRelationshipConfig(config({ startupExpiry: policy }));
      const microsoft = parseRelationshipConfig(
        config({ profile: 'microsoft', startupExpiry: policy }),
      );

      expect(isc.startupExpiry).toBe(policy);
      expect(microsoft.startupExpiry).toBe(policy);
    },
  );

  it('rejects an unknown policy, naming the field and the allowed values', () => {
    let caught: unknown;
    try {
      parseRelationshipConfig(config({ startupExpiry: 'wait' }));
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('FO_ERR_CONFIG_INVALID');
    expect((caught as ConfigError).message).toBe(
      'config field startupExpiry is "wait", expected one of "previous-state", "keep-waiting", ' +
        '"partner-down", "serve-without-history"',
    );
  });
});
