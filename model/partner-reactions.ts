// The reaction matrix of draft-12 section 9 as data: what each endpoint state does when
// communications become ok with the partner in a given state, or when the partner changes state
// while connected (FO-9.2-d). The endpoint machine builds its PARTNER_STATE transitions from this
// table, including the STARTUP transitions that resume the previous state and then apply its row.

import type { FailoverStateName } from '../src/wire/codes.js';
import type { Role } from './endpoint-types.js';

/** Partner states that can arrive in STATE; STARTUP travels as the S bit instead (FO-12.24-a). */
export const partnerStateNames = [
  'NORMAL',
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'POTENTIAL-CONFLICT',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
  'RECOVER',
  'RECOVER-WAIT',
  'RECOVER-DONE',
  'PAUSED',
  'SHUTDOWN',
] as const satisfies readonly FailoverStateName[];

/** Effect of a matrix row that stays in its state. */
export type StayEffect = 'requestBindings' | 'requestConflictUpdates' | 'rememberRecoverForRestart';

/** One row fragment of the reaction matrix: my state, a set of partner states, the outcome. */
export interface PartnerReaction {
  partnerStates: readonly FailoverStateName[];
  /** The state to enter; absent means stay. */
  target?: FailoverStateName;
  /**
   * Leave and enter the target again even when it is the current state. Used for "via
   * COMMUNICATIONS-INTERRUPTED back to NORMAL", so STATE and the pending BNDUPDs go out again.
   */
  reenter?: boolean;
  /** Applies to this role only. */
  role?: Role;
  /** Applies only to a STATE whose S bit has this value (FO-9.4.3-a). */
  startup?: boolean;
  /** Done while staying; absent means nothing. */
  effect?: StayEffect;
  rules: readonly string[];
}

const conflictStates = ['POTENTIAL-CONFLICT', 'RESOLUTION-INTERRUPTED', 'CONFLICT-DONE'] as const;

function otherPartnerStates(except: readonly FailoverStateName[]): FailoverStateName[] {
  return partnerStateNames.filter((state) => !except.includes(state));
}

/**
 * The reaction matrix, row by row. Where the text and the state diagram disagree the text wins,
 * and where neither names a transition the erratum resolution applies (E-19).
 */
