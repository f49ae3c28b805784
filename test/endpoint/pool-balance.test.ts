import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  addressesToLend,
  chooseAddressesToLend,
  countPoolAddresses,
  POOL_CHECK_INTERVAL_MS,
  PoolBalance,
  PoolMessages,
  reservationChanges,
  secondaryNeedsAddresses,
} from '../../src/endpoint/pool-balance.js';
import { clientHashBucket, ownerOfBucket } from '../../src/loadbal/hash-bucket.js';
import { createSilentLogger } from '../../src/log.js';
import { hashBucketAssignmentForSplit } from '../../src/peer/hash-buckets.js';
import { ManualClock } from '../../src/peer/timers.js';
import { openLeaseStore } from '../../src/store/sqlite-store.js';
import type { LeaseStore, StoredBinding } from '../../src/store/types.js';
import { IP_FLAG_RESERVED, ServerState } from '../../src/wire/codes.js';
import {
  startTestPeer,
  temporaryDirectory,
  testConfig,
  waitForState,
} from '../peer/peer-fixtures.js';

const NOW = 1_767_225_600;
/** 20 addresses, 192.0.2.10 to 192.0.2.29. */
const POOL = { start: '192.0.2.10', end: '192.0.2.29' };
const ASSIGNMENT = hashBucketAssignmentForSplit(128);

function freeBinding(address: string, chaddr?: Uint8Array): StoredBinding {
  return {
    address,
    bindingStatus: 'FREE',
    ipFlags: 0,
    ...(chaddr === undefined ? {} : { clientHardwareAddress: { htype: 1, chaddr } }),
    pendingUpdate: false,
    updateSeq: 3,
  };
}

/** Returns a MAC 02:00:00:00:c1:NN whose bucket `owner` serves under split 128. */
function chaddrOwnedBy(owner: 'primary' | 'secondary'): Uint8Array {
  for (let last = 1; last < 256; last++) {
    const chaddr = Uint8Array.of(2, 0, 0, 0, 0xc1, last);
    if (ownerOfBucket(ASSIGNMENT, clientHashBucket(chaddr)) === owner) return chaddr;
  }
  throw new Error(`no MAC in the ${owner} buckets`);
}

function balanceOver(store: LeaseStore): PoolBalance {
  return new PoolBalance({
    store,
    pools: [POOL],
    hashBucketAssignment: ASSIGNMENT,
    logger: createSilentLogger(),
  });
}

describe('addressesToLend', () => {
  it.each([
    [20, 0, 10],
    [11, 0, 5],
    [12, 6, 3],
    [10, 10, 0],
    [8, 12, 0],
    [0, 0, 0],
  ])('lends half the difference of %i FREE and %i BACKUP: %i', (free, backup, lent) => {
    expect(addressesToLend(free, backup)).toBe(lent);
  });

  it('lends only when half the difference passes a tenth of the addresses (FO-5.4-c)', () => {
    expect(addressesToLend(80, 20)).toBe(30);
    expect(addressesToLend(70, 30)).toBe(20);
    expect(addressesToLend(60, 40)).toBe(0);
  });

  it('tells a secondary with a low BACKUP share to ask (FO-7.6-b)', () => {
    expect(secondaryNeedsAddresses(20, 0)).toBe(true);
    expect(secondaryNeedsAddresses(10, 10)).toBe(false);
  });
});

describe('chooseAddressesToLend', () => {
  it('takes the highest addresses first, because the front end allocates from the lowest', () => {
    const store = openLeaseStore(':memory:');
    const { free } = countPoolAddresses(store, [POOL]);

    const chosen = chooseAddressesToLend(free, 3, ASSIGNMENT).map((item) => item.address);

    expect(chosen).toEqual(['192.0.2.29', '192.0.2.28', '192.0.2.27']);
  });

  it('prefers addresses whose last client hashes to the secondary (FO-5.4-f)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      freeBinding('192.0.2.11', chaddrOwnedBy('secondary')),
      freeBinding('192.0.2.29', chaddrOwnedBy('primary')),
    ]);
    const { free } = countPoolAddresses(store, [POOL]);

    const chosen = chooseAddressesToLend(free, 20, ASSIGNMENT).map((item) => item.address);

    expect(chosen[0]).toBe('192.0.2.11');
    expect(chosen.at(-1)).toBe('192.0.2.29');
  });
});

