// STATE messages (draft-12 section 7.10): what this endpoint sends, and the PARTNER_STATE event a
// received one becomes.

import type { PartnerStateEvent } from '../../model/endpoint-types.js';
import {
  OptionCode,
  SERVER_FLAG_STARTUP,
  ServerState,
  type FailoverStateName,
} from '../wire/codes.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';
import { findOption, option } from '../peer/options.js';

const STATE_NAMES_BY_CODE = new Map<number, FailoverStateName>(
  Object.entries(ServerState).map(([name, code]) => [code, name as FailoverStateName]),
);

/** Content of a STATE: the state (the previous one while in STARTUP), the S bit, the start time. */
export interface AnnouncedState {
  state: FailoverStateName;
  startup: boolean;
  /** When the sender entered `state`, seconds since 1970 (FO-7.10 table). */
  startTimeOfState: number;
}

/**
 * Builds server-state, server-flags and start-time-of-state in ISC's order (ISC-4). RECOVER-WAIT
 * goes out as 254 (E-5). STARTUP never goes out, because the S bit carries it (FO-12.24-a,
 * FO-9.3.1-b).
 */
export function buildSTATEOptions(announced: AnnouncedState): FailoverOption[] {
  return [
    option(OptionCode.SERVER_STATE, ServerState[announced.state]),
    option(OptionCode.SERVER_FLAGS, announced.startup ? SERVER_FLAG_STARTUP : 0),
    option(OptionCode.START_TIME_OF_STATE, announced.startTimeOfState),
  ];
}

/**
 * Turns a received STATE into the machine's PARTNER_STATE event, with start-time-of-state moved
 * onto our clock (FO-7.8.2-g). Returns a message naming the problem for an unusable STATE.
 */
export function partnerStateEventOf(
  message: FailoverMessage,
  clockDelta: number,
): PartnerStateEvent | string {
  const code = findOption(message, OptionCode.SERVER_STATE);
  if (code === undefined) {
    return 'STATE without server-state';
  }

  const state = STATE_NAMES_BY_CODE.get(code);
  if (state === undefined || state === 'STARTUP') {
    return `STATE server-state ${code}, expected a failover state other than STARTUP`;
  }

  const flags = findOption(message, OptionCode.SERVER_FLAGS) ?? 0;
  const partnerStartTime = findOption(message, OptionCode.START_TIME_OF_STATE);
  return {
    type: 'PARTNER_STATE',
    state,
    startup: (flags & SERVER_FLAG_STARTUP) !== 0,
    startTimeOfState:
      partnerStartTime === undefined || partnerStartTime === 0
        ? 0
        : Math.max(0, partnerStartTime - clockDelta),
    partnerHasHistory: partnerHasHistoryOf(state),
  };
}

/**
 * Returns whether the partner has operated with a failover partner before. STATE carries no such
 * field, but a server with no failover history starts in RECOVER (FO-9.3.2-a, ISC-11), so every
 * other state implies a history.
 */
function partnerHasHistoryOf(state: FailoverStateName): boolean {
  return state !== 'RECOVER';
}
