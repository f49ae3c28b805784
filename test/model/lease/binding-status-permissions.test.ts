// Who may change a binding-status in which failover endpoint state, transcribed from draft-12
// sections 5.4, 5.11, 9 and the state permission table independently of the model's own guards.

import { describe, expect, it } from 'vitest';
import type { Role } from '../../../model/endpoint-types.js';
import type { LeaseContext, LeaseEvent } from '../../../model/lease/lease-types.js';
import type { BindingStatusName, FailoverStateName } from '../../../src/wire/codes.js';
import { MCLT, NOW, applyEvent, at, leaseContext } from './lease-harness.js';

type Expected = BindingStatusName | 'unchanged';

/** States that allocate new leases from the server's own pool (draft-12 section 9). */
const allocating: readonly FailoverStateName[] = [
  'NORMAL',
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
];

const everyState: readonly FailoverStateName[] = [
  'STARTUP',
  'NORMAL',
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'POTENTIAL-CONFLICT',
  'RECOVER',
  'PAUSED',
  'SHUTDOWN',
  'RECOVER-DONE',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
  'RECOVER-WAIT',
];

interface AllocationDetails {
  client?: string;
  leaseExpirationTime?: number;
  now?: number;
  partnerDownSince?: number;
}

function allocate(state: FailoverStateName, details: AllocationDetails = {}): LeaseEvent {
  const { client = 'client-a', now = NOW, leaseExpirationTime = now + MCLT } = details;

  return {
    type: 'ALLOCATE',
    client,
    leaseExpirationTime,
    ...at(state, now, details.partnerDownSince),
  };
}

/** A FREE address is the primary's own pool, a BACKUP address the secondary's (FO-5.4-a). */
const ownPoolCases = (['primary', 'secondary'] as const).flatMap((role) =>
  everyState.map((state) => {
    const status = role === 'primary' ? ('FREE' as const) : ('BACKUP' as const);
    const expected: Expected = allocating.includes(state) ? 'ACTIVE' : 'unchanged';

    return [role, state, status, expected] as const;
  }),
);

describe('binding-status machine: allocation from the own pool', () => {
  it.each(ownPoolCases)(
    '%s in %s allocating a %s address: %s (FO-9.9.2-a, FO-9.4.2-a)',
    (role, state, status, expected) => {
      const outcome = applyEvent(status, leaseContext(role), allocate(state));

      if (expected === 'unchanged') {
        expect(outcome.changed).toBe(false);
      } else {
        expect(outcome.status).toBe(expected);
      }
    },
  );
});

interface Case {
  title: string;
  role: Role;
  status: BindingStatusName;
  context?: Partial<LeaseContext>;
  event: LeaseEvent;
  expected: Expected;
}

const partnerDown = (now: number, since: number) => ({ now, partnerDownSince: since });

/** Allocation from the partner's pool: PARTNER-DOWN only, after MCLT, never for BOOTP pools. */
const partnerPoolCases: Case[] = [
  {
    title: 'primary never allocates a BACKUP address in NORMAL (FO-5.4-a)',
    role: 'primary',
    status: 'BACKUP',
    event: allocate('NORMAL'),
    expected: 'unchanged',
  },
  {
    title: 'secondary never allocates a FREE address in COMMUNICATIONS-INTERRUPTED (FO-9.9.2-a)',
    role: 'secondary',
    status: 'FREE',
    event: allocate('COMMUNICATIONS-INTERRUPTED'),
    expected: 'unchanged',
  },
  {
    title: 'secondary waits MCLT after the partner went down for a FREE address (FO-9.4.2-c)',
    role: 'secondary',
    status: 'FREE',
    event: allocate('PARTNER-DOWN', partnerDown(NOW, NOW - MCLT + 1)),
    expected: 'unchanged',
  },
  {
    title: 'secondary allocates a FREE address once MCLT has passed in PARTNER-DOWN (FO-5.11-f)',
    role: 'secondary',
    status: 'FREE',
    event: allocate('PARTNER-DOWN', partnerDown(NOW, NOW - MCLT)),
    expected: 'ACTIVE',
  },
  {
    title: 'primary allocates a BACKUP address once MCLT has passed in PARTNER-DOWN (FO-5.11-f)',
    role: 'primary',
    status: 'BACKUP',
    event: allocate('PARTNER-DOWN', partnerDown(NOW, NOW - MCLT)),
    expected: 'ACTIVE',
  },
  {
    title: 'primary never takes a BACKUP address of a dynamic BOOTP pool (FO-5.14-a)',
    role: 'primary',
    status: 'BACKUP',
    context: { dynamicBootpPool: true },
    event: allocate('PARTNER-DOWN', partnerDown(NOW, NOW - 10 * MCLT)),
    expected: 'unchanged',
  },
  {
    title: 'PARTNER-DOWN without a known failure time keeps the partner pool closed (FO-5.2.1-a)',
    role: 'secondary',
    status: 'FREE',
    event: allocate('PARTNER-DOWN'),
    expected: 'unchanged',
  },
];

