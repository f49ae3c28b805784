import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfigFile } from '../../src/cli/config-check.js';
import { temporaryDirectory } from '../peer/peer-fixtures.js';

const VALID = {
  name: 'fo',
  role: 'primary',
  local: { address: '127.0.0.1' },
  peer: { address: '127.0.0.2' },
  mclt: 600,
  pools: [{ start: '10.0.0.1', end: '10.0.0.5' }],
  store: 'fo.db',
};

/** Writes `text` as a config file and returns the messages of the errors it has. */
function errorsOf(text: string): string[] {
  const path = join(temporaryDirectory(), 'fo.json');
  writeFileSync(path, text);
  return checkConfigFile(path).errors.map((error) => error.message);
}

describe('dhcpf config check on odd field names', () => {
  it('reports each unknown field named after an Object.prototype member once', () => {
    const errors = errorsOf(
      JSON.stringify({ ...VALID, constructor: 1, toString: 2, hasOwnProperty: 3 }),
    );

    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^config field constructor is unknown/);
    expect(errors[1]).toMatch(/^config field toString is unknown/);
    expect(errors[2]).toMatch(/^config field hasOwnProperty is unknown/);
  });

  it('reports a __proto__ field once', () => {
    const errors = errorsOf(
      `{"__proto__": {"role": "secondary"}, ${JSON.stringify(VALID).slice(1)}`,
    );

    expect(errors).toEqual([expect.stringMatching(/^config field __proto__ is unknown/)]);
  });
});

describe('dhcpf config check with profile microsoft', () => {
  it('goes on past pools without a subnet mask to the fields after them', () => {
    const errors = errorsOf(
      JSON.stringify({ ...VALID, profile: 'microsoft', sharedSecret: '', reservePercent: 'x' }),
    );

    expect(errors).toContain(
      'config field pools[0].subnetMask is missing, expected the scope\'s subnet mask with profile "microsoft"',
    );
    expect(new Set(errors).size).toBe(errors.length);
    expect(errors.some((message) => message.startsWith('config field sharedSecret'))).toBe(true);
    expect(errors.some((message) => message.startsWith('config field reservePercent'))).toBe(true);
  });

  it('never prints the shared secret it rejects', () => {
    // Longer than the 4096 characters a secret may have, so the loader rejects it.
    const secret = 'S'.repeat(5000);

    const errors = errorsOf(
      JSON.stringify({ ...VALID, profile: 'microsoft', sharedSecret: secret }),
    );

    expect(errors.some((message) => message.startsWith('config field sharedSecret'))).toBe(true);
    expect(errors.join('\n')).not.toContain('SSSSSSSS');
  });
});
