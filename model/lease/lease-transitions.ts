// The transitions of the binding-status machine as plain data, one list per binding-status. Each
// has a target, a named guard with parameters, named actions, and `meta` with its rule IDs and its
// row (T1 to T14) of the binding-status transition table of draft-12 section 5.11. The guards and
// actions themselves are defined in binding-status-machine.ts.

import type { BindingStatusName } from '../../src/wire/codes.js';
import type { AddressPool } from './lease-guards.js';
import type { LeaseEventType, LeaseTransitionMeta } from './lease-types.js';

/** The binding-status values in binding-status code order (draft-12 section 12.3). */
export const bindingStatusNames = [
  'FREE',
  'ACTIVE',
  'EXPIRED',
  'RELEASED',
  'ABANDONED',
  'RESET',
  'BACKUP',
] as const satisfies readonly BindingStatusName[];

type StatusParams = { status: BindingStatusName };

export type LeaseGuard =
  | { type: 'mayAllocate'; params: StatusParams & { pool: AddressPool } }
  | 'mayReturnToSameClient'
  | 'mayRenew'
  | 'mayRelease'
  | 'servesClients'
  | 'leaseTimeReached'
  | { type: 'mayLend'; params: { reserved: boolean } }
  | 'mayReclaim'
  | { type: 'holdsReservation'; params: StatusParams }
  | 'partnerDownMcltPassed'
  | { type: 'hasUpdateToSend'; params: StatusParams }
  | { type: 'acksLastSent'; params: { carrying?: BindingStatusName } }
  | 'rejectsLastSent'
  | { type: 'acceptsUpdate'; params: StatusParams & { stores: BindingStatusName } }
  | { type: 'rejectsUpdate'; params: StatusParams };

export type LeaseAction =
  | 'recordNewLease'
  | 'recordRenewal'
  | 'recordLocalChange'
  | 'recordClientContact'
  | 'markPendingUpdate'
  | { type: 'reportAs'; params: { status: 'FREE' | 'BACKUP' } }
  | { type: 'recordSentUpdate'; params: StatusParams }
  | 'recordAcceptedAck'
  | 'recordRejectedAck'
  | 'forgetLeaseTimes'
  | 'storeReceivedUpdate'
  | 'recordPartnerDownFree'
  | 'clearReservation';

export interface LeaseTransition {
  target?: BindingStatusName;
  guard?: LeaseGuard;
  actions: LeaseAction[];
  meta: LeaseTransitionMeta;
}

export type StatusTransitions = Partial<Record<LeaseEventType, LeaseTransition[]>>;

function transition(
  target: BindingStatusName | undefined,
  guard: LeaseGuard | undefined,
  actions: LeaseAction[],
  rules: string[],
  row?: string,
): LeaseTransition {
  const built: LeaseTransition = { actions, meta: row === undefined ? { rules } : { rules, row } };
  if (target !== undefined) {
    built.target = target;
  }
  if (guard !== undefined) {
    built.guard = guard;
  }

  return built;
}

/** T1, T2: an available address goes to a client from the holder's pool, or from the partner's. */
function allocation(status: 'FREE' | 'BACKUP'): LeaseTransition[] {
  const row = status === 'FREE' ? 'T1' : 'T2';
  const own = { type: 'mayAllocate', params: { status, pool: 'own' } } as const;
  const partner = { type: 'mayAllocate', params: { status, pool: 'partner' } } as const;

  return [
    transition(
      'ACTIVE',
      own,
      ['recordNewLease'],
      ['FO-9.9.2-a', 'FO-9.4.2-a', 'FO-5.4-a', 'FO-5.2.1-c', 'FO-7.1.5-c'],
      row,
    ),
    transition(
      'ACTIVE',
      partner,
      ['recordNewLease'],
      ['FO-5.11-f', 'FO-9.4.2-c', 'FO-5.2.1-a', 'FO-5.14-a', 'FO-9.4.2-d', 'FO-5.2.1-c'],
      row,
    ),
  ];
}

/** T10: DHCPDECLINE or an answered ping makes any address ABANDONED. */
const decline = [
  transition('ABANDONED', 'servesClients', ['recordLocalChange'], ['FO-5.11-b', 'FO-9.2-c'], 'T10'),
];

