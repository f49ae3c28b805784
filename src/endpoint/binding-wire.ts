// Binding update transactions and BNDACK entries to and from message options, through the wire
// codec, and other options to and from the bytes the store keeps.

import { MessageType, OptionCode, RejectReason } from '../wire/codes.js';
import { bindingAckOptions, bindingAcksOf } from '../wire/binding-ack.js';
import { bindingUpdatesOf, encodeBindingUpdate } from '../wire/binding-update.js';
import { checkMessage } from '../wire/check-message.js';
import { decodeOptions, encodeOption, isOptionOf } from '../wire/options.js';
import type {
  BindingAck,
  BindingUpdate,
  FailoverMessage,
  FailoverOption,
  WireProfile,
} from '../wire/types.js';

export { bindingAckOptions, bindingAcksOf };

/** A transaction of a received BNDUPD: decodable, or rejected before any decision. */
export type ReceivedTransaction =
  | { kind: 'update'; update: BindingUpdate }
  | { kind: 'rejected'; ack: BindingAck & { rejectReason: number }; rule: string };

/**
 * Splits a received BNDUPD into its transactions in message order. A transaction that breaks a
 * rule of the message check (Table 7.1-1, FO-6.2-c) is rejected with the problem's reject-reason.
 * That is missing binding information (3) for a missing option, an unknown binding-status or a PET
 * before the lease end (FO-7.1.3-a), and 254 for the rest.
 * Relaxed ISC content passes (ISC-13). Returns undefined when the message has no transaction.
 */
export function receivedTransactionsOf(
  message: FailoverMessage,
  profile: WireProfile,
): ReceivedTransaction[] | undefined {
  const { updates } = bindingUpdatesOf(message);
  const problems = new Map<string, { rejectReason: number; message: string; rule: string }>();
  for (const problem of checkMessage(message, profile)) {
    if (problem.address !== undefined && !problems.has(problem.address)) {
      problems.set(problem.address, {
        rejectReason: problem.rejectReason ?? RejectReason.UNKNOWN,
        message: problem.message,
        rule: problem.rule,
      });
    }
  }

  const addresses = message.options.flatMap((item) =>
    isOptionOf(item, OptionCode.ASSIGNED_IP_ADDRESS) ? [item.value] : [],
  );
  if (addresses.length === 0) {
    return undefined;
  }

  const pending = [...updates];
  return addresses.map((address): ReceivedTransaction => {
    const problem = problems.get(address);
    const index = pending.findIndex((update) => update.address === address);
    const update = index < 0 ? undefined : pending.splice(index, 1)[0];
    if (problem !== undefined || update === undefined) {
      const rejection = problem ?? {
        rejectReason: RejectReason.MISSING_BINDING_INFORMATION,
        message: `update for ${address} has no binding-status`,
        rule: 'FO-7.1.3-a',
      };
      return {
        kind: 'rejected',
        ack: { address, rejectReason: rejection.rejectReason, message: rejection.message },
        rule: rejection.rule,
      };
    }

    return { kind: 'update', update };
  });
}

/**
 * Options of a BNDUPD carrying `updates`, each transaction in the strict form of Table 7.1-1 in
 * ISC's option order (ISC-10). Raises FailoverError FO_ERR_BINDING_UPDATE for an update that
 * cannot be sent as it is, such as an ACTIVE binding without client-last-transaction-time.
 */
export function bindingUpdateOptions(
  updates: readonly BindingUpdate[],
  profile: WireProfile,
): FailoverOption[] {
  return updates.flatMap((update) => encodeBindingUpdate(update, profile));
}

/** Encodes other options as the TLV bytes StoredBinding.otherOptions keeps; none gives undefined. */
export function encodeStoredOptions(
  options: readonly FailoverOption[],
  profile: WireProfile,
): Uint8Array | undefined {
  if (options.length === 0) {
    return undefined;
  }

  const encoded = options.map((item) => encodeOption(item, profile));
  const bytes = new Uint8Array(encoded.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of encoded) {
    bytes.set(part, offset);
    offset += part.length;
  }

  return bytes;
}

/** Decodes StoredBinding.otherOptions back into options, to send them on (FO-7.1.1-k, -l). */
export function decodeStoredOptions(
  bytes: Uint8Array | undefined,
  profile: WireProfile,
): FailoverOption[] {
  if (bytes === undefined || bytes.length === 0) {
    return [];
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeOptions(view, 0, bytes.length, profile, MessageType.BNDUPD);
}
