// Option rules of binding update transactions by binding-status: the options a transaction must,
// must not and should not carry. They come from draft-12 Table 7.1-1, or with a Windows partner
// from the [MS-DHCPF] table of MSF-3.1.5.2-b.

import { BindingStatus, OptionCode as O } from './codes.js';
import {
  isMicrosoftRedistribution,
  MicrosoftAddressState,
  MicrosoftIPFlag,
  MS_ADDRESS_STATE_MASK,
} from './microsoft-binding-status.js';
import type { WireProfile } from './types.js';

/** The option rules of one column of the table. */
export interface BindingRequirements {
  /** Column name: a binding-status name, or a Microsoft update kind. */
  column: string;
  /** Rule ID of the table the column comes from. */
  rule: string;
  must: readonly number[];
  mustNot: readonly number[];
  /** Options the table discourages; strict senders leave them out. */
  shouldNot: readonly number[];
}

const DRAFT_RULE = 'FO-5.11-a';
const TIMES = [O.LEASE_EXPIRATION_TIME, O.POTENTIAL_EXPIRATION_TIME];
const BOTH_CLIENT_OPTIONS = [O.CLIENT_REPLY_OPTIONS, O.CLIENT_REQUEST_OPTIONS];

/** Draft-12 Table 7.1-1, by binding-status value (E-9 makes DDNS conditional, so it is absent). */
const DRAFT_TABLE: Readonly<Record<number, BindingRequirements>> = {
  [BindingStatus.ACTIVE]: {
    column: 'ACTIVE',
    rule: DRAFT_RULE,
    must: [O.CLIENT_HARDWARE_ADDRESS, ...TIMES, O.CLIENT_LAST_TRANSACTION_TIME],
    mustNot: [],
    shouldNot: [],
  },
  [BindingStatus.EXPIRED]: {
    column: 'EXPIRED',
    rule: DRAFT_RULE,
    must: [O.CLIENT_HARDWARE_ADDRESS],
    mustNot: TIMES,
    shouldNot: BOTH_CLIENT_OPTIONS,
  },
  [BindingStatus.RELEASED]: {
    column: 'RELEASED',
    rule: DRAFT_RULE,
    must: [O.CLIENT_HARDWARE_ADDRESS, O.CLIENT_LAST_TRANSACTION_TIME],
    mustNot: TIMES,
    shouldNot: [O.CLIENT_REPLY_OPTIONS],
  },
  [BindingStatus.FREE]: {
    column: 'FREE',
    rule: DRAFT_RULE,
    must: [],
    mustNot: TIMES,
    shouldNot: BOTH_CLIENT_OPTIONS,
  },
  [BindingStatus.BACKUP]: {
    column: 'BACKUP',
    rule: DRAFT_RULE,
    must: [],
    mustNot: TIMES,
    shouldNot: BOTH_CLIENT_OPTIONS,
  },
  [BindingStatus.RESET]: {
    column: 'RESET',
    rule: DRAFT_RULE,
    must: [],
    mustNot: TIMES,
    shouldNot: BOTH_CLIENT_OPTIONS,
  },
  [BindingStatus.ABANDONED]: {
    column: 'ABANDONED',
    rule: DRAFT_RULE,
    must: [],
    mustNot: [...TIMES, O.CLIENT_IDENTIFIER, O.CLIENT_HARDWARE_ADDRESS],
    shouldNot: BOTH_CLIENT_OPTIONS,
  },
};

const MS_RULE = 'MSF-3.1.5.2-b';
const MS_ALWAYS = [O.IP_FLAGS, O.MS_CLIENT_SUBNET_MASK];
const MS_CLIENT = [O.CLIENT_HARDWARE_ADDRESS, O.CLIENT_LAST_TRANSACTION_TIME];

/** Every option a redistribution update must not carry; option 41 by the project reading of AMB-6. */
const MS_REDISTRIBUTION_FORBIDDEN = [
  ...MS_CLIENT,
  ...TIMES,
  O.DDNS,
  O.START_TIME_OF_STATE,
  O.CLIENT_IDENTIFIER,
  ...BOTH_CLIENT_OPTIONS,
  O.MS_CLIENT_NAME,
  O.MS_CLIENT_DESCRIPTION,
  O.MS_SERVER_IP,
  O.MS_SERVER_NAME,
  O.MS_CLIENT_TYPE,
  O.MS_CLIENT_NAP_STATUS,
  O.MS_CLIENT_NAP_PROBATION,
  O.MS_CLIENT_NAP_CAPABLE,
  O.MS_CLIENT_MATCHED_POLICY,
  O.MS_EXTENDED_ADDRESS_STATE,
];

const MS_TABLE: Readonly<Record<string, BindingRequirements>> = {
  ACTIVE: {
    column: 'ACTIVE',
    rule: MS_RULE,
    must: [...MS_ALWAYS, ...MS_CLIENT, ...TIMES],
    mustNot: [],
    shouldNot: [],
  },
  EXPIRED: {
    column: 'EXPIRED',
    rule: MS_RULE,
    must: [...MS_ALWAYS, ...MS_CLIENT],
    mustNot: [],
    shouldNot: [],
  },
  RELEASED: {
    column: 'RELEASED',
    rule: MS_RULE,
    must: [...MS_ALWAYS, ...MS_CLIENT],
    mustNot: [],
    shouldNot: [],
  },
  'FREE/BACKUP': {
    column: 'FREE/BACKUP',
    rule: MS_RULE,
    must: MS_ALWAYS,
    mustNot: MS_REDISTRIBUTION_FORBIDDEN,
    shouldNot: [],
  },
};

/** Facts about one transaction that select its table column. */
export interface TransactionShape {
  bindingStatus: number;
  ipFlags: number | undefined;
  hasClientHardwareAddress: boolean;
}

/**
 * Returns the table column that applies to a transaction, or undefined when no column does: an
 * unknown draft binding-status (FO-7.1.1-c), or a Windows update with DELETED_COMM_DOWN set, which
 * skips every check (MSF-3.1.5.2-f).
 */
export function bindingRequirementsFor(
  shape: TransactionShape,
  profile: WireProfile,
): BindingRequirements | undefined {
  if (profile === 'isc') {
    return DRAFT_TABLE[shape.bindingStatus];
  }

  const ipFlags = shape.ipFlags ?? 0;
  if ((ipFlags & MicrosoftIPFlag.DELETED_COMM_DOWN) !== 0) {
    return undefined;
  }

  return MS_TABLE[microsoftColumnOf(shape, ipFlags)];
}

/**
 * Classifies a Windows update. It is a redistribution only when IP-flags is 0, there is no
 * client-hardware-address and the value is in the redistribution enum (AMB-3). Otherwise the
 * value is the lease bit-field, read as in MSF-3.1.4.2-h.
 */
function microsoftColumnOf(shape: TransactionShape, ipFlags: number): string {
  if (isMicrosoftRedistribution(shape)) {
    return 'FREE/BACKUP';
  }

  if ((ipFlags & MicrosoftIPFlag.ADDRESS_RELEASED) !== 0) {
    return 'RELEASED';
  }

  const addressState = shape.bindingStatus & MS_ADDRESS_STATE_MASK;
  return addressState >= MicrosoftAddressState.DECLINED ? 'EXPIRED' : 'ACTIVE';
}