describe('PoolBalance', () => {
  it('stores half of the FREE addresses as BACKUP, pending for the partner (FO-7.6.2-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([freeBinding('192.0.2.29')]);

    const lent = balanceOver(store).lend(NOW, 'POOLREQ');

    const backup = [...store.allBindings()].filter((item) => item.bindingStatus === 'BACKUP');
    expect(lent).toBe(10);
    expect(backup).toHaveLength(10);
    expect(backup.every((item) => item.pendingUpdate && item.startTimeOfState === NOW)).toBe(true);
    expect(store.getBinding('192.0.2.29')?.updateSeq).toBe(4);
  });

  it('keeps reserved addresses FREE when lending (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([{ ...freeBinding('192.0.2.28'), ipFlags: 0x1 }]);
    const reservations = [
      { address: '192.0.2.29', hardwareAddress: Uint8Array.of(2, 0, 0, 0, 0xc1, 0x29) },
    ];
    const balance = new PoolBalance({
      store,
      pools: [POOL],
      hashBucketAssignment: ASSIGNMENT,
      logger: createSilentLogger(),
      reservations,
    });

    const lent = balance.lend(NOW, 'POOLREQ');

    expect(lent).toBe(9);
    expect(store.getBinding('192.0.2.29')).toBeUndefined();
    expect(store.getBinding('192.0.2.28')?.bindingStatus).toBe('FREE');
    expect(store.getBinding('192.0.2.27')?.bindingStatus).toBe('BACKUP');
  });

  it('counts a BACKUP address with R=1 in neither share (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      { ...freeBinding('192.0.2.28'), bindingStatus: 'BACKUP', ipFlags: IP_FLAG_RESERVED },
      { ...freeBinding('192.0.2.29'), bindingStatus: 'BACKUP' },
    ]);

    const counts = countPoolAddresses(store, [POOL]);

    expect(counts.backup).toBe(1);
    expect(counts.free).toHaveLength(18);
  });

  it('lends nothing more once the shares are even (FO-7.6.2-b)', () => {
    const store = openLeaseStore(':memory:');
    const balance = balanceOver(store);
    balance.lend(NOW, 'POOLREQ');

    expect(balance.lend(NOW, 'POOLREQ')).toBe(0);
    expect(balance.needsAddresses()).toBe(false);
  });

  it('never lends an address that is ACTIVE or ABANDONED (FO-5.4-d)', () => {
    const store = openLeaseStore(':memory:');
    const taken = ['ACTIVE', 'ABANDONED'] as const;
    store.putBindings(
      taken.map((bindingStatus, index) => ({
        ...freeBinding(`192.0.2.${28 + index}`),
        bindingStatus,
      })),
    );

    balanceOver(store).lend(NOW, 'POOLREQ');

    expect(store.getBinding('192.0.2.28')?.bindingStatus).toBe('ACTIVE');
    expect(store.getBinding('192.0.2.29')?.bindingStatus).toBe('ABANDONED');
  });
});

