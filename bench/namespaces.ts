// Two network namespaces joined by one veth pair, made for one resync run and deleted after it.
// Nothing else is linked to them, so the failover traffic never leaves the pair.

import { ip, setUpNamespaces, uniqueNamespacePrefix } from './netns.js';

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
    this.prefix = uniqueNamespacePrefix('dfb');
    this.a = `${this.prefix}-a`;
    this.b = `${this.prefix}-b`;
    this.release = setUpNamespaces([this.a, this.b], () => this.createNamespaces());
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
}