/** T11, T12: the operator makes an address available again through RESET. */
function operatorReset(row: 'T11' | 'T12'): LeaseTransition[] {
  return [transition('RESET', undefined, ['recordLocalChange'], ['FO-5.11-e'], row)];
}

/** T8: a transient binding-status becomes FREE on the partner's BNDACK, or in PARTNER-DOWN. */
function transientEnd(status: BindingStatusName): StatusTransitions {
  return {
    BNDACK_RECEIVED: [
      transition(
        'FREE',
        { type: 'acksLastSent', params: {} },
        ['recordAcceptedAck', 'forgetLeaseTimes'],
        ['FO-5.11-e', 'FO-5.2.2-b', 'FO-9.8.3-c'],
        'T8',
      ),
      transition(undefined, 'rejectsLastSent', ['recordRejectedAck'], ['FO-7.2.2-b']),
    ],
    MCLT_EXPIRED: [
      transition(
        'FREE',
        'partnerDownMcltPassed',
        ['recordPartnerDownFree'],
        ['FO-5.11-f', 'FO-9.4.2-d', 'E-15'],
        'T8',
      ),
    ],
    BNDUPD_SENT: updateSent(status),
  };
}

function updateSent(status: BindingStatusName): LeaseTransition[] {
  return [
    transition(
      undefined,
      { type: 'hasUpdateToSend', params: { status } },
      [{ type: 'recordSentUpdate', params: { status } }],
      ['FO-7.1.1-a', 'FO-7.1.1-f', 'FO-7.1.1-g'],
    ),
  ];
}

/** BNDACK for a status the answer does not change: record the acknowledgement or rejection. */
const ackRecorded = [
  transition(
    undefined,
    { type: 'acksLastSent', params: {} },
    ['recordAcceptedAck'],
    ['FO-7.2.2-a'],
  ),
  transition(undefined, 'rejectsLastSent', ['recordRejectedAck'], ['FO-7.2.2-b']),
];

/** binding-statuses a received update can leave in storage: the transient ones become FREE. */
const storedByUpdate = ['ACTIVE', 'FREE', 'BACKUP', 'ABANDONED'] as const;

/**
 * Builds the transitions for a partner's BNDUPD, decided by the acceptance matrix in every failover
 * state (FO-7.1.2-a). An
 * accepted EXPIRED, RELEASED or RESET is stored as FREE (FO-5.11-e). A rejection marks this
 * binding pending, so this server sends what it stores (FO-7.2.1-d).
 */
function updateReceived(status: BindingStatusName): LeaseTransition[] {
  const accepted = storedByUpdate.map((stores) =>
    transition(
      stores,
      { type: 'acceptsUpdate', params: { status, stores } },
      ['storeReceivedUpdate'],
      stores === 'FREE' ? ['FO-7.1.3-f', 'FO-7.1.5-a', 'FO-5.11-e'] : ['FO-7.1.3-f', 'FO-7.1.5-a'],
    ),
  );
  const rejected = transition(
    undefined,
    { type: 'rejectsUpdate', params: { status } },
    ['markPendingUpdate'],
    ['FO-7.2.1-d'],
  );

  return [...accepted, rejected];
}

const freeTransitions: StatusTransitions = {
  ALLOCATE: allocation('FREE'),
  LEND_TO_SECONDARY: [
    transition(
      'BACKUP',
      { type: 'mayLend', params: { reserved: false } },
      ['recordLocalChange'],
      ['FO-5.4-d', 'FO-7.6.2-a', 'FO-5.4-a'],
      'T3',
    ),
  ],
  LEND_RESERVED_TO_SECONDARY: [
    transition(
      undefined,
      { type: 'mayLend', params: { reserved: true } },
      ['markPendingUpdate', { type: 'reportAs', params: { status: 'BACKUP' } }],
      ['FO-5.13-a'],
      'T13',
    ),
  ],
  CANCEL_RESERVATION: [
    transition(
      undefined,
      { type: 'holdsReservation', params: { status: 'FREE' } },
      ['clearReservation', 'markPendingUpdate'],
      ['FO-5.13-c'],
      'T14',
    ),
  ],
  DECLINE: decline,
  OPERATOR_RESET: operatorReset('T12'),
  BNDUPD_SENT: updateSent('FREE'),
  BNDACK_RECEIVED: ackRecorded,
};

