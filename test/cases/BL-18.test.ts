// BL-18: hash-bucket ownership. Bucket b is bit (b & 7) of byte (b >> 3) of the
// hash-bucket-assignment, split N gives buckets 0..N-1 to the primary, and for every bucket
// exactly one of the two servers answers in NORMAL.

import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { configuredHashBucketAssignment } from '../../src/config/load-balance-fields.js';
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
import {
  POOL,
  RELATIONSHIP,
  startTestPeer,
  temporaryDirectory,
  testConfig,
  waitForState,
} from '../peer/peer-fixtures.js';
import {
  caseConnectOptions,
  caseDHCPConfig,
  caseMac,
  clockAt,
  dhcpOf,
  discover as sendDISCOVER,
  hexBytes,
  primaryWithPartner,
  T0,
  type CaseDHCP,
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

  it('BL-18: accepts hba of 32 x 0xff for a primary that serves every bucket (FO-7.8.1-e)', () => {
    const config = parseConfig({ hba: 'ff'.repeat(32) });
    const withColons = parseConfig({ hba: Array(32).fill('ff').join(':') });

    expect(config.hba).toEqual(new Uint8Array(32).fill(0xff));
    expect(withColons.hba).toEqual(new Uint8Array(32).fill(0xff));
    expect(configuredHashBucketAssignment(config)).toEqual(new Uint8Array(32).fill(0xff));
  });

  it.each([
    ['31 bytes', { hba: 'ff'.repeat(31) }],
    ['a non-hex digit', { hba: `${'ff'.repeat(31)}fg` }],
    ['a number', { hba: 255 }],
    ['split as well', { hba: 'ff'.repeat(32), split: 128 }],
  ])('BL-18: rejects an hba with %s, naming the field (FO-7.8.1-e)', (_, fields) => {
    const parse = () => parseConfig(fields);

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(expect.objectContaining({ field: 'hba' }));
    expect(parse).toThrow(/config field hba is .*, expected/);
  });

  it('BL-18: sends the configured hba in CONNECT and serves by it (FO-7.8.1-e, FO-9.8.2-a)', async () => {
    const map = hbaOf(CONNECT_HBA_SPLIT_100);
    const { connect, peer } = await primaryWithPartner({
      config: { hba: Buffer.from(map).toString('hex') },
    });

    expect(findOption(connect, OptionCode.HASH_BUCKET_ASSIGNMENT)).toEqual(map);
    expect(peer.hashBucketAssignment).toEqual(map);
  });
});

describe('BL-18 a running pair', () => {
  it('BL-18: answers each DISCOVER from exactly one server of a running pair (FO-9.8.2-a, FO-5.3-c)', async () => {
    const map = hbaOf(CONNECT_HBA_SPLIT_100);
    const { primary, secondary } = await servingPair(Buffer.from(map).toString('hex'));
    const clients = [...BUCKETS_96_TO_103.map((last) => caseMac(last)), caseMac(0xc4)];

    const answeredBy: string[] = [];
    for (const chaddr of clients) {
      const fromPrimary = await sendDISCOVER(primary, chaddr);
      const fromSecondary = await sendDISCOVER(secondary, chaddr);
      answeredBy.push(
        [fromPrimary === undefined ? '' : 'primary', fromSecondary === undefined ? '' : 'secondary']
          .filter((name) => name !== '')
          .join('+'),
      );
    }

    expect(answeredBy).toEqual([
      ...Array(4).fill('primary'),
      ...Array(4).fill('secondary'),
      'secondary',
    ]);
  });
});

/**
 * Starts a primary with `hba` and a secondary, both with a DHCP front end, brings them to NORMAL
 * and lends the secondary .100-.110 as BACKUP, so that each server has addresses to offer.
 */
async function servingPair(hba: string): Promise<{ primary: CaseDHCP; secondary: CaseDHCP }> {
  const directory = temporaryDirectory();
  const clock = clockAt();
  const secondary = await startTestPeer(
    testConfig('secondary', join(directory, 'secondary.db'), { dhcp: caseDHCPConfig() }),
    clock,
  );
  const primary = await startTestPeer(
    testConfig('primary', join(directory, 'primary.db'), {
      hba,
      peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
      dhcp: caseDHCPConfig(),
    }),
    clock,
  );
  await waitForState(primary.peer, 'NORMAL');
  await waitForState(secondary.peer, 'NORMAL');
  const lent = Array.from({ length: 11 }, (_, index) => `192.0.2.${100 + index}`);
  primary.peer.store.putBindings(
    lent.map((address) => ({
      address,
      bindingStatus: 'BACKUP' as const,
      ipFlags: 0,
      startTimeOfState: T0,
      pendingUpdate: true,
      updateSeq: 1,
    })),
  );
  primary.peer.sendPendingUpdates();
  await vi.waitFor(() =>
    expect(secondary.peer.store.getBinding('192.0.2.110')?.bindingStatus).toBe('BACKUP'),
  );
  return { primary: await dhcpOf(primary.peer), secondary: await dhcpOf(secondary.peer) };
}

function parseConfig(fields: Record<string, unknown>) {
  const base: Record<string, unknown> = {
    name: RELATIONSHIP,
    role: 'primary',
    local: { address: '127.0.0.1', port: 0 },
    peer: { address: '127.0.0.1', port: 1 },
    mclt: 3600,
    pools: [POOL],
    store: ':memory:',
  };
  return parseRelationshipConfig({ ...base, ...fields });
}
