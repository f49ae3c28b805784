// The visited-set key of a world. Worlds share their parts (machine views, messages, client
// leases) with the worlds they came from, so each part's canonical text and fingerprints are
// computed once per object and a world's key is a fingerprint of its parts' fingerprints.
//
// Clients are interchangeable in the model, so worlds that differ only in client names are one
// state: the key is the least over every renaming of the clients. Client leases are ordered by
// address first and each client holds at most one, so a renaming keeps their order.
//
// Storing fingerprints instead of whole texts is hash compaction: two different worlds may share a
// key, and the second is then not explored. With two independent 32-bit hashes the chance that
// any two of a million worlds collide is about 3e-8 (the birthday bound n² / 2^65).

import { canonicalJson } from './canonical.js';
import type { World } from './world.js';

/** FNV-1a over UTF-16 code units with `prime`, then the murmur3 finalizer to spread the bits. */
function hash32(text: string, offset: number, prime: number): number {
  let hash = offset;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, prime);
  }

  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;

  return hash >>> 0;
}

/** Returns a 64-bit fingerprint of `text` as 16 hexadecimal digits. */
export function fingerprint(text: string): string {
  const low = hash32(text, 0x811c9dc5, 0x01000193);
  const high = hash32(text, 0x050c5d1f, 0x5bd1e995);

  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/** Returns every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) {
    return [[...items]];
  }

  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

/** Renames `client-N` to `client-order[N-1]` throughout `text`. */
function renameClients(text: string, order: readonly number[]): string {
  return text.replace(/client-(\d+)/g, (name, number: string) => {
    const renamed = order[Number(number) - 1];

    return renamed === undefined ? name : `client-${renamed}`;
  });
}

export class CanonicalCache {
  private readonly texts = new WeakMap<object, string>();
  private readonly ids = new Map<string, number>();
  private readonly idsByObject = new WeakMap<object, number>();
  private readonly partKeys = new WeakMap<object, string[]>();
  private readonly orders: number[][];

  /** `clients`: how many clients the model has, for the renamings. */
  constructor(clients: number) {
    this.orders = permutations(Array.from({ length: clients }, (_, index) => index + 1));
  }

  /** Returns the canonical text of `value`, computed once per object. */
  textOf(value: object): string {
    const known = this.texts.get(value);
    if (known !== undefined) {
      return known;
    }

    const text = canonicalJson(value);
    this.texts.set(value, text);

    return text;
  }

  /** Returns a small number that is the same for objects with the same canonical text. */
  idOf(value: object): number {
    const known = this.idsByObject.get(value);
    if (known !== undefined) {
      return known;
    }

    const text = this.textOf(value);
    const id = this.ids.get(text) ?? this.ids.size;
    this.ids.set(text, id);
    this.idsByObject.set(value, id);

    return id;
  }

  /** Fingerprints of `value` under each client renaming, in the order of `orders`. */
  private keysOf(value: object): string[] {
    const known = this.partKeys.get(value);
    if (known !== undefined) {
      return known;
    }

    const text = this.textOf(value);
    const keys = this.orders.map((order, index) =>
      index === 0 ? fingerprint(text) : fingerprint(renameClients(text, order)),
    );
    this.partKeys.set(value, keys);

    return keys;
  }

  /** Returns the visited-set key of `world`. */
  worldKey(world: World): string {
    const parts: object[] = [];
    const scalars: (number | string | boolean)[] = [world.clock, world.connected];
    for (const role of ['primary', 'secondary'] as const) {
      const server = world.servers[role];
      parts.push(server.endpoint, ...server.leases, ...world.inFlight[role]);
      scalars.push(
        server.stateSince,
        server.startedAt,
        server.partnerDownSince ?? '-',
        server.updateRequest?.join('.') ?? '-',
        world.inFlight[role].length,
      );
    }
    parts.push(...world.clientLeases);

    const partKeys = parts.map((part) => this.keysOf(part));
    let least: string | undefined;
    for (let order = 0; order < this.orders.length; order += 1) {
      const text = `${scalars.join(',')};${partKeys.map((keys) => keys[order]).join(',')}`;
      const key = fingerprint(text);
      if (least === undefined || key < least) {
        least = key;
      }
    }

    return least ?? '';
  }
}