/** The MCLT bound on lease times, and the reuse rules for a binding that had a client. */
const leaseTimeCases: Case[] = [
  {
    title: 'a new lease may last MCLT (FO-7.1.5-c)',
    role: 'primary',
    status: 'FREE',
    event: allocate('NORMAL', { leaseExpirationTime: NOW + MCLT }),
    expected: 'ACTIVE',
  },
  {
    title: 'a new lease longer than MCLT is refused (FO-5.2.1-c)',
    role: 'primary',
    status: 'FREE',
    event: allocate('NORMAL', { leaseExpirationTime: NOW + MCLT + 1 }),
    expected: 'unchanged',
  },
  {
    title: 'a renewal reaches MCLT past the acknowledged PET (FO-7.1.5-c, E-11)',
    role: 'secondary',
    status: 'ACTIVE',
    context: { client: 'client-a', ackedPet: NOW + 86_400, leaseExpirationTime: NOW + 10 },
    event: {
      type: 'RENEW',
      client: 'client-a',
      leaseExpirationTime: NOW + 86_400 + MCLT,
      ...at('NORMAL'),
    },
    expected: 'ACTIVE',
  },
  {
    title: 'a renewal beyond MCLT past the acknowledged PET is refused (FO-5.2.1-c)',
    role: 'secondary',
    status: 'ACTIVE',
    context: { client: 'client-a', ackedPet: NOW + 86_400, leaseExpirationTime: NOW + 10 },
    event: {
      type: 'RENEW',
      client: 'client-a',
      leaseExpirationTime: NOW + 86_400 + MCLT + 1,
      ...at('NORMAL'),
    },
    expected: 'unchanged',
  },
  {
    title:
      'an address freed in PARTNER-DOWN waits for its reuse time for a new client (FO-9.4.2-d)',
    role: 'primary',
    status: 'FREE',
    context: { client: 'client-a', reuseNotBefore: NOW + 1 },
    event: allocate('PARTNER-DOWN', { client: 'client-b', ...partnerDown(NOW, NOW - MCLT) }),
    expected: 'unchanged',
  },
  {
    title: 'an address freed in PARTNER-DOWN goes to a new client at its reuse time (FO-9.4.2-d)',
    role: 'primary',
    status: 'FREE',
    context: { client: 'client-a', reuseNotBefore: NOW },
    event: allocate('PARTNER-DOWN', { client: 'client-b', ...partnerDown(NOW, NOW - MCLT) }),
    expected: 'ACTIVE',
  },
  {
    title: 'a reserved address goes only to its client (FO-5.13-a)',
    role: 'primary',
    status: 'FREE',
    context: { reservedFor: 'client-r' },
    event: allocate('NORMAL'),
    expected: 'unchanged',
  },
];

const released = { client: 'client-a', clientLastTransactionTime: NOW - 60 };

