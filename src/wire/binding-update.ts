// Binding update transactions of a BNDUPD (draft-12 section 7.1): reading them out of a decoded
// message, and building the options of one transaction in the strict form of Table 7.1-1.

import { FailoverError } from '../errors.js';
import { BindingStatus, INFINITE_TIME, OptionCode as O } from './codes.js';
import { bindingRequirementsFor } from './binding-requirements.js';
import { optionName } from './names.js';
import { isOptionOf, option } from './options.js';
import { splitTransactions, type Transaction } from './transactions.js';
import type { BindingUpdate, FailoverMessage, FailoverOption, WireProfile } from './types.js';

/** The transactions of a BNDUPD and the options outside them. */
export interface BindingUpdates {
  /** Options before the first assigned-IP-address (message-digest, vendor options). */
  common: FailoverOption[];
  updates: BindingUpdate[];
  /**
   * Addresses whose transaction has no binding-status. They are not in `updates`; the receiver
   * rejects them with reject-reason 3, missing binding information (FO-7.1.3-a).
   */
  withoutBindingStatus: string[];
}

type UpdateFields = Partial<Omit<BindingUpdate, 'address' | 'otherOptions'>>;

/**
 * Splits a BNDUPD into its transactions at each assigned-IP-address (FO-6.3-b). The first
 * occurrence of each option with a BindingUpdate field fills that field; every other option,
 * repeats included, stays in `otherOptions` in message order.
 */
export function bindingUpdatesOf(message: FailoverMessage): BindingUpdates {
  const { common, transactions } = splitTransactions(message.options);
  const updates: BindingUpdate[] = [];
  const withoutBindingStatus: string[] = [];
  for (const transaction of transactions) {
    const update = updateOf(transaction);
    if (update === undefined) {
      withoutBindingStatus.push(transaction.address);
    } else {
      updates.push(update);
    }
  }

  return { common, updates, withoutBindingStatus };
}

function updateOf(transaction: Transaction): BindingUpdate | undefined {
  const fields: UpdateFields = {};
  const otherOptions: FailoverOption[] = [];
  for (const candidate of transaction.options.slice(1)) {
    if (!assignField(fields, candidate)) {
      otherOptions.push(candidate);
    }
  }

  const { bindingStatus, ...rest } = fields;
  if (bindingStatus === undefined) {
    return undefined;
  }

  return { address: transaction.address, bindingStatus, ...rest, otherOptions };
}

/** Copies an option into its field unless the field is set already; returns whether it did. */
function assignField(fields: UpdateFields, candidate: FailoverOption): boolean {
  if (isOptionOf(candidate, O.BINDING_STATUS))
    return setOnce(fields, 'bindingStatus', candidate.value);
  if (isOptionOf(candidate, O.IP_FLAGS)) return setOnce(fields, 'ipFlags', candidate.value);
  if (isOptionOf(candidate, O.CLIENT_IDENTIFIER))
    return setOnce(fields, 'clientIdentifier', candidate.value);
  if (isOptionOf(candidate, O.CLIENT_HARDWARE_ADDRESS)) {
    return setOnce(fields, 'clientHardwareAddress', candidate.value);
  }

  if (isOptionOf(candidate, O.CLIENT_LAST_TRANSACTION_TIME)) {
    return setOnce(fields, 'clientLastTransactionTime', candidate.value);
  }

  if (isOptionOf(candidate, O.LEASE_EXPIRATION_TIME))
    return setOnce(fields, 'leaseExpirationTime', candidate.value);
  if (isOptionOf(candidate, O.POTENTIAL_EXPIRATION_TIME)) {
    return setOnce(fields, 'potentialExpirationTime', candidate.value);
  }

  if (isOptionOf(candidate, O.START_TIME_OF_STATE))
    return setOnce(fields, 'startTimeOfState', candidate.value);
  return false;
}

function setOnce<K extends keyof UpdateFields>(
  fields: UpdateFields,
  key: K,
  value: UpdateFields[K],
): boolean {
  if (fields[key] !== undefined) {
    return false;
  }

  fields[key] = value;
  return true;
}

/** Codes that BindingUpdate fields carry; `otherOptions` must not repeat them (FO-6.2-c). */
const FIELD_CODES = new Set<number>([
  O.ASSIGNED_IP_ADDRESS,
  O.BINDING_STATUS,
  O.IP_FLAGS,
  O.CLIENT_IDENTIFIER,
  O.CLIENT_HARDWARE_ADDRESS,
  O.CLIENT_LAST_TRANSACTION_TIME,
  O.LEASE_EXPIRATION_TIME,
  O.POTENTIAL_EXPIRATION_TIME,
  O.START_TIME_OF_STATE,
]);

