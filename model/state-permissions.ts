// Permissions of each failover endpoint state (draft-12 section 9, summarised in the spec's table
// of state permissions), with a doc block per state. The same values are the `meta` of the endpoint
// machine's states, so the runtime can read them from a snapshot or through `permissionsOf`.

import type { FailoverStateName } from '../src/wire/codes.js';
import type { StatePermissions } from './endpoint-types.js';

/** A state's `meta`: its permissions plus the doc block (client service, partner, exits). */
export interface EndpointStateMeta extends StatePermissions {
  doc: string;
}

/** Every failover endpoint state, in server-state code order with RECOVER-WAIT last. */
export const stateNames = [
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
] as const satisfies readonly FailoverStateName[];

const halted: StatePermissions = {
  clientService: 'none',
  allocateFrom: 'none',
  sendsUpdates: false,
  communicatesWithPartner: false,
};

const synchronizing: StatePermissions = {
  clientService: 'none',
  allocateFrom: 'none',
  sendsUpdates: false,
  communicatesWithPartner: true,
};

const servingOwnPool: StatePermissions = {
  clientService: 'all',
  allocateFrom: 'own-pool',
  sendsUpdates: true,
  communicatesWithPartner: true,
};

export const stateMeta: Record<FailoverStateName, EndpointStateMeta> = {
  STARTUP: {
    ...synchronizing,
    doc:
      'Serves no clients (FO-9.3.1-a). Connects to the partner and sends STATE with S=1 and the ' +
      'previous state (FO-9.3.1-b). Left on the first PARTNER_STATE for the previous state, or ' +
      'the state that state reaches for the partner (FO-9.3.2-f), and on STARTUP_EXPIRED by the ' +
      'configured policy (FO-9.3.2-b, FO-9.3.2-g). PAUSE and SHUTDOWN halt it.',
  },
  NORMAL: {
    clientService: 'balanced',
    allocateFrom: 'own-pool',
    sendsUpdates: true,
    communicatesWithPartner: true,
    doc:
      'Serves every RENEW and REBIND and other requests only for its own hash buckets ' +
      '(FO-9.8.2-a). Sends pending BNDUPDs on entry (FO-9.8.1-a). Left on COMMUNICATIONS_FAILED ' +
      'for COMMUNICATIONS-INTERRUPTED (FO-9.8.4-c), on PARTNER_DOWN for PARTNER-DOWN ' +
      '(FO-9.8.4-a), and on a partner state other than NORMAL as if communications failed first ' +
      '(FO-9.8.4-d).',
  },
  'COMMUNICATIONS-INTERRUPTED': {
    ...servingOwnPool,
    doc:
      'Serves all clients without load balancing, new leases from its own pool only, renewals ' +
      'within MCLT (FO-9.9.2-a). Keeps trying to reconnect (FO-9.9.2-b). Left on ' +
      'SAFE_PERIOD_EXPIRED or PARTNER_DOWN for PARTNER-DOWN (FO-9.9.3-a), and on a partner state ' +
      'by the reaction matrix (FO-9.9.3-b, E-19).',
  },
  'PARTNER-DOWN': {
    clientService: 'all',
    allocateFrom: 'own-pool-then-all-after-mclt',
    sendsUpdates: true,
    communicatesWithPartner: true,
    doc:
      'Serves all clients; allocates from its own pool at once and from every available address ' +
      'after PD entry + MCLT (FO-9.4.2-a, FO-9.4.2-c). Ignores a partner STATE with S=1 ' +
      '(FO-9.4.3-a). Left for POTENTIAL-CONFLICT or NORMAL on a partner state (FO-9.4.3-b).',
  },
  'POTENTIAL-CONFLICT': {
    ...synchronizing,
    doc:
      'Serves no clients (FO-9.10.2-a). The primary sends UPDREQ on entry, the secondary waits ' +
      'for it and sends UPDREQ when it sees the primary in CONFLICT-DONE (FO-9.10.1-a, ' +
      'FO-9.10.3-c). Left on UPDDONE for CONFLICT-DONE (primary) or NORMAL (secondary) ' +
      '(FO-9.10.3-b), and on COMMUNICATIONS_FAILED for RESOLUTION-INTERRUPTED (FO-9.10.3-a).',
  },
  RECOVER: {
    ...synchronizing,
    doc:
      'Serves no clients (FO-9.5.1-a). With communications ok it sends UPDREQALL when storage ' +
      'is lost or it never synced, else UPDREQ, once per connection (FO-9.5.2-b, FO-9.5.2-d). ' +
      'Left on UPDDONE for RECOVER-WAIT (FO-9.5.2-c), or RECOVER-DONE when neither side has a ' +
      'history (FO-9.6.2-b), and for POTENTIAL-CONFLICT when the partner is in ' +
      'POTENTIAL-CONFLICT, RESOLUTION-INTERRUPTED or CONFLICT-DONE (FO-9.5.2-a).',
  },
  PAUSED: {
    ...halted,
    doc:
      'Serves no clients. Sends STATE(PAUSED) and the runtime then closes the connection ' +
      '(FO-9.13-a); the state held before is kept for the restart (FO-9.13.1-a, FO-9.13.2-a). ' +
      'Left only by restarting, or by SHUTDOWN.',
  },
  SHUTDOWN: {
    ...halted,
    doc:
      'Serves no clients (FO-9.14.2-a). Sends STATE(SHUTDOWN) (FO-9.14.1-b) and keeps the state ' +
      'held before for the restart (FO-9.14.1-a), or RECOVER once the partner reports ' +
      'PARTNER-DOWN (FO-9.14.2-b). Left only by restarting (FO-9.14.3-a).',
  },
  'RECOVER-DONE': {
    clientService: 'renew-only',
    allocateFrom: 'none',
    sendsUpdates: true,
    communicatesWithPartner: true,
    doc:
      'Answers only RENEW and REBIND (FO-9.7.1-a, E-14). Left for NORMAL when the partner is in ' +
      'NORMAL or RECOVER-DONE (FO-9.7.2-a); stays on COMMUNICATIONS_FAILED.',
  },
  'RESOLUTION-INTERRUPTED': {
    ...servingOwnPool,
    doc:
      'Serves all clients without load balancing, preferring its own pool, renewals within MCLT ' +
      '(FO-9.11.2-a); raises an alarm on entry (FO-9.11.1-a). Left on PARTNER_DOWN for ' +
      'PARTNER-DOWN and on any partner state for POTENTIAL-CONFLICT (FO-9.11.3-a).',
  },
  'CONFLICT-DONE': {
    ...servingOwnPool,
    doc:
      'Entered only by a primary (FO-9.12.1-a). Serves all clients without load balancing ' +
      '(FO-9.12.2-a). Left for NORMAL when the partner reports NORMAL (FO-9.12.3-a); stays on ' +
      'COMMUNICATIONS_FAILED and every other partner state.',
  },
  'RECOVER-WAIT': {
    ...synchronizing,
    doc:
      'Serves no clients (FO-9.6.1-a). Starts the RECOVER-WAIT timer on entry (FO-9.6.2-a). Left ' +
      'on MCLT_EXPIRED for RECOVER-DONE, connected or not (FO-9.6.2-c); partner states do not ' +
      'move it.',
  },
};

/** Returns what `state` permits; the same for both roles. */
export function permissionsOf(state: FailoverStateName): StatePermissions {
  const { clientService, allocateFrom, sendsUpdates, communicatesWithPartner } = stateMeta[state];

  return { clientService, allocateFrom, sendsUpdates, communicatesWithPartner };
}