describe('reservationChanges', () => {
  const reservation = (address: string) => ({
    address,
    hardwareAddress: Uint8Array.of(2, 0, 0, 0, 0xc1, 0x29),
  });

  it('flags a reserved address never stored as FREE with R=1, pending (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');

    const [change] = reservationChanges(store, [POOL], [reservation('192.0.2.29')], NOW);

    expect(change?.address).toBe('192.0.2.29');
    expect(change?.bindingStatus).toBe('FREE');
    expect(change?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(change?.pendingUpdate).toBe(true);
    expect(change?.updateSeq).toBe(1);
  });

  it('flags a stored FREE reserved address and keeps its other fields (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([freeBinding('192.0.2.29', Uint8Array.of(2, 0, 0, 0, 0xc1, 0x29))]);

    const [change] = reservationChanges(store, [POOL], [reservation('192.0.2.29')], NOW);

    expect(change?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(change?.clientHardwareAddress?.chaddr).toEqual(Uint8Array.of(2, 0, 0, 0, 0xc1, 0x29));
    expect(change?.updateSeq).toBe(4);
  });

  it('clears R on a FREE address whose reservation was removed (FO-5.13-c)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([{ ...freeBinding('192.0.2.28'), ipFlags: IP_FLAG_RESERVED }]);

    const changes = reservationChanges(store, [POOL], [], NOW);

    expect(changes.map((change) => [change.address, change.ipFlags])).toEqual([['192.0.2.28', 0]]);
    expect(changes[0]?.pendingUpdate).toBe(true);
  });

  it('leaves leased, already flagged and out-of-pool reserved addresses alone', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      { ...freeBinding('192.0.2.27'), bindingStatus: 'ACTIVE' },
      { ...freeBinding('192.0.2.28'), ipFlags: IP_FLAG_RESERVED },
    ]);
    const reservations = ['192.0.2.27', '192.0.2.28', '198.51.100.7'].map(reservation);

    expect(reservationChanges(store, [POOL], reservations, NOW)).toEqual([]);
  });

  it('reclaims a resynced reserved BACKUP (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      { ...freeBinding('192.0.2.29'), bindingStatus: 'BACKUP', ipFlags: IP_FLAG_RESERVED },
    ]);

    const [change] = reservationChanges(store, [POOL], [reservation('192.0.2.29')], NOW);

    expect(change?.bindingStatus).toBe('FREE');
    expect(change?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(change?.pendingUpdate).toBe(true);
  });

  it('reshares when the updateSeq moved (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([{ ...freeBinding('192.0.2.28'), ipFlags: IP_FLAG_RESERVED, updateSeq: 7 }]);
    const reservations = [reservation('192.0.2.28')];

    const afterLease = reservationChanges(
      store,
      [POOL],
      reservations,
      NOW,
      new Map([['192.0.2.28', 4]]),
    );
    const unchanged = reservationChanges(
      store,
      [POOL],
      reservations,
      NOW,
      new Map([['192.0.2.28', 7]]),
    );

    expect(afterLease.map((change) => [change.address, change.updateSeq])).toEqual([
      ['192.0.2.28', 8],
    ]);
    expect(unchanged).toEqual([]);
  });
});

/** Stores what the partner did with the lent addresses: acknowledged all, then leased `count`. */
function partnerLeasesLentAddresses(store: LeaseStore, count: number): void {
  const lent = [...store.allBindings()].filter((binding) => binding.bindingStatus === 'BACKUP');
  store.putBindings(
    lent.map((binding, index) => ({
      ...binding,
      bindingStatus: index < count ? ('ACTIVE' as const) : binding.bindingStatus,
      pendingUpdate: false,
      updateSeq: 9,
    })),
  );
}

interface Recorded {
  poolreqs: number;
  poolresps: [number, number][];
  sendPendingCalls: number;
}

function poolMessages(
  role: 'primary' | 'secondary',
  store: LeaseStore,
  options: { servesClients?: boolean; clock?: ManualClock } = {},
): { messages: PoolMessages; recorded: Recorded } {
  const recorded: Recorded = { poolreqs: 0, poolresps: [], sendPendingCalls: 0 };
  const messages = new PoolMessages({
    role,
    servesClients: options.servesClients ?? true,
    balance: balanceOver(store),
    clock: options.clock ?? new ManualClock(NOW * 1000),
    logger: createSilentLogger(),
    sendPOOLREQ: () => {
      recorded.poolreqs += 1;
    },
    sendPOOLRESP: (xid, count) => {
      recorded.poolresps.push([xid, count]);
    },
    sendPending: () => {
      recorded.sendPendingCalls += 1;
    },
  });
  return { messages, recorded };
}

