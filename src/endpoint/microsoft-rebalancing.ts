// The Address Rebalancing timer of a primary with a Windows partner ([MS-DHCPF] sections 3.2.2.1
// and 3.2.6). Windows does not use POOLREQ and POOLRESP. Instead the primary lends free addresses
// to the secondary on this timer, as BACKUP in redistribution BNDUPDs (MSF-3.2.6-a).

import type { AddressRange, RelationshipConfig } from '../config/types.js';
import { LogEvent, type Logger } from '../log.js';
import { nowSeconds, type Clock, type TimerHandle } from '../peer/timers.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import type { FailoverStateName } from '../wire/codes.js';

export interface RebalancerOptions {
  store: LeaseStore;
  pools: readonly AddressRange[];
  /** Percent of the free and BACKUP addresses that the secondary gets as BACKUP. */
  reservePercent: number;
  intervalSeconds: number;
  clock: Clock;
  logger: Logger;
  /** Sends the bindings made pending, as BNDUPDs. */
  sendPending(): void;
}

/** Returns the rebalancer of a microsoft-profile primary, or undefined for any other peer. */
export function addressRebalancerFor(
  config: RelationshipConfig,
  options: Omit<RebalancerOptions, 'pools' | 'reservePercent' | 'intervalSeconds'>,
): AddressRebalancer | undefined {
  const { profile, role, reservePercent, addressRebalancingSeconds } = config;
  if (profile !== 'microsoft' || role !== 'primary') {
    return undefined;
  }

  if (reservePercent === undefined || addressRebalancingSeconds === undefined) {
    return undefined;
  }

  return new AddressRebalancer({
    ...options,
    pools: config.pools,
    reservePercent,
    intervalSeconds: addressRebalancingSeconds,
  });
}

export class AddressRebalancer {
  private timer: TimerHandle | undefined;

  constructor(private readonly options: RebalancerOptions) {}

  /**
   * Follows the failover state: entering NORMAL restarts the timer (MSF-3.2.2.1-a), any other
   * state stops it. dhcpf lends addresses only in NORMAL, and so the timer is also
   * stopped while communications are down (MSF-3.2.2.1-c).
   */
  follow(state: FailoverStateName): void {
    if (state === 'NORMAL') {
      this.start();
    } else {
      this.stop();
    }
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * Lends free addresses until reservePercent of the pools' free and BACKUP addresses are BACKUP,
   * taking the highest addresses first. An address is free when it is not stored or
   * stored as FREE. Returns how many addresses became BACKUP; they are stored pending, so the
   * update sender sends them. BACKUP addresses beyond the share are not taken back.
   */
  rebalance(now: number): number {
    const { free, backup } = this.countAddresses();
    const target = Math.floor(((free.length + backup) * this.options.reservePercent) / 100);
    const needed = target - backup;
    if (needed <= 0 || free.length === 0) {
      return 0;
    }

    const lent = free.slice(Math.max(0, free.length - needed));
    const bindings: StoredBinding[] = lent.map(({ address, stored }) => ({
      address,
      bindingStatus: 'BACKUP',
      ipFlags: 0,
      startTimeOfState: now,
      pendingUpdate: true,
      updateSeq: (stored?.updateSeq ?? 0) + 1,
    }));
    this.options.store.putBindings(bindings);
    this.options.logger.info(
      {
        event: LogEvent.ADDRESSES_REBALANCED,
        count: bindings.length,
        backup: backup + bindings.length,
        free: free.length - bindings.length,
        rule: 'MSF-3.2.6-a',
      },
      `lent ${bindings.length} free addresses to the secondary as BACKUP`,
    );
    return bindings.length;
  }

  private start(): void {
    this.stop();
    this.timer = this.options.clock.setTimer(this.options.intervalSeconds * 1000, () =>
      this.expire(),
    );
  }

  private expire(): void {
    if (this.rebalance(nowSeconds(this.options.clock)) > 0) {
      this.options.sendPending();
    }

    this.start();
  }

  /** Free addresses of the pools in address order, and the number stored as BACKUP. */
  private countAddresses(): {
    free: { address: string; stored: StoredBinding | undefined }[];
    backup: number;
  } {
    const stored = new Map<string, StoredBinding>();
    for (const binding of this.options.store.allBindings()) {
      stored.set(binding.address, binding);
    }

    const free: { address: string; stored: StoredBinding | undefined }[] = [];
    let backup = 0;
    for (const address of poolAddresses(this.options.pools)) {
      const binding = stored.get(address);
      if (binding?.bindingStatus === 'BACKUP') {
        backup += 1;
      } else if (binding === undefined || binding.bindingStatus === 'FREE') {
        free.push({ address, stored: binding });
      }
    }

    return { free, backup };
  }
}

/** Yields every address of the pools, each once, in pool order. */
function* poolAddresses(pools: readonly AddressRange[]): Generator<string> {
  const seen = new Set<number>();
  for (const pool of pools) {
    for (let value = numberOf(pool.start); value <= numberOf(pool.end); value++) {
      if (!seen.has(value)) {
        seen.add(value);
        yield [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
      }
    }
  }
}

function numberOf(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}