/** Renewal, release, expiry and the way back to FREE. */
const lifecycleCases: Case[] = [
  {
    title: 'RECOVER-DONE renews a lease (FO-9.7.1-a)',
    role: 'primary',
    status: 'ACTIVE',
    context: { client: 'client-a', leaseExpirationTime: NOW + 10 },
    event: {
      type: 'RENEW',
      client: 'client-a',
      leaseExpirationTime: NOW + MCLT,
      ...at('RECOVER-DONE'),
    },
    expected: 'ACTIVE',
  },
  {
    title: 'RECOVER-DONE allocates nothing new (FO-9.7.1-a)',
    role: 'primary',
    status: 'FREE',
    event: allocate('RECOVER-DONE'),
    expected: 'unchanged',
  },
  {
    title: 'POTENTIAL-CONFLICT keeps nothing from a DHCPRELEASE (FO-9.10.2-a, FO-9.2-c)',
    role: 'secondary',
    status: 'ACTIVE',
    context: { client: 'client-a' },
    event: { type: 'RELEASE', client: 'client-a', ...at('POTENTIAL-CONFLICT') },
    expected: 'unchanged',
  },
  {
    title: 'NORMAL takes a DHCPRELEASE from the lease holder (FO-9.8.3-c)',
    role: 'secondary',
    status: 'ACTIVE',
    context: { client: 'client-a' },
    event: { type: 'RELEASE', client: 'client-a', ...at('NORMAL') },
    expected: 'RELEASED',
  },
  {
    title: 'a lease expires only at its lease-expiration-time (FO-5.11-d)',
    role: 'primary',
    status: 'ACTIVE',
    context: { client: 'client-a', leaseExpirationTime: NOW + 1 },
    event: { type: 'LEASE_EXPIRED', ...at('NORMAL') },
    expected: 'unchanged',
  },
  {
    title: 'the same client takes back a RELEASED address before any BNDUPD (FO-5.2.2-c)',
    role: 'primary',
    status: 'RELEASED',
    context: released,
    event: allocate('NORMAL'),
    expected: 'ACTIVE',
  },
  {
    title: 'a RELEASED address reported in a BNDUPD waits for the BNDACK (FO-9.8.3-c)',
    role: 'primary',
    status: 'RELEASED',
    context: { ...released, statusReported: true },
    event: allocate('NORMAL'),
    expected: 'unchanged',
  },
  {
    title: 'another client never gets a RELEASED address before the BNDACK (FO-5.2.2-b)',
    role: 'primary',
    status: 'RELEASED',
    context: released,
    event: allocate('NORMAL', { client: 'client-b' }),
    expected: 'unchanged',
  },
  {
    title: 'the BNDACK for an EXPIRED update makes the address FREE (FO-5.11-e)',
    role: 'secondary',
    status: 'EXPIRED',
    context: { lastSent: { bindingStatus: 'EXPIRED', potentialExpirationTime: undefined } },
    event: { type: 'BNDACK_RECEIVED', bindingStatus: 'EXPIRED', ...at('NORMAL') },
    expected: 'FREE',
  },
  {
    title: 'a rejecting BNDACK leaves a RELEASED address RELEASED (FO-7.2.2-b)',
    role: 'secondary',
    status: 'RELEASED',
    context: { lastSent: { bindingStatus: 'RELEASED', potentialExpirationTime: undefined } },
    event: {
      type: 'BNDACK_RECEIVED',
      bindingStatus: 'RELEASED',
      rejectReason: 15,
      ...at('NORMAL'),
    },
    expected: 'RELEASED',
  },
  {
    title: 'PARTNER-DOWN frees an EXPIRED address MCLT after it expired (FO-5.11-f)',
    role: 'primary',
    status: 'EXPIRED',
    context: { startTimeOfState: NOW - MCLT },
    event: { type: 'MCLT_EXPIRED', ...at('PARTNER-DOWN', NOW, NOW - 2 * MCLT) },
    expected: 'FREE',
  },
  {
    title: 'COMMUNICATIONS-INTERRUPTED never frees an EXPIRED address (FO-5.12.4-c)',
    role: 'primary',
    status: 'EXPIRED',
    context: { startTimeOfState: NOW - 10 * MCLT },
    event: { type: 'MCLT_EXPIRED', ...at('COMMUNICATIONS-INTERRUPTED') },
    expected: 'unchanged',
  },
];

