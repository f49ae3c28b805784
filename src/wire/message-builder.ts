// Small helpers for building messages and reading single options out of them.

import { payloadOffsetFor } from './message.js';
import { isOptionOf } from './options.js';
import type { FailoverMessage, FailoverOption, OptionValueMap, WireProfile } from './types.js';

/**
 * Returns the typed value of the first option with this code, or undefined when the message has
 * none or carries it only as raw bytes (an option 30-41 outside the microsoft profile).
 */
export function optionValue<C extends keyof OptionValueMap>(
  message: Pick<FailoverMessage, 'options'>,
  code: C,
): OptionValueMap[C] | undefined {
  for (const candidate of message.options) {
    if (isOptionOf(candidate, code)) {
      return candidate.value;
    }
  }

  return undefined;
}

/** Returns whether the message carries an option with this code, typed or raw. */
export function hasOption(message: Pick<FailoverMessage, 'options'>, code: number): boolean {
  return message.options.some((candidate) => candidate.code === code);
}

/**
 * Builds a message with no extra header bytes. Its payloadOffset is what encodeMessage writes
 * for the profile (12, or 8 for a Windows partner, E-1), so decoding the encoded message gives
 * back an equal value.
 */
export function buildMessage(
  type: number,
  xid: number,
  time: number,
  options: FailoverOption[],
  profile: WireProfile,
): FailoverMessage {
  return {
    type,
    payloadOffset: payloadOffsetFor(0, profile),
    time,
    xid,
    extraHeader: new Uint8Array(0),
    options,
  };
}
