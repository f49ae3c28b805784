// Locates the shared protocol material (spec, captures, cases, interop kit) that sits beside the
// repository as ../shared; DHCPF_SHARED_DIR overrides the location.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sharedDir = process.env['DHCPF_SHARED_DIR'] ?? join(repositoryRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

export const sharedAvailable = existsSync(join(sharedDir, 'spec', 'rules.tsv'));

export { repositoryRoot };