/** Builds the pool messages of a primary with a DHCP front end that reserves `reserved`. */
function reservingPrimary(
  store: LeaseStore,
  clock: ManualClock,
  reserved: string,
): { messages: PoolMessages; recorded: Recorded } {
  const recorded: Recorded = { poolreqs: 0, poolresps: [], sendPendingCalls: 0 };
  const messages = new PoolMessages({
    role: 'primary',
    servesClients: true,
    balance: new PoolBalance({
      store,
      pools: [POOL],
      hashBucketAssignment: ASSIGNMENT,
      logger: createSilentLogger(),
      reservations: [{ address: reserved, hardwareAddress: Uint8Array.of(2, 0, 0, 0, 1, 2) }],
    }),
    clock,
    logger: createSilentLogger(),
    sendPOOLREQ: () => undefined,
    sendPOOLRESP: () => undefined,
    sendPending: () => {
      recorded.sendPendingCalls += 1;
    },
  });
  return { messages, recorded };
}

describe('PoolMessages of a primary', () => {
  it('answers a POOLREQ in NORMAL with the count it lent (FO-7.6.2-b, FO-7.7-a)', () => {
    const { messages, recorded } = poolMessages('primary', openLeaseStore(':memory:'), {
      servesClients: false,
    });
    messages.followState(ServerState.NORMAL);

    messages.onPOOLREQ(41);

    expect(recorded.poolresps).toEqual([[41, 10]]);
    expect(recorded.sendPendingCalls).toBe(1);
  });

  it('answers 0 before NORMAL and lends on entering NORMAL (FO-7.6.2-c)', () => {
    const store = openLeaseStore(':memory:');
    const { messages, recorded } = poolMessages('primary', store, { servesClients: false });
    messages.followState(ServerState['RECOVER-DONE']);

    messages.onPOOLREQ(7);
    const backupBeforeNormal = countPoolAddresses(store, [POOL]).backup;
    messages.followState(ServerState.NORMAL);

    expect(recorded.poolresps).toEqual([[7, 0]]);
    expect(backupBeforeNormal).toBe(0);
    expect(countPoolAddresses(store, [POOL]).backup).toBe(10);
    expect(recorded.sendPendingCalls).toBe(1);
  });

  it('lends on entering NORMAL with a DHCP front end, as ISC dhcpd does (FO-5.4-c)', () => {
    const store = openLeaseStore(':memory:');
    const { messages, recorded } = poolMessages('primary', store);

    messages.followState(ServerState.NORMAL);

    expect(countPoolAddresses(store, [POOL]).backup).toBe(10);
    expect(recorded.sendPendingCalls).toBe(1);
    expect(recorded.poolreqs).toBe(0);
  });

  it('lends nothing on its own while an update waits for the partner (FO-7.1.1-m)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      { ...freeBinding('192.0.2.10'), bindingStatus: 'ACTIVE', pendingUpdate: true },
    ]);
    const { messages, recorded } = poolMessages('primary', store);

    messages.followState(ServerState.NORMAL);

    expect(countPoolAddresses(store, [POOL]).backup).toBe(0);
    expect(recorded.sendPendingCalls).toBe(0);
  });

  it('lends nothing on entering NORMAL without a front end or a POOLREQ', () => {
    const store = openLeaseStore(':memory:');
    const { messages, recorded } = poolMessages('primary', store, { servesClients: false });

    messages.followState(ServerState.NORMAL);

    expect(countPoolAddresses(store, [POOL]).backup).toBe(0);
    expect(recorded.sendPendingCalls).toBe(0);
  });

  it('sends a reserved FREE address to the secondary on entering NORMAL (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    const recorded = { sendPendingCalls: 0 };
    const messages = new PoolMessages({
      role: 'primary',
      servesClients: false,
      balance: new PoolBalance({
        store,
        pools: [POOL],
        hashBucketAssignment: ASSIGNMENT,
        logger: createSilentLogger(),
        reservations: [{ address: '192.0.2.29', hardwareAddress: Uint8Array.of(2, 0, 0, 0, 1, 2) }],
      }),
      clock: new ManualClock(NOW * 1000),
      logger: createSilentLogger(),
      sendPOOLREQ: () => undefined,
      sendPOOLRESP: () => undefined,
      sendPending: () => {
        recorded.sendPendingCalls += 1;
      },
    });

    messages.followState(ServerState.NORMAL);

    expect(store.getBinding('192.0.2.29')?.bindingStatus).toBe('FREE');
    expect(store.getBinding('192.0.2.29')?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(store.getBinding('192.0.2.29')?.pendingUpdate).toBe(true);
    expect(recorded.sendPendingCalls).toBe(1);
    expect(countPoolAddresses(store, [POOL]).backup).toBe(0);
  });

  it('sends a reserved address again once a lease of it has ended (FO-5.13-a)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const { messages } = reservingPrimary(store, clock, '192.0.2.29');
    messages.followState(ServerState.NORMAL);
    const shared = store.getBinding('192.0.2.29');
    if (shared === undefined) throw new Error('192.0.2.29 was not shared');
    // The secondary acknowledged the share, leased .29 to its client, and the client released it:
    // the release left .29 FREE with R=1 and acknowledged, on both servers.
    store.putBindings([
      { ...shared, bindingStatus: 'ACTIVE', pendingUpdate: false, updateSeq: shared.updateSeq + 1 },
    ]);
    store.putBindings([{ ...shared, pendingUpdate: false, updateSeq: shared.updateSeq + 2 }]);

    clock.advance(POOL_CHECK_INTERVAL_MS);

    expect(store.getBinding('192.0.2.29')?.bindingStatus).toBe('FREE');
    expect(store.getBinding('192.0.2.29')?.ipFlags).toBe(IP_FLAG_RESERVED);
    expect(store.getBinding('192.0.2.29')?.pendingUpdate).toBe(true);
  });

  it('lends despite a rejected reservation share (FO-5.4-c, FO-7.1.3-e)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const { messages } = reservingPrimary(store, clock, '192.0.2.29');
    messages.followState(ServerState.NORMAL);
    // The secondary rejected the share of .29 with reason 19, so it stays pending.
    partnerLeasesLentAddresses(store, 8);
    const backupBefore = countPoolAddresses(store, [POOL]).backup;

    clock.advance(POOL_CHECK_INTERVAL_MS);

    expect(store.getBinding('192.0.2.29')?.pendingUpdate).toBe(true);
    expect(countPoolAddresses(store, [POOL]).backup).toBeGreaterThan(backupBefore);
  });

  it('lends despite a stale reservation share (FO-5.4-c)', () => {
    const store = openLeaseStore(':memory:');
    store.putBindings([
      { ...freeBinding('192.0.2.29'), ipFlags: IP_FLAG_RESERVED, pendingUpdate: true },
    ]);
    const { messages } = reservingPrimary(store, new ManualClock(NOW * 1000), '192.0.2.29');

    messages.followState(ServerState.NORMAL);

    expect(store.getBinding('192.0.2.29')?.updateSeq).toBe(4);
    expect(countPoolAddresses(store, [POOL]).backup).toBe(9);
  });

  it('lends again on its periodic check after the secondary used addresses (FO-5.4-c)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const { messages } = poolMessages('primary', store, { clock });
    messages.followState(ServerState.NORMAL);
    partnerLeasesLentAddresses(store, 8);

    clock.advance(POOL_CHECK_INTERVAL_MS);

    // 12 addresses are available: 10 FREE and 2 BACKUP, so 4 more are lent.
    expect(countPoolAddresses(store, [POOL]).backup).toBe(6);
  });
});

