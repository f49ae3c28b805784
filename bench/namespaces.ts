// Two network namespaces joined by one veth pair, made for one resync run and deleted after it.
// Nothing else is linked to them, so the failover traffic never leaves the pair.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { registerCleanup } from './cleanup.js';

/** eth0 of namespace a (the full side) and of namespace b (the empty side). */
export const ADDRESS_A = '10.77.0.1';
export const ADDRESS_B = '10.77.0.2';
const PREFIX_LENGTH = 16;

export class NamespacePair {
  /** Unique per run: the bench's PID and random bytes. */
  readonly prefix: string;
  readonly a: string;
  readonly b: string;
  private readonly release: () => void;

  constructor() {
    this.prefix = `dfb${process.pid}_${randomBytes(3).toString('hex')}`;
    this.a = `${this.prefix}-a`;
    this.b = `${this.prefix}-b`;
    this.release = registerCleanup(() => this.deleteNamespaces());
    try {
      this.createNamespaces();
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Deletes both namespaces; the kernel ends the veth pair with them. */
  close(): void {
    this.release();
  }

  private createNamespaces(): void {
    ip(['netns', 'add', this.a]);
    ip(['netns', 'add', this.b]);
    ip(['-n', this.a, 'link', 'set', 'lo', 'up']);
    ip(['-n', this.b, 'link', 'set', 'lo', 'up']);
    ip([
      '-n',
      this.a,
      'link',
      'add',
      'eth0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      this.b,
    ]);
    ip(['-n', this.a, 'addr', 'add', `${ADDRESS_A}/${PREFIX_LENGTH}`, 'dev', 'eth0']);
    ip(['-n', this.b, 'addr', 'add', `${ADDRESS_B}/${PREFIX_LENGTH}`, 'dev', 'eth0']);
    ip(['-n', this.a, 'link', 'set', 'eth0', 'up']);
    ip(['-n', this.b, 'link', 'set', 'eth0', 'up']);
  }

  /** Deletes exactly this pair's namespaces, ignoring one that was never made. */
  private deleteNamespaces(): void {
    const existing = new Set(
      execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.split(' ')[0]),
    );
    for (const name of [this.a, this.b]) {
      if (existing.has(name)) {
        ip(['netns', 'del', name]);
      }
    }
  }
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
