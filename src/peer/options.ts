// Option helpers of the peer: the codec's typed accessors under the names used here, the byte
// length of an option that may not decode, and the reject-reason/message pair.

import { OptionCode } from '../wire/codes.js';
import { option } from '../wire/options.js';
import type { FailoverMessage, FailoverOption } from '../wire/types.js';

export { optionValue as findOption, hasOption } from '../wire/message-builder.js';
export { option };

/** Returns the raw length of an option the codec kept undecoded, or of a decoded byte option. */
export function optionByteLength(message: FailoverMessage, code: number): number | undefined {
  const found = message.options.find((candidate) => candidate.code === code);
  if (found === undefined) {
    return undefined;
  }

  if ('raw' in found) {
    return found.raw.length;
  }

  return found.value instanceof Uint8Array ? found.value.length : undefined;
}

/** reject-reason (21) followed by message (16), as a rejection carries them (FO-6.3-d). */
export function rejectOptions(rejectReason: number, text: string): FailoverOption[] {
  return [option(OptionCode.REJECT_REASON, rejectReason), option(OptionCode.MESSAGE, text)];
}
