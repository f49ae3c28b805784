import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  assertPrerequisites,
  type InteropPrerequisites,
  runsInCI,
  shouldRunInterop,
} from './prerequisites.js';

const complete: InteropPrerequisites = {
  dhcpd: '/usr/sbin/dhcpd',
  ip: '/usr/sbin/ip',
  missing: [],
};
const withoutRoot: InteropPrerequisites = { ...complete, missing: ['root (network namespaces)'] };

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('interop prerequisites', () => {
  it.each([
    { value: 'true', expected: true },
    { value: '1', expected: true },
    { value: '', expected: false },
    { value: 'false', expected: false },
    { value: '0', expected: false },
  ])('reads CI=$value as $expected', ({ value, expected }) => {
    vi.stubEnv('CI', value);

    expect(runsInCI()).toBe(expected);
  });

  it('runs the tests when nothing is missing', () => {
    vi.stubEnv('CI', '');

    expect(shouldRunInterop(complete, 'suite')).toBe(true);
    expect(assertPrerequisites(complete)).toEqual({ dhcpd: '/usr/sbin/dhcpd', ip: '/usr/sbin/ip' });
  });

  it('skips with the reason outside CI when root is missing', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

    expect(shouldRunInterop(withoutRoot, 'the dhcpf interop tests')).toBe(false);
    expect(warn).toHaveBeenCalledWith(
      'skipping the dhcpf interop tests: missing root (network namespaces)',
    );
  });

  it('runs and fails in CI when root is missing', () => {
    vi.stubEnv('CI', 'true');

    expect(shouldRunInterop(withoutRoot, 'suite')).toBe(true);
    expect(() => assertPrerequisites(withoutRoot)).toThrow(
      'interop prerequisites missing in CI: root (network namespaces)',
    );
  });
});