export const partnerReactions: Readonly<Record<FailoverStateName, readonly PartnerReaction[]>> = {
  STARTUP: [],
  NORMAL: [
    { partnerStates: ['NORMAL'], rules: ['FO-9.8.4-d'] },
    {
      partnerStates: ['COMMUNICATIONS-INTERRUPTED', 'RECOVER-DONE'],
      target: 'NORMAL',
      reenter: true,
      rules: ['FO-9.8.4-d', 'FO-9.2-d', 'FO-9.9.3-b'],
    },
    {
      partnerStates: ['PARTNER-DOWN', ...conflictStates],
      target: 'POTENTIAL-CONFLICT',
      rules: ['FO-9.8.4-d', 'FO-9.2-d', 'FO-9.9.3-b'],
    },
    {
      partnerStates: ['RECOVER'],
      target: 'COMMUNICATIONS-INTERRUPTED',
      rules: ['FO-9.8.4-d', 'FO-9.2-d', 'FO-9.9.3-b'],
    },
    {
      partnerStates: ['RECOVER-WAIT'],
      target: 'COMMUNICATIONS-INTERRUPTED',
      rules: ['FO-9.8.4-d', 'FO-9.2-d', 'E-19'],
    },
    { partnerStates: ['PAUSED'], target: 'COMMUNICATIONS-INTERRUPTED', rules: ['FO-9.8.4-d'] },
    { partnerStates: ['SHUTDOWN'], target: 'PARTNER-DOWN', rules: ['FO-9.8.4-d'] },
  ],
  'COMMUNICATIONS-INTERRUPTED': [
    {
      partnerStates: ['NORMAL', 'COMMUNICATIONS-INTERRUPTED', 'RECOVER-DONE'],
      target: 'NORMAL',
      rules: ['FO-9.9.3-b'],
    },
    {
      partnerStates: ['PARTNER-DOWN', ...conflictStates],
      target: 'POTENTIAL-CONFLICT',
      rules: ['FO-9.9.3-b'],
    },
    { partnerStates: ['RECOVER', 'PAUSED'], rules: ['FO-9.9.3-b'] },
    { partnerStates: ['RECOVER-WAIT'], rules: ['E-19'] },
    { partnerStates: ['SHUTDOWN'], target: 'PARTNER-DOWN', rules: ['FO-9.9.3-b'] },
  ],
  'PARTNER-DOWN': [
    { partnerStates: partnerStateNames, startup: true, rules: ['FO-9.4.3-a'] },
    {
      partnerStates: ['NORMAL', 'COMMUNICATIONS-INTERRUPTED', 'PARTNER-DOWN', ...conflictStates],
      target: 'POTENTIAL-CONFLICT',
      rules: ['FO-9.4.3-b'],
    },
    { partnerStates: ['RECOVER', 'RECOVER-WAIT', 'PAUSED', 'SHUTDOWN'], rules: ['FO-9.4.3-b'] },
    { partnerStates: ['RECOVER-DONE'], target: 'NORMAL', rules: ['FO-9.4.3-b'] },
  ],
  RECOVER: [
    { partnerStates: conflictStates, target: 'POTENTIAL-CONFLICT', rules: ['FO-9.5.2-a'] },
    {
      partnerStates: otherPartnerStates(conflictStates),
      effect: 'requestBindings',
      rules: ['FO-9.5.2-b'],
    },
  ],
  'RECOVER-WAIT': [{ partnerStates: partnerStateNames, rules: ['FO-9.6.2-a'] }],
  'RECOVER-DONE': [
    { partnerStates: ['NORMAL', 'RECOVER-DONE'], target: 'NORMAL', rules: ['FO-9.7.2-a'] },
    { partnerStates: otherPartnerStates(['NORMAL', 'RECOVER-DONE']), rules: ['FO-9.7.2-a'] },
  ],
  'POTENTIAL-CONFLICT': [
    {
      partnerStates: ['CONFLICT-DONE'],
      role: 'secondary',
      effect: 'requestConflictUpdates',
      rules: ['FO-9.10.3-c'],
    },
    { partnerStates: partnerStateNames, rules: ['FO-9.10.3-b'] },
  ],
  'RESOLUTION-INTERRUPTED': [
    { partnerStates: partnerStateNames, target: 'POTENTIAL-CONFLICT', rules: ['FO-9.11.3-a'] },
  ],
  'CONFLICT-DONE': [
    { partnerStates: ['NORMAL'], target: 'NORMAL', rules: ['FO-9.12.3-a'] },
    { partnerStates: otherPartnerStates(['NORMAL']), rules: ['FO-9.12.2-a'] },
  ],
  PAUSED: [{ partnerStates: partnerStateNames, rules: ['FO-9.2-f'] }],
  SHUTDOWN: [
    {
      partnerStates: ['PARTNER-DOWN'],
      effect: 'rememberRecoverForRestart',
      rules: ['FO-9.14.2-b'],
    },
    { partnerStates: otherPartnerStates(['PARTNER-DOWN']), rules: ['FO-9.14.3-a'] },
  ],
};

/**
 * Returns the state a restart resumes: none recorded, or a halted state, means RECOVER
 * (FO-9.3.2-a), and a state that needs communications becomes the state its communications
 * failure leads to (FO-9.3.2-c).
 */
export function resumedStateOf(previousState: FailoverStateName): FailoverStateName {
  switch (previousState) {
    case 'NORMAL':
      return 'COMMUNICATIONS-INTERRUPTED';
    case 'POTENTIAL-CONFLICT':
      return 'RESOLUTION-INTERRUPTED';
    case 'STARTUP':
    case 'PAUSED':
    case 'SHUTDOWN':
      return 'RECOVER';
    default:
      return previousState;
  }
}

/** States a restart can resume, each once (the image of `resumedStateOf`). */
export const resumableStates = [
  'COMMUNICATIONS-INTERRUPTED',
  'PARTNER-DOWN',
  'RECOVER',
  'RECOVER-WAIT',
  'RECOVER-DONE',
  'RESOLUTION-INTERRUPTED',
  'CONFLICT-DONE',
] as const satisfies readonly FailoverStateName[];
