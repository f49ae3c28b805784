// Windows scopes of a relationship: each configured pool with its subnet mask is one scope, whose
// scope ID is the subnet address (MSF-2.2.1-c). They give the subnet mask of option 33, the
// scope-ID prefix of client-hardware-address (OBS-2), and the bindings that an UPDREQ with
// option 30 requests (MSF-3.1.5.4-a).

import type { AddressRange, RelationshipConfig } from '../config/types.js';
import { LogEvent, type Logger } from '../log.js';
import type { LeaseStore, StoredBinding } from '../store/types.js';
import { OptionCode } from '../wire/codes.js';
import { optionValue } from '../wire/message-builder.js';
import type { FailoverMessage } from '../wire/types.js';

/** One Windows scope: a subnet of the relationship. */
export interface Scope {
  /** Subnet address, dotted quad: the scope ID. */
  id: string;
  mask: string;
  /** The scope ID as an unsigned number, as client-hardware-address carries it (OBS-2). */
  idNumber: number;
  maskNumber: number;
}

/** Returns the scopes of the pools that have a subnet mask, one per distinct subnet. */
export function scopesOf(pools: readonly AddressRange[]): Scope[] {
  const scopes = new Map<string, Scope>();
  for (const pool of pools) {
    if (pool.subnetMask === undefined) {
      continue;
    }

    const maskNumber = numberOf(pool.subnetMask);
    const idNumber = (numberOf(pool.start) & maskNumber) >>> 0;
    const id = dottedQuadOf(idNumber);
    scopes.set(`${id}/${pool.subnetMask}`, { id, mask: pool.subnetMask, idNumber, maskNumber });
  }

  return [...scopes.values()];
}

/** Returns the scope whose subnet contains the address, or undefined. */
export function scopeOf(address: string, scopes: readonly Scope[]): Scope | undefined {
  const value = numberOf(address);
  return scopes.find((scope) => (value & scope.maskNumber) >>> 0 === scope.idNumber);
}

/**
 * Returns what runs before an UPDREQ is answered in the microsoft profile: the scopes of its
 * option 30 are marked pending (MSF-3.1.5.4-a). Without option 30 the UPDREQ is the draft's
 * (MSF-3.1.5.4-b). Undefined for the isc profile, where codes 30-41 mean nothing (AMB-21).
 */
export function scopedUPDREQHandlerFor(
  config: RelationshipConfig,
  store: LeaseStore,
  logger: Logger,
): ((message: FailoverMessage) => void) | undefined {
  if (config.profile !== 'microsoft') {
    return undefined;
  }

  const scopes = scopesOf(config.pools);
  return (message) => {
    const scopeIds = optionValue(message, OptionCode.MS_SCOPE_ID_LIST);
    if (scopeIds === undefined) {
      return;
    }

    const marked = markScopesPending(store, scopeIds, scopes, logger);
    logger.info(
      { event: LogEvent.SYNC_PROGRESS, direction: 'sent', scopes: scopeIds, marked },
      `UPDREQ names scopes ${scopeIds.join(', ')}, so ${marked} more of their bindings go out`,
    );
  };
}

/**
 * Marks every stored binding of the listed scopes pending, so that the reply to the UPDREQ sends
 * all of them and not only the unacknowledged ones (MSF-3.1.5.4-a). A scope ID that is not a
 * configured scope is logged and skipped: option 30 is in the sender's host byte order, so a
 * scope that matches nothing may mean a partner that is not little-endian (AMB-22). Returns the
 * number of bindings marked.
 */
export function markScopesPending(
  store: LeaseStore,
  scopeIds: readonly string[],
  scopes: readonly Scope[],
  logger: Logger,
): number {
  const requested: Scope[] = [];
  for (const id of scopeIds) {
    const scope = scopes.find((candidate) => candidate.id === id);
    if (scope === undefined) {
      logger.warn(
        { event: LogEvent.MESSAGE_REJECTED, scopeId: id, rule: 'AMB-22' },
        `UPDREQ names scope ${id}, which is not a configured scope of this relationship`,
      );
    } else {
      requested.push(scope);
    }
  }

  const marked: StoredBinding[] = [];
  for (const binding of store.allBindings()) {
    if (!binding.pendingUpdate && scopeOf(binding.address, requested) !== undefined) {
      marked.push({ ...binding, pendingUpdate: true });
    }
  }

  store.putBindings(marked);
  return marked.length;
}

function numberOf(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function dottedQuadOf(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}