describe('PoolMessages of a secondary', () => {
  it('sends POOLREQ on every entry into NORMAL (FO-7.6-b)', () => {
    const { messages, recorded } = poolMessages('secondary', openLeaseStore(':memory:'));

    messages.followState(ServerState.NORMAL);
    messages.followState(ServerState.NORMAL);
    messages.followState(ServerState['COMMUNICATIONS-INTERRUPTED']);
    messages.followState(ServerState.NORMAL);

    expect(recorded.poolreqs).toBe(2);
  });

  it('asks again after a POOLRESP that moved addresses, not after 0 (FO-7.7.2-a)', () => {
    const { messages, recorded } = poolMessages('secondary', openLeaseStore(':memory:'));
    messages.followState(ServerState.NORMAL);

    messages.onPOOLRESP(10);
    messages.onPOOLRESP(0);

    expect(recorded.poolreqs).toBe(2);
  });

  it('asks on its periodic check only while its BACKUP share is low (FO-7.6-b)', () => {
    const store = openLeaseStore(':memory:');
    const clock = new ManualClock(NOW * 1000);
    const { messages, recorded } = poolMessages('secondary', store, { clock });
    messages.followState(ServerState.NORMAL);

    clock.advance(POOL_CHECK_INTERVAL_MS);
    const afterLowCheck = recorded.poolreqs;
    balanceOver(store).lend(NOW, 'POOLREQ');
    clock.advance(POOL_CHECK_INTERVAL_MS);

    expect(afterLowCheck).toBe(2);
    expect(recorded.poolreqs).toBe(2);
  });

  it('sends no POOLREQ without a DHCP front end', () => {
    const { messages, recorded } = poolMessages('secondary', openLeaseStore(':memory:'), {
      servesClients: false,
    });

    messages.followState(ServerState.NORMAL);
    messages.onPOOLRESP(5);

    expect(recorded.poolreqs).toBe(0);
  });

  it('stops its periodic check when it leaves NORMAL', () => {
    const clock = new ManualClock(NOW * 1000);
    const { messages, recorded } = poolMessages('secondary', openLeaseStore(':memory:'), { clock });
    messages.followState(ServerState.NORMAL);

    messages.followState(ServerState['COMMUNICATIONS-INTERRUPTED']);
    clock.advance(3 * POOL_CHECK_INTERVAL_MS);

    expect(recorded.poolreqs).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('pool balancing between two dhcpf peers', () => {
  /** Starts a pair over loopback; `secondaryDHCP` gives the secondary a DHCP front end. */
  async function startPair(secondaryDHCP: boolean) {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const dhcp = { address: '127.0.0.1', port: 0, replyTo: 'source' };
    const secondary = await startTestPeer(
      testConfig('secondary', join(directory, 'secondary.db'), secondaryDHCP ? { dhcp } : {}),
      clock,
    );
    const primary = await startTestPeer(
      testConfig('primary', join(directory, 'primary.db'), {
        peer: { address: '127.0.0.1', port: secondary.peer.listeningPort },
      }),
      clock,
    );
    await waitForState(primary.peer, 'NORMAL');
    await waitForState(secondary.peer, 'NORMAL');
    return { primary, secondary };
  }

  function backupCount(store: LeaseStore): number {
    return [...store.allBindings()].filter((item) => item.bindingStatus === 'BACKUP').length;
  }

  it('lends half the pool after the POOLREQ of a secondary with a front end (FO-7.6.2-a)', async () => {
    const { primary, secondary } = await startPair(true);

    // POOL holds 91 addresses, so the secondary gets 45 of them.
    await vi.waitFor(() => expect(backupCount(secondary.peer.store)).toBe(45));
    await vi.waitFor(() => expect(primary.peer.store.countPending()).toBe(0));
    expect(backupCount(primary.peer.store)).toBe(45);
  });

  it('lends nothing to a secondary without a front end', async () => {
    const { primary, secondary } = await startPair(false);

    await vi.waitFor(() => expect(primary.peer.store.countPending()).toBe(0));
    expect(backupCount(secondary.peer.store)).toBe(0);
    expect(backupCount(primary.peer.store)).toBe(0);
  });
});