/**
 * Builds the options of one transaction in the strict form: assigned-IP-address first, then the
 * fields in the order ISC dhcpd sends them (ISC-10), then `otherOptions`. Options that the table
 * for the binding-status forbids or discourages are left out, so a FREE update never carries
 * lease times (Table 7.1-1, or MSF-3.1.5.2-b with a Windows partner). IP-flags is sent when a flag
 * is set (FO-7.1.1-e), and always to a Windows partner.
 *
 * Raises FailoverError FO_ERR_BINDING_UPDATE when a mandatory option is missing, when an ACTIVE
 * potential-expiration-time is not later than lease-expiration-time (FO-7.1.1-f), or when
 * `otherOptions` holds an assigned-IP-address, which would start another transaction.
 */
export function encodeBindingUpdate(update: BindingUpdate, profile: WireProfile): FailoverOption[] {
  const ipFlags = profile === 'microsoft' ? (update.ipFlags ?? 0) : update.ipFlags || undefined;
  const shape = {
    bindingStatus: update.bindingStatus,
    ipFlags,
    hasClientHardwareAddress: update.clientHardwareAddress !== undefined,
  };
  const requirements = bindingRequirementsFor(shape, profile);
  if (requirements === undefined && profile === 'isc') {
    throw updateError(
      update,
      `binding-status ${update.bindingStatus} is not a draft-12 value (FO-7.1.1-c)`,
    );
  }

  const excluded = new Set([...(requirements?.mustNot ?? []), ...(requirements?.shouldNot ?? [])]);
  const options = fieldOptions(update, ipFlags).concat(otherOptionsOf(update));
  const sent = options.filter((candidate) => !excluded.has(candidate.code));
  for (const code of requirements?.must ?? []) {
    if (!sent.some((candidate) => candidate.code === code)) {
      throw updateError(
        update,
        `lacks ${optionName(code)}, which ${requirements?.column} requires (${requirements?.rule})`,
      );
    }
  }

  checkActiveTimes(update, profile);
  return sent;
}

function fieldOptions(update: BindingUpdate, ipFlags: number | undefined): FailoverOption[] {
  const fields: (FailoverOption | undefined)[] = [
    option(O.ASSIGNED_IP_ADDRESS, update.address),
    option(O.BINDING_STATUS, update.bindingStatus),
    ipFlags === undefined ? undefined : option(O.IP_FLAGS, ipFlags),
    update.clientIdentifier && option(O.CLIENT_IDENTIFIER, update.clientIdentifier),
    update.clientHardwareAddress && option(O.CLIENT_HARDWARE_ADDRESS, update.clientHardwareAddress),
    optionalTime(O.LEASE_EXPIRATION_TIME, update.leaseExpirationTime),
    optionalTime(O.POTENTIAL_EXPIRATION_TIME, update.potentialExpirationTime),
    optionalTime(O.START_TIME_OF_STATE, update.startTimeOfState),
    optionalTime(O.CLIENT_LAST_TRANSACTION_TIME, update.clientLastTransactionTime),
  ];
  return fields.filter((field) => field !== undefined);
}

type TimeCode = 6 | 13 | 18 | 25;

function optionalTime(code: TimeCode, value: number | undefined): FailoverOption | undefined {
  return value === undefined ? undefined : option(code, value);
}

function otherOptionsOf(update: BindingUpdate): FailoverOption[] {
  if (update.otherOptions.some((candidate) => candidate.code === O.ASSIGNED_IP_ADDRESS)) {
    throw updateError(
      update,
      'has an assigned-IP-address in otherOptions, which would start a new transaction',
    );
  }

  return update.otherOptions.filter((candidate) => !FIELD_CODES.has(candidate.code));
}

/**
 * FO-7.1.1-f: an ACTIVE update's potential-expiration-time lies after its lease-expiration-time.
 * No time lies after the infinite time 0xffffffff, so an infinite lease goes with an equal PET.
 */
function checkActiveTimes(update: BindingUpdate, profile: WireProfile): void {
  if (profile !== 'isc' || update.bindingStatus !== BindingStatus.ACTIVE) {
    return;
  }

  const { leaseExpirationTime, potentialExpirationTime } = update;
  if (leaseExpirationTime !== undefined && potentialExpirationTime !== undefined) {
    const tooEarly =
      leaseExpirationTime === INFINITE_TIME
        ? potentialExpirationTime !== INFINITE_TIME
        : potentialExpirationTime <= leaseExpirationTime;
    if (tooEarly) {
      const times = `potential-expiration-time ${potentialExpirationTime}, lease-expiration-time ${leaseExpirationTime}`;
      throw updateError(
        update,
        `has ${times}, expected a later potential-expiration-time (FO-7.1.1-f)`,
      );
    }
  }
}

function updateError(update: BindingUpdate, problem: string): FailoverError {
  return new FailoverError(
    'FO_ERR_BINDING_UPDATE',
    `binding update for ${update.address} ${problem}`,
  );
}
