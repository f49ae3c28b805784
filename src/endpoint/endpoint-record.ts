// Between the stored endpoint record and the machine: the input a start is fed (FO-9.3.2-a), and
// the record written on every state change (FO-9.2-a, FO-9.2-e).

import type { EndpointInput, Role } from '../../model/endpoint-types.js';
import type { EndpointRecord } from '../store/types.js';
import type { FailoverStateName } from '../wire/codes.js';

/** States that are not resumed themselves; the record's previousState says what to resume. */
const HALTED_STATES: readonly FailoverStateName[] = ['STARTUP', 'PAUSED', 'SHUTDOWN'];

/**
 * Returns the machine input for a start. A record in STARTUP, PAUSED or SHUTDOWN resumes the
 * state held before it (FO-9.13.2-a, FO-9.14.3-a); no record at all is a first start, whose failure
 * time is 0, more than an MCLT in the past (FO-9.3.2-a).
 */
export function endpointInputOf(record: EndpointRecord | undefined, role: Role): EndpointInput {
  return {
    role,
    previousState: resumableStateOf(record),
    lastOperatingTime: record?.lastOperatingTime ?? 0,
    hasSyncedBefore: record?.hasSyncedBefore ?? false,
    storageLost: false,
  };
}

function resumableStateOf(record: EndpointRecord | undefined): FailoverStateName | undefined {
  if (record === undefined) {
    return undefined;
  }

  return HALTED_STATES.includes(record.state) ? record.previousState : record.state;
}

/** What the machine's snapshot says about the endpoint, for the record. */
export interface EndpointFacts {
  state: FailoverStateName;
  /** The state a restart resumes (the machine context's previousState). */
  previousState: FailoverStateName;
  hasSyncedBefore: boolean;
}

export function recordOf(
  relationship: string,
  facts: EndpointFacts,
  startTimeOfState: number,
  now: number,
  mclt: number | undefined,
): EndpointRecord {
  const record: EndpointRecord = {
    relationship,
    state: facts.state,
    startTimeOfState,
    previousState: facts.previousState,
    lastOperatingTime: now,
    hasSyncedBefore: facts.hasSyncedBefore,
  };
  if (mclt !== undefined) {
    record.mclt = mclt;
  }

  return record;
}
