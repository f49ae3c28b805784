// The network of the DORA bench: server A, server B and the perfdhcp client, each in its own
// namespace, joined by a bridge in a fourth one. perfdhcp relays from 10.88.0.10 and broadcasts,
// so both servers of a pair see every DISCOVER and REQUEST. Nothing links to any other network.

import { ip, setUpNamespaces, uniqueNamespacePrefix } from './netns.js';

export const DORA_SERVER_A = '10.88.0.1';
export const DORA_SERVER_B = '10.88.0.2';
export const DORA_CLIENT = '10.88.0.10';
const PREFIX_LENGTH = 16;

/** Namespace roles: the two servers, the bridge and the client ("k" as in the interop kit). */
const ROLES = ['a', 'b', 'c', 'k'] as const;

export class DoraNetwork {
  /** Unique per run: the bench's PID and random bytes. */
  readonly prefix: string;
  readonly serverA: string;
  readonly serverB: string;
  readonly client: string;
  private readonly release: () => void;

  constructor() {
    this.prefix = uniqueNamespacePrefix('dfd');
    this.serverA = `${this.prefix}-a`;
    this.serverB = `${this.prefix}-b`;
    this.client = `${this.prefix}-k`;
    const names = ROLES.map((role) => `${this.prefix}-${role}`);
    this.release = setUpNamespaces(names, () => this.createNamespaces());
  }

  /** Deletes the namespaces; the kernel ends the veth pairs and the bridge with them. */
  close(): void {
    this.release();
  }

  private createNamespaces(): void {
    for (const role of ROLES) {
      ip(['netns', 'add', `${this.prefix}-${role}`]);
      ip(['-n', `${this.prefix}-${role}`, 'link', 'set', 'lo', 'up']);
    }

    const bridge = `${this.prefix}-c`;
    ip(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', bridge, 'link', 'set', 'br0', 'up']);
    const addresses = { a: DORA_SERVER_A, b: DORA_SERVER_B, k: DORA_CLIENT };
    for (const [role, address] of Object.entries(addresses)) {
      const namespace = `${this.prefix}-${role}`;
      const port = `${role}0`;
      ip(['-n', bridge, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0']);
      ip(['-n', bridge, 'link', 'set', 'eth0', 'netns', namespace]);
      ip(['-n', bridge, 'link', 'set', port, 'master', 'br0', 'up']);
      ip(['-n', namespace, 'addr', 'add', `${address}/${PREFIX_LENGTH}`, 'dev', 'eth0']);
      ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
    }
  }
}