const backupTransitions: StatusTransitions = {
  ALLOCATE: allocation('BACKUP'),
  RECLAIM: [
    transition(
      undefined,
      'mayReclaim',
      ['markPendingUpdate', { type: 'reportAs', params: { status: 'FREE' } }],
      ['FO-5.4-d'],
      'T4',
    ),
  ],
  CANCEL_RESERVATION: [
    transition(
      'FREE',
      { type: 'holdsReservation', params: { status: 'BACKUP' } },
      ['clearReservation', 'recordLocalChange'],
      ['FO-5.13-c'],
      'T14',
    ),
  ],
  DECLINE: decline,
  OPERATOR_RESET: operatorReset('T12'),
  BNDUPD_SENT: updateSent('BACKUP'),
  BNDACK_RECEIVED: [
    transition(
      'FREE',
      { type: 'acksLastSent', params: { carrying: 'FREE' } },
      ['recordAcceptedAck', 'forgetLeaseTimes'],
      ['FO-5.4-d', 'FO-5.4-e', 'FO-7.2.2-a'],
      'T4',
    ),
    ...ackRecorded,
  ],
};

const activeTransitions: StatusTransitions = {
  RENEW: [
    transition(
      undefined,
      'mayRenew',
      ['recordRenewal'],
      ['FO-5.2.1-c', 'FO-7.1.5-c', 'E-11', 'FO-9.7.1-a', 'FO-9.8.2-a'],
      'T5',
    ),
  ],
  LEASE_EXPIRED: [
    transition(
      'EXPIRED',
      'leaseTimeReached',
      ['recordLocalChange'],
      ['FO-5.11-d', 'FO-9.8.3-c'],
      'T6',
    ),
  ],
  RELEASE: [
    transition(
      'RELEASED',
      'mayRelease',
      ['recordClientContact', 'recordLocalChange'],
      ['FO-9.8.3-c', 'FO-9.2-c'],
      'T7',
    ),
  ],
  DECLINE: decline,
  OPERATOR_RESET: operatorReset('T12'),
  BNDUPD_SENT: updateSent('ACTIVE'),
  BNDACK_RECEIVED: ackRecorded,
};

/** T9: the same client takes back an EXPIRED or RELEASED address not yet reported. */
const returnToSameClient = [
  transition(
    'ACTIVE',
    'mayReturnToSameClient',
    ['recordNewLease'],
    ['FO-5.2.2-c', 'FO-9.8.3-c'],
    'T9',
  ),
];

const statusTransitions: Record<BindingStatusName, StatusTransitions> = {
  FREE: freeTransitions,
  ACTIVE: activeTransitions,
  EXPIRED: {
    ALLOCATE: returnToSameClient,
    DECLINE: decline,
    OPERATOR_RESET: operatorReset('T12'),
    ...transientEnd('EXPIRED'),
  },
  RELEASED: {
    ALLOCATE: returnToSameClient,
    DECLINE: decline,
    OPERATOR_RESET: operatorReset('T12'),
    ...transientEnd('RELEASED'),
  },
  ABANDONED: {
    OPERATOR_RESET: operatorReset('T11'),
    BNDUPD_SENT: updateSent('ABANDONED'),
    BNDACK_RECEIVED: ackRecorded,
  },
  RESET: { DECLINE: decline, ...transientEnd('RESET') },
  BACKUP: backupTransitions,
};

/** UPDREQALL asks for every binding, so each one is pending again (FO-5.17-b, FO-7.4.2-a). */
const everyBindingRequested = [
  transition(undefined, undefined, ['markPendingUpdate'], ['FO-5.17-b', 'FO-7.4.2-a']),
];

/** Returns the transitions of `status`, including those every binding-status shares. */
export function transitionsOf(status: BindingStatusName): StatusTransitions {
  return {
    ...statusTransitions[status],
    BNDUPD_RECEIVED: updateReceived(status),
    UPDREQALL_RECEIVED: everyBindingRequested,
  };
}
