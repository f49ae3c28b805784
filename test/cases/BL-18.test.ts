// BL-18: hash-bucket ownership. Bucket b is bit (b & 7) of byte (b >> 3) of the
// hash-bucket-assignment, split N gives buckets 0..N-1 to the primary, and for every bucket
// exactly one of the two servers answers in NORMAL.

import { describe, expect, it } from 'vitest';
import { parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { answersClient, type ClientServiceQuery } from '../../src/loadbal/client-service.js';
import {
  clientHashBucket,
  HASH_BUCKET_COUNT,
  loadBalanceKeyOf,
  ownerOfBucket,
} from '../../src/loadbal/hash-bucket.js';
import type { Peer } from '../../src/endpoint/peer.js';
import { findOption, option } from '../../src/peer/options.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { decodeMessage } from '../../src/wire/message.js';
import { POOL, RELATIONSHIP, waitForState } from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  caseMac,
  hexBytes,
  secondaryInNormal,
  secondaryWithPartner,
} from './case-support.js';

const CONNECT_HBA_SPLIT_100 =
  '00 65 05 0c 65 53 f1 00 00 00 00 18 00 16 00 07 66 6f 2d 74 65 73 74 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff 0f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00';
const CONNECT_HBA_SPLIT_255 =
  '00 65 05 0c 65 53 f1 00 00 00 00 19 00 16 00 07 66 6f 2d 74 65 73 74 00 0e 00 04 00 00 00 0a 00 13 00 04 00 00 00 1e 00 1c 00 04 74 65 73 74 00 14 00 01 01 00 1b 00 01 00 00 0f 00 04 00 00 0e 10 00 0b 00 20 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff 7f';

/** Clients whose chaddr hashes to buckets 96 to 103, in that order. */
const BUCKETS_96_TO_103 = [0x5f, 0x73, 0xee, 0xfe, 0x47, 0xfa, 0x38, 0xd4];

function hbaOf(connectHex: string): Uint8Array {
  const map = findOption(
    decodeMessage(hexBytes(connectHex), 'isc'),
    OptionCode.HASH_BUCKET_ASSIGNMENT,
  );
  if (map === undefined) {
    throw new Error('the CONNECT vector has no hash-bucket-assignment');
  }

  return map;
}

/** CONNECT options of the scripted primary with its hash-bucket-assignment replaced. */
function connectWithHBA(map: Uint8Array) {
  return caseConnectOptions().map((item) =>
    item.code === OptionCode.HASH_BUCKET_ASSIGNMENT
      ? option(OptionCode.HASH_BUCKET_ASSIGNMENT, map)
      : item,
  );
}

/** Returns a key for every bucket: the case MAC with its last two bytes varied. */
function keysByBucket(): Uint8Array[] {
  const keys = new Array<Uint8Array | undefined>(HASH_BUCKET_COUNT);
  for (let value = 0; value <= 0xffff && keys.includes(undefined); value++) {
    const key = Uint8Array.of(0x00, 0x00, 0x5e, 0x00, value >> 8, value & 0xff);
    keys[clientHashBucket(key)] ??= key;
  }

  return keys.map((key, bucket) => {
    if (key === undefined) {
      throw new Error(`no key found for bucket ${bucket}`);
    }

    return key;
  });
}

function discover(peer: Peer, key: Uint8Array): ClientServiceQuery {
  return {
    role: peer.config.role,
    state: peer.state,
    hashBucketAssignment: peer.hashBucketAssignment,
    key,
    renewal: false,
  };
}

/** Returns whether the primary, in NORMAL with its own map, answers a new client. */
function primaryAnswers(map: Uint8Array, key: Uint8Array): boolean {
  return answersClient({
    role: 'primary',
    state: 'NORMAL',
    hashBucketAssignment: map,
    key,
    renewal: false,
  });
}

describe('BL-18 hash buckets of the case clients', () => {
  it('BL-18: hashes the chaddr of the case clients to buckets 96-103, 254 and 255 (FO-5.3-a)', () => {
    expect(BUCKETS_96_TO_103.map((last) => clientHashBucket(caseMac(last)))).toEqual([
      96, 97, 98, 99, 100, 101, 102, 103,
    ]);
    expect(clientHashBucket(caseMac(0xc4))).toBe(255);
    expect(clientHashBucket(caseMac(0xed))).toBe(254);
  });

  it('BL-18: hashes the client-identifier instead of chaddr when the client sent one (FO-9.8.2-a)', () => {
    const chaddr = caseMac(0x00);
    const clientIdentifier = Uint8Array.of(0x01, ...chaddr);

    expect(clientHashBucket(loadBalanceKeyOf({ chaddr }))).toBe(106);
    expect(clientHashBucket(loadBalanceKeyOf({ chaddr, clientIdentifier }))).toBe(247);
    expect(clientHashBucket(Uint8Array.of(0x00, 0x0c, 0x29, 0x12, 0x34, 0x56))).toBe(201);
  });

  it('BL-18: reads bucket b from bit b & 7 of byte b >> 3, never from bit b & 3 (FO-9.8.2-a)', () => {
    const map = new Uint8Array(32).fill(0xf0);
    const primaryBuckets = Array.from({ length: 16 }, (_, bucket) => bucket).filter(
      (bucket) => ownerOfBucket(map, bucket) === 'primary',
    );

    expect(primaryBuckets).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
  });
});

