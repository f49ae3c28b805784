// Binding updates with a Windows partner ([MS-DHCPF] sections 3.1.4.2, 3.1.5.2 and 3.1.5.3). A
// stored binding is sent with the Windows binding-status and IP-flags, option 33 and the scope-ID
// prefix. A received update is decided in its draft form. A BNDUPD carries at most 16 updates,
// and its BNDACK keeps their order. `updateAdaptersFor` returns these steps for the microsoft
// profile and nothing for isc.

import type { RelationshipConfig } from '../config/types.js';
import type { StoredBinding } from '../store/types.js';
import { OptionCode } from '../wire/codes.js';
import {
  draftStatusCode,
  draftStatusOfMicrosoft,
  microsoftStatusOf,
} from '../wire/microsoft-binding-status.js';
import { option } from '../wire/options.js';
import type { BindingUpdate, FailoverOption, HardwareAddress } from '../wire/types.js';
import { scopeOf, scopesOf, type Scope } from './microsoft-scopes.js';

/** A Windows partner processes at most 16 updates of a BNDUPD (MSF-3.1.4.2-c, MSF-3.1.5.2-h). */
export const MICROSOFT_MAX_UPDATES = 16;

/** Statuses under which this server keeps a lease record for the address (MSF-3.1.4.2-h). */
const LEASE_RECORD_STATUSES = new Set(['ACTIVE', 'EXPIRED', 'RELEASED', 'ABANDONED']);

/** The profile-specific steps of the update sender and receiver. */
export interface UpdateAdapters {
  /** Builds the transaction of one of our bindings (replaces updateFromStored). */
  buildUpdate(
    binding: StoredBinding,
    potentialExpiration: number | undefined,
    otherOptions: FailoverOption[],
  ): BindingUpdate;
  /** Returns a received transaction with a draft-12 binding-status, for the decision. */
  toDraftUpdate(update: BindingUpdate, stored: StoredBinding | undefined): BindingUpdate;
  /** Transactions of a received BNDUPD that are processed; the rest are ignored. */
  maxTransactions: number;
  /** A BNDACK must list its addresses in the BNDUPD's order (MSF-3.1.5.3-a). */
  requireAckOrder: boolean;
}

/** Returns the adapters of the microsoft profile, or undefined for isc. */
export function updateAdaptersFor(config: RelationshipConfig): UpdateAdapters | undefined {
  if (config.profile !== 'microsoft') {
    return undefined;
  }

  const scopes = scopesOf(config.pools);
  return {
    buildUpdate: (binding, pet, otherOptions) =>
      microsoftUpdateFromStored(binding, pet, otherOptions, scopes),
    toDraftUpdate: draftUpdateOfMicrosoft,
    maxTransactions: MICROSOFT_MAX_UPDATES,
    requireAckOrder: true,
  };
}

/**
 * Builds the Windows transaction of a stored binding. Every update carries IP-flags and the
 * scope's subnet mask in option 33 (MSF-3.1.5.2-b, MSF-3.1.4.2-d). A lease update also carries
 * the client, with the scope-ID prefix (OBS-2). encodeBindingUpdate later leaves out the options
 * that the [MS-DHCPF] table forbids, so a redistribution carries no client options.
 */
export function microsoftUpdateFromStored(
  binding: StoredBinding,
  potentialExpiration: number | undefined,
  otherOptions: FailoverOption[],
  scopes: readonly Scope[],
): BindingUpdate {
  const status = microsoftStatusOf(binding.bindingStatus);
  const scope = scopeOf(binding.address, scopes);
  const update: BindingUpdate = {
    address: binding.address,
    bindingStatus: status.bindingStatus,
    ipFlags: status.ipFlags,
    otherOptions: withSubnetMask(otherOptions, scope),
  };
  if (status.redistribution) {
    return update;
  }

  const active = binding.bindingStatus === 'ACTIVE';
  assign(update, 'clientIdentifier', binding.clientIdentifier);
  assign(update, 'clientHardwareAddress', withScopeId(binding.clientHardwareAddress, scope));
  assign(update, 'clientLastTransactionTime', binding.clientLastTransactionTime);
  assign(update, 'startTimeOfState', positive(binding.startTimeOfState));
  assign(update, 'leaseExpirationTime', active ? binding.leaseExpirationTime : undefined);
  assign(update, 'potentialExpirationTime', active ? potentialExpiration : undefined);
  return update;
}

/**
 * Returns a received Windows transaction in draft form: the draft binding-status of the
 * MSF-3.1.4.2-h mapping, and no IP-flags, whose Windows bits mean something else than the draft's
 * R and B (MSF-3.1.5.2-e). The DHCID and DNS bits of the binding-status byte are not kept, since
 * dhcpf does no DNS updates.
 * The update receiver rejects a FREE or BACKUP update for an address reserved here before this
 * step, with reason 15 (MSF-3.1.5.2-g).
 */
export function draftUpdateOfMicrosoft(
  update: BindingUpdate,
  stored: StoredBinding | undefined,
): BindingUpdate {
  const hasLeaseRecord = stored !== undefined && LEASE_RECORD_STATUSES.has(stored.bindingStatus);
  const status = draftStatusOfMicrosoft(
    {
      bindingStatus: update.bindingStatus,
      ipFlags: update.ipFlags,
      hasClientHardwareAddress: update.clientHardwareAddress !== undefined,
    },
    hasLeaseRecord,
  );
  const draft: BindingUpdate = { ...update, bindingStatus: draftStatusCode(status) };
  delete draft.ipFlags;
  return draft;
}

/**
 * Returns whether a BNDACK lists its addresses in the order its BNDUPD sent them: each acked
 * address comes after the one acked before it (MSF-3.1.5.3-a). An address left out is not an
 * order problem; the sender handles it as the draft does (FO-6.3-c).
 */
export function keepsBNDUPDOrder(sent: readonly string[], acked: readonly string[]): boolean {
  let position = -1;
  for (const address of acked) {
    const index = sent.indexOf(address);
    if (index >= 0) {
      if (index <= position) {
        return false;
      }

      position = index;
    }
  }

  return true;
}

function withSubnetMask(options: FailoverOption[], scope: Scope | undefined): FailoverOption[] {
  if (
    scope === undefined ||
    options.some((item) => item.code === OptionCode.MS_CLIENT_SUBNET_MASK)
  ) {
    return options;
  }

  return [option(OptionCode.MS_CLIENT_SUBNET_MASK, scope.mask), ...options];
}

/** Returns the hardware address with its scope's ID added when it has none (OBS-2). */
function withScopeId(
  hardware: HardwareAddress | undefined,
  scope: Scope | undefined,
): HardwareAddress | undefined {
  if (hardware === undefined || hardware.scopeId !== undefined || scope === undefined) {
    return hardware;
  }

  return { ...hardware, scopeId: scope.idNumber };
}

function positive(value: number | undefined): number | undefined {
  return value === undefined || value <= 0 ? undefined : value;
}

/** Sets an optional field only when there is a value, so absent fields stay absent. */
function assign<K extends keyof BindingUpdate>(
  update: BindingUpdate,
  key: K,
  value: BindingUpdate[K] | undefined,
): void {
  if (value !== undefined) {
    update[key] = value;
  }
}
