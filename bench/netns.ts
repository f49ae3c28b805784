// Network namespaces that one bench run makes and deletes: the `ip` command and the clean-up step
// shared by the namespace pair of the resync bench and the network of the DORA bench.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { registerCleanup } from './cleanup.js';

/** Runs `ip` with `args`. When it fails, the error raised contains its stderr. */
export function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Returns a namespace name prefix unique per run: `tag`, the bench's PID and random bytes. */
export function uniqueNamespacePrefix(tag: string): string {
  return `${tag}${process.pid}_${randomBytes(3).toString('hex')}`;
}

/**
 * Runs `create` to make the namespaces `names` and registers their deletion with the bench
 * clean-up. Returns the step that deletes them now. When `create` fails, that step runs before
 * the error is raised again.
 */
export function setUpNamespaces(names: readonly string[], create: () => void): () => void {
  const release = registerCleanup(() => deleteNamespaces(names));
  try {
    create();
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

/** Deletes exactly the namespaces `names`, ignoring one that was never made. */
function deleteNamespaces(names: readonly string[]): void {
  const existing = new Set(
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0]),
  );
  for (const name of names) {
    if (existing.has(name)) {
      ip(['netns', 'del', name]);
    }
  }
}