describe('BL-18 split maps received by a secondary', () => {
  it('BL-18: sends the split-100 map of the vector from a primary with split 100 (FO-7.8.1-e)', () => {
    expect(hashBucketAssignmentForSplit(100)).toEqual(hbaOf(CONNECT_HBA_SPLIT_100));
    expect(hashBucketAssignmentForSplit(255)).toEqual(hbaOf(CONNECT_HBA_SPLIT_255));
  });

  it.each([
    ['split-100', CONNECT_HBA_SPLIT_100],
    ['split-255', CONNECT_HBA_SPLIT_255],
  ])('BL-18: accepts the %s CONNECT and stores its map for NORMAL (FO-7.8.2-i)', async (_, hex) => {
    const { peer, partner } = await secondaryWithPartner();
    const before = peer.hashBucketAssignment;

    partner.sendBytes(hexBytes(hex));
    const connectack = await partner.next();

    expect(before).toBeUndefined();
    expect(connectack.type).toBe(MessageType.CONNECTACK);
    expect(findOption(connectack, OptionCode.REJECT_REASON)).toBeUndefined();
    expect(peer.hashBucketAssignment).toEqual(hbaOf(hex));
  });

  it('BL-18: with split 100 the primary alone answers buckets 96-99 and the secondary alone 100-103 (FO-9.8.2-a)', async () => {
    const map = hbaOf(CONNECT_HBA_SPLIT_100);
    const { peer } = await secondaryInNormal({ connect: connectWithHBA(map) });

    const keys = BUCKETS_96_TO_103.map((last) => caseMac(last));
    const byPrimary = keys.map((key) => primaryAnswers(map, key));
    const bySecondary = keys.map((key) => answersClient(discover(peer, key)));

    expect(byPrimary).toEqual([true, true, true, true, false, false, false, false]);
    expect(bySecondary).toEqual([false, false, false, false, true, true, true, true]);
  });

  it('BL-18: with split 255 the secondary alone answers :c4 (bucket 255) and the primary alone :ed (FO-9.8.2-a)', async () => {
    const map = hbaOf(CONNECT_HBA_SPLIT_255);
    const { peer } = await secondaryInNormal({ connect: connectWithHBA(map) });

    expect(primaryAnswers(map, caseMac(0xc4))).toBe(false);
    expect(answersClient(discover(peer, caseMac(0xc4)))).toBe(true);
    expect(primaryAnswers(map, caseMac(0xed))).toBe(true);
    expect(answersClient(discover(peer, caseMac(0xed)))).toBe(false);
  });

  it.each([
    ['split 0', hashBucketAssignmentForSplit(0)],
    ['split 1', hashBucketAssignmentForSplit(1)],
    ['split 100', hashBucketAssignmentForSplit(100)],
    ['split 128', hashBucketAssignmentForSplit(128)],
    ['split 179', hashBucketAssignmentForSplit(179)],
    ['split 255', hashBucketAssignmentForSplit(255)],
    ['the 0xf0 map', new Uint8Array(32).fill(0xf0)],
  ])(
    'BL-18: leaves every bucket to exactly one server with %s (FO-9.8.2-a, FO-5.3-c)',
    async (_, map) => {
      const { peer } = await secondaryInNormal({ connect: connectWithHBA(map) });

      const keys = keysByBucket();
      const doubled = keys.filter(
        (key) => primaryAnswers(map, key) === answersClient(discover(peer, key)),
      );

      expect(peer.hashBucketAssignment).toEqual(map);
      expect(doubled.map((key) => clientHashBucket(key))).toEqual([]);
    },
  );

  it('BL-18: answers every client outside NORMAL, where the map is not used (FO-5.3-c, FO-9.9.2-a)', async () => {
    const { peer, partner } = await secondaryInNormal({
      connect: connectWithHBA(hashBucketAssignmentForSplit(255)),
    });
    partner.close();
    await waitForState(peer, 'COMMUNICATIONS-INTERRUPTED');

    const keys = keysByBucket();

    expect(peer.state).toBe('COMMUNICATIONS-INTERRUPTED');
    expect(keys.every((key) => answersClient(discover(peer, key)))).toBe(true);
  });
});

describe('BL-18 configuration', () => {
  it('BL-18: rejects split 256 in the ISC-compatible configuration (FO-7.8.1-e)', () => {
    const parse = (split: number) => () =>
      parseRelationshipConfig({
        name: RELATIONSHIP,
        role: 'primary',
        local: { address: '127.0.0.1', port: 0 },
        peer: { address: '127.0.0.1', port: 1 },
        mclt: 3600,
        pools: [POOL],
        store: ':memory:',
        split,
      });

    expect(parse(256)).toThrow(ConfigError);
    expect(parse(256)).toThrow(expect.objectContaining({ field: 'split' }));
    expect(parse(255)().split).toBe(255);
  });

  it.todo(
    'BL-18: accepts hba of 32 x 0xff for a primary that serves every bucket (needs an hba config field)',
  );
  it.todo(
    'BL-18: answers each DISCOVER from exactly one server of a running pair (needs the DHCPv4 front end)',
  );
});
