// Builds the lease store as plain JavaScript in a temporary directory, so a child process can run it
// with plain node and be killed with SIGKILL, which a test worker cannot do to itself.

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repositoryRoot } from '../helpers/shared-dir.js';

const RELATIVE_IMPORT = /(?:from|import)\s+'(\.{1,2}\/[^']+)\.js'/g;

/**
 * Transpiles `entry` (relative to the repository) and every module it imports by relative path into
 * `outputDir`, keeping the folder layout, and links node_modules so better-sqlite3 resolves.
 */
export function buildForChild(entry: string, outputDir: string): void {
  const pending = [resolve(repositoryRoot, entry)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const source = pending.pop();
    if (source === undefined || done.has(source)) {
      continue;
    }

    done.add(source);
    const text = readFileSync(source, 'utf8');
    const output = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(outputDir, relative(repositoryRoot, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
    for (const match of text.matchAll(RELATIVE_IMPORT)) {
      pending.push(resolve(dirname(source), `${match[1]}.ts`));
    }
  }
  writeFileSync(join(outputDir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(repositoryRoot, 'node_modules'), join(outputDir, 'node_modules'), 'dir');
}
