// What the interop tests need on the machine: root (network namespaces), ISC dhcpd, iproute2's
// `ip` and `ss`, the namespace and lease scripts beside the repository, and, for tests of dhcpf,
// the built CLI.
// Outside CI a missing piece skips the tests with the reason; with CI set it fails them.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, sharedPath } from '../helpers/shared-dir.js';

export const dhcpfCliPath = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');

export interface InteropPrerequisites {
  /** Absolute path of dhcpd, when found. */
  dhcpd: string | undefined;
  /** Absolute path of `ip`, when found. */
  ip: string | undefined;
  /** What is missing, one phrase each; empty when the tests can run. */
  missing: string[];
}

/** Tells whether a CI runner runs the tests (CI set to anything but empty, 0 or false). */
export function runsInCI(): boolean {
  const value = process.env['CI'] ?? '';
  return value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function findProgram(name: string, candidates: string[]): string | undefined {
  const found = candidates.find((path) => existsSync(path));
  if (found !== undefined) return found;

  try {
    const path = execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return path === '' ? undefined : path;
  } catch {
    return undefined;
  }
}

/** Checks the machine; `needsDhcpf` adds the built CLI (`npm run build`). */
export function checkInteropPrerequisites(options: { needsDhcpf: boolean }): InteropPrerequisites {
  const dhcpd = findProgram('dhcpd', ['/usr/sbin/dhcpd']);
  const ip = findProgram('ip', ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip']);
  const ss = findProgram('ss', ['/usr/bin/ss', '/usr/sbin/ss', '/bin/ss']);
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  if (dhcpd === undefined) missing.push('dhcpd (apt-get install isc-dhcp-server)');
  if (ip === undefined || ss === undefined) missing.push('ip and ss (apt-get install iproute2)');
  if (!existsSync(sharedPath('interop', 'ns.sh'))) {
    missing.push(`the interop scripts in ${sharedPath('interop')}`);
  }
  if (options.needsDhcpf && !existsSync(dhcpfCliPath)) {
    missing.push(`the built CLI ${dhcpfCliPath} (npm run build)`);
  }
  return { dhcpd, ip, missing };
}

/**
 * Decides whether to run the interop tests: when nothing is missing, and always in CI, where
 * `assertPrerequisites` then fails the test. Outside CI a skip prints its reason.
 */
export function shouldRunInterop(prerequisites: InteropPrerequisites, suite: string): boolean {
  if (prerequisites.missing.length === 0) return true;

  if (runsInCI()) return true;

  console.warn(`skipping ${suite}: missing ${prerequisites.missing.join(', ')}`);
  return false;
}

/** Fails the running test when something is missing (reached only in CI). */
export function assertPrerequisites(prerequisites: InteropPrerequisites): {
  dhcpd: string;
  ip: string;
} {
  const { dhcpd, ip, missing } = prerequisites;
  if (missing.length > 0 || dhcpd === undefined || ip === undefined) {
    throw new Error(`interop prerequisites missing in CI: ${missing.join(', ')}`);
  }
  return { dhcpd, ip };
}