/** Lending and reclaiming between the pools, and updates from the partner. */
const poolCases: Case[] = [
  {
    title: 'primary lends a FREE address in NORMAL (FO-5.4-d)',
    role: 'primary',
    status: 'FREE',
    event: { type: 'LEND_TO_SECONDARY', ...at('NORMAL') },
    expected: 'BACKUP',
  },
  {
    title: 'secondary never lends an address (FO-7.6-a)',
    role: 'secondary',
    status: 'FREE',
    event: { type: 'LEND_TO_SECONDARY', ...at('NORMAL') },
    expected: 'unchanged',
  },
  {
    title: 'primary lends nothing without a connection (FO-5.4-d)',
    role: 'primary',
    status: 'FREE',
    event: { type: 'LEND_TO_SECONDARY', ...at('COMMUNICATIONS-INTERRUPTED') },
    expected: 'unchanged',
  },
  {
    title: 'a reclaimed address stays BACKUP until the BNDACK (FO-5.4-d)',
    role: 'primary',
    status: 'BACKUP',
    event: { type: 'RECLAIM', ...at('NORMAL') },
    expected: 'BACKUP',
  },
  {
    title: 'the BNDACK for a reclaim makes the address FREE (FO-5.4-d)',
    role: 'primary',
    status: 'BACKUP',
    context: {
      pendingUpdate: true,
      reportAs: 'FREE',
      lastSent: { bindingStatus: 'FREE', potentialExpirationTime: undefined },
    },
    event: { type: 'BNDACK_RECEIVED', bindingStatus: 'FREE', ...at('NORMAL') },
    expected: 'FREE',
  },
  {
    title: 'secondary stores a lent address as BACKUP (FO-7.1.3-f)',
    role: 'secondary',
    status: 'FREE',
    event: { type: 'BNDUPD_RECEIVED', update: { bindingStatus: 'BACKUP' }, ...at('NORMAL') },
    expected: 'BACKUP',
  },
  {
    title: 'secondary keeps an address it leased ACTIVE against a reclaim (FO-5.4-e)',
    role: 'secondary',
    status: 'ACTIVE',
    context: { client: 'client-a', leaseExpirationTime: NOW + 60 },
    event: { type: 'BNDUPD_RECEIVED', update: { bindingStatus: 'FREE' }, ...at('NORMAL') },
    expected: 'ACTIVE',
  },
  {
    title: 'an accepted RELEASED update is stored as FREE (FO-5.11-e)',
    role: 'primary',
    status: 'ACTIVE',
    context: { client: 'client-a', clientLastTransactionTime: NOW - 100 },
    event: {
      type: 'BNDUPD_RECEIVED',
      update: { bindingStatus: 'RELEASED', client: 'client-a', clientLastTransactionTime: NOW },
      ...at('NORMAL'),
    },
    expected: 'FREE',
  },
];

describe('binding-status machine: who may do what', () => {
  const cases = [...partnerPoolCases, ...leaseTimeCases, ...lifecycleCases, ...poolCases];

  it.each(cases.map((testCase) => [testCase.title, testCase] as const))(
    '%s',
    (_, { role, status, context, event, expected }) => {
      const outcome = applyEvent(status, leaseContext(role, context), event);

      if (expected === 'unchanged') {
        expect(outcome.changed).toBe(false);
      } else {
        expect(outcome.status).toBe(expected);
      }
    },
  );
});

