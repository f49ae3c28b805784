// `npm run spec-notes`: checks the spec-notes tables (see checker.ts) and prints how many rules of
// rules.tsv they map. rules.tsv is read from $DHCPF_SHARED_DIR/spec/, or from ../shared/spec/
// beside the repository. Exits 1 when a check fails or rules.tsv cannot be read.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSpecNotes, formatSummary } from './checker.js';
import { readRules } from './rules.js';

/** Finds the nearest folder above this file with a package.json, from the source or dist/. */
function findRepositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('no package.json above spec-notes/check');

    folder = parent;
  }
  return folder;
}

function rulesPath(repositoryRoot: string): string {
  const sharedDir = process.env['DHCPF_SHARED_DIR'] ?? join(repositoryRoot, '..', 'shared');
  return resolve(sharedDir, 'spec', 'rules.tsv');
}

function main(): number {
  const repositoryRoot = findRepositoryRoot();
  const path = rulesPath(repositoryRoot);
  if (!existsSync(path)) {
    console.error(`spec-notes: ${path} not found; set DHCPF_SHARED_DIR to the shared folder`);
    return 1;
  }

  const result = checkSpecNotes({ repositoryRoot, rules: readRules(path) });
  for (const error of result.errors) console.error(error);
  console.log(formatSummary(result));
  if (result.errors.length > 0) {
    console.error(`spec-notes: ${result.errors.length} problems`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
