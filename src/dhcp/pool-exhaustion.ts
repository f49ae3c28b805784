// The explanation logged when a new client gets no address: this server's own pool is used up,
// and the partner's available addresses, however many, are not this server's to give yet.

import { parseIPv4, formatIPv4 } from '../store/ipv4.js';
import { partnerPoolOpensAt, poolOf, type AllocationContext } from './allocation.js';

/** The reason a new client got no address, for the log line. */
export interface PoolExhaustion {
  /** binding-status of this server's own available addresses: FREE or BACKUP (FO-5.4-a). */
  ownStatus: 'FREE' | 'BACKUP';
  /** binding-status of the partner's available addresses. */
  partnerStatus: 'FREE' | 'BACKUP';
  /** Available addresses that belong to the partner. */
  partnerAvailable: number;
  /** When they open in PARTNER-DOWN (entry + MCLT); absent in other states, where they never do. */
  partnerOpensAt?: number;
  /** The rule that keeps them closed. */
  rule: 'FO-9.4.2-c' | 'FO-9.9.2-a' | 'FO-5.4-a';
}

/** Describes an exhausted own pool in the current state. */
export function describeExhaustion(context: AllocationContext): PoolExhaustion {
  const primary = context.role === 'primary';
  const opensAt = partnerPoolOpensAt(context);
  const exhaustion: PoolExhaustion = {
    ownStatus: primary ? 'FREE' : 'BACKUP',
    partnerStatus: primary ? 'BACKUP' : 'FREE',
    partnerAvailable: countPartnerAvailable(context),
    rule: ruleOf(context, opensAt),
  };
  if (opensAt !== undefined) {
    exhaustion.partnerOpensAt = opensAt;
  }

  return exhaustion;
}

function ruleOf(context: AllocationContext, opensAt: number | undefined): PoolExhaustion['rule'] {
  if (opensAt !== undefined) {
    return 'FO-9.4.2-c';
  }

  return context.state === 'COMMUNICATIONS-INTERRUPTED' ? 'FO-9.9.2-a' : 'FO-5.4-a';
}

function countPartnerAvailable(context: AllocationContext): number {
  let count = 0;
  for (const pool of context.pools) {
    const start = parseIPv4(pool.start) ?? 0;
    const end = parseIPv4(pool.end) ?? -1;
    for (let value = start; value <= end; value++) {
      if (poolOf(context, formatIPv4(value)) === 'partner') {
        count += 1;
      }
    }
  }

  return count;
}

/** Returns the log message for an exhausted own pool. */
export function exhaustionMessage(exhaustion: PoolExhaustion, state: string): string {
  const own = `no ${exhaustion.ownStatus} address left for new clients in ${state}`;
  const { partnerAvailable, partnerStatus, partnerOpensAt } = exhaustion;
  const partner = `${partnerAvailable} ${partnerStatus} addresses belong to the partner`;
  if (partnerOpensAt === undefined) {
    return `${own}; ${partner} and are usable only in PARTNER-DOWN, MCLT after it begins (${exhaustion.rule})`;
  }

  const opens = new Date(partnerOpensAt * 1000).toISOString();
  return `${own}; ${partner} and are usable from ${opens}, MCLT after PARTNER-DOWN began (${exhaustion.rule})`;
}
