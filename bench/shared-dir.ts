// Locates the shared protocol material beside the repository (../shared, or DHCPF_SHARED_DIR),
// where the bench finds the dhcpd captures it decodes.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs from bench/ under ts and from dist/bench/ when built. */
export const repositoryRoot = findRepositoryRoot(dirname(fileURLToPath(import.meta.url)));

export const sharedDir = process.env['DHCPF_SHARED_DIR'] ?? join(repositoryRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

/** The built CLI that the resync runs start inside the namespaces. */
export const dhcpfCliPath = join(repositoryRoot, 'dist', 'src', 'cli', 'main.js');

function findRepositoryRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) {
      return resolve(start, '..');
    }

    directory = parent;
  }

  return directory;
}