describe('binding-status machine: bookkeeping', () => {
  it('marks every local change pending until the partner acknowledges it (FO-5.16-a)', () => {
    const allocated = applyEvent('FREE', leaseContext('primary'), allocate('NORMAL'));
    const sent = applyEvent(allocated.status, allocated.context, {
      type: 'BNDUPD_SENT',
      potentialExpirationTime: NOW + 2 * MCLT,
      ...at('NORMAL'),
    });
    const acked = applyEvent(sent.status, sent.context, {
      type: 'BNDACK_RECEIVED',
      bindingStatus: 'ACTIVE',
      potentialExpirationTime: NOW + 2 * MCLT,
      ...at('NORMAL'),
    });

    expect(allocated.context.pendingUpdate).toBe(true);
    expect(sent.context.pendingUpdate).toBe(true);
    expect(sent.context.sentPet).toBe(NOW + 2 * MCLT);
    expect(acked.context.pendingUpdate).toBe(false);
    expect(acked.context.ackedPet).toBe(NOW + 2 * MCLT);
  });

  it('rejects sending a PET not after the lease expiry (FO-7.1.1-f)', () => {
    const allocated = applyEvent('FREE', leaseContext('primary'), allocate('NORMAL'));

    const sent = applyEvent(allocated.status, allocated.context, {
      type: 'BNDUPD_SENT',
      potentialExpirationTime: NOW + MCLT,
      ...at('NORMAL'),
    });

    expect(sent.changed).toBe(false);
  });

  it('ignores a BNDACK for an update older than the last one sent (FO-7.2.2-a)', () => {
    const context = leaseContext('primary', {
      client: 'client-a',
      pendingUpdate: true,
      lastSent: { bindingStatus: 'ACTIVE', potentialExpirationTime: NOW + 900 },
    });

    const outcome = applyEvent('ACTIVE', context, {
      type: 'BNDACK_RECEIVED',
      bindingStatus: 'ACTIVE',
      potentialExpirationTime: NOW + 600,
      ...at('NORMAL'),
    });

    expect(outcome.changed).toBe(false);
  });

  it('sends its own binding after rejecting a partner update (FO-7.2.1-d)', () => {
    const context = leaseContext('primary', { client: 'client-a', leaseExpirationTime: NOW + 60 });

    const outcome = applyEvent('ACTIVE', context, {
      type: 'BNDUPD_RECEIVED',
      update: {
        bindingStatus: 'ACTIVE',
        client: 'client-b',
        leaseExpirationTime: NOW + 60,
        potentialExpirationTime: NOW + 120,
      },
      ...at('NORMAL'),
    });

    expect(outcome.status).toBe('ACTIVE');
    expect(outcome.context.client).toBe('client-a');
    expect(outcome.context.pendingUpdate).toBe(true);
  });

  it('keeps a rejection pending past the BNDACK of an older update (FO-7.2.1-d)', () => {
    const sent = leaseContext('primary', {
      client: 'client-a',
      leaseExpirationTime: NOW + 60,
      clientLastTransactionTime: NOW,
      pendingUpdate: true,
      lastSent: { bindingStatus: 'ACTIVE', potentialExpirationTime: NOW + 120 },
    });
    const rejected = applyEvent('ACTIVE', sent, {
      type: 'BNDUPD_RECEIVED',
      update: { bindingStatus: 'RELEASED', client: 'client-a', clientLastTransactionTime: NOW },
      ...at('NORMAL'),
    });

    const answered = applyEvent(rejected.status, rejected.context, {
      type: 'BNDACK_RECEIVED',
      bindingStatus: 'ACTIVE',
      potentialExpirationTime: NOW + 120,
      rejectReason: 15,
      ...at('NORMAL'),
    });

    expect(rejected.status).toBe('ACTIVE');
    expect(rejected.context.pendingUpdate).toBe(true);
    expect(answered.changed).toBe(false);
    expect(answered.context.pendingUpdate).toBe(true);
  });

  it('remembers a reported RELEASED status after a rejection (FO-5.2.2-c)', () => {
    const released = leaseContext('secondary', {
      client: 'client-a',
      pendingUpdate: true,
      statusReported: true,
      lastSent: { bindingStatus: 'RELEASED', potentialExpirationTime: undefined },
    });

    const outcome = applyEvent('RELEASED', released, {
      type: 'BNDACK_RECEIVED',
      bindingStatus: 'RELEASED',
      rejectReason: 15,
      ...at('NORMAL'),
    });

    expect(outcome.status).toBe('RELEASED');
    expect(outcome.context.pendingUpdate).toBe(false);
    expect(outcome.context.statusReported).toBe(true);
  });

  it('keeps a pending local change when it accepts a partner update (FO-5.16-a)', () => {
    const context = leaseContext('secondary', {
      client: 'client-a',
      clientLastTransactionTime: NOW - 10,
      startTimeOfState: NOW - 10,
      pendingUpdate: true,
    });

    const outcome = applyEvent('RELEASED', context, {
      type: 'BNDUPD_RECEIVED',
      update: { bindingStatus: 'FREE' },
      ...at('NORMAL'),
    });

    expect(outcome.status).toBe('FREE');
    expect(outcome.context.pendingUpdate).toBe(true);
  });

  it('sets the reuse time when PARTNER-DOWN frees an address (FO-9.4.2-d, E-15)', () => {
    const context = leaseContext('primary', {
      client: 'client-a',
      startTimeOfState: NOW - MCLT,
      leaseExpirationTime: NOW - MCLT,
      receivedPet: NOW + 500,
    });

    const outcome = applyEvent('EXPIRED', context, {
      type: 'MCLT_EXPIRED',
      ...at('PARTNER-DOWN', NOW, NOW - 2 * MCLT),
    });

    expect(outcome.status).toBe('FREE');
    expect(outcome.context.reuseNotBefore).toBe(NOW + 500 + MCLT);
    expect(outcome.context.pendingUpdate).toBe(true);
  });
});
