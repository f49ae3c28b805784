// Text and JSON forms of decoded messages, for the decode command and debug logs.

import { BindingStatus, OptionCode as O, RejectReason, ServerState } from './codes.js';
import { messageTypeName, optionName } from './names.js';
import type { FailoverMessage, FailoverOption, HardwareAddress, WireProfile } from './types.js';

const TIME_CODES = new Set<number>([
  O.CLIENT_LAST_TRANSACTION_TIME,
  O.LEASE_EXPIRATION_TIME,
  O.POTENTIAL_EXPIRATION_TIME,
  O.START_TIME_OF_STATE,
]);

function invert(table: Readonly<Record<string, number>>): Map<number, string> {
  return new Map(Object.entries(table).map(([name, value]) => [value, name]));
}

const BINDING_STATUS_NAMES = invert(BindingStatus);
const SERVER_STATE_NAMES = invert(ServerState);
const REJECT_REASON_NAMES = invert(RejectReason);

/** Formats bytes as lower-case hex with no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Formats a uint32 time as `seconds(ISO time)`; 0, which dhcpd uses for "none", stays bare. */
function formatTime(seconds: number): string {
  return seconds === 0
    ? '0'
    : `${seconds}(${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')})`;
}

function formatHardwareAddress(value: HardwareAddress): string {
  const chaddr = Array.from(value.chaddr, (byte) => byte.toString(16).padStart(2, '0')).join(':');
  const address = `${value.htype}/${chaddr}`;
  if (value.scopeId === undefined) {
    return address;
  }

  const scope = value.scopeId;
  return `scope:${scope >>> 24}.${(scope >>> 16) & 0xff}.${(scope >>> 8) & 0xff}.${scope & 0xff}/${address}`;
}

function withName(value: number, names: Map<number, string>): string {
  const name = names.get(value);
  return name === undefined ? String(value) : `${name}(${value})`;
}

/** Formats one option's value for a `name=value` listing. */
export function formatOptionValue(option: FailoverOption, profile: WireProfile): string {
  if ('raw' in option) {
    return toHex(option.raw);
  }

  switch (option.code) {
    case O.BINDING_STATUS:
      // With a Windows partner the byte is a bit-field or an enum, not the draft value (MSF-3.1.4.2-e).
      return profile === 'isc'
        ? withName(option.value, BINDING_STATUS_NAMES)
        : `0x${option.value.toString(16)}`;
    case O.SERVER_STATE:
      return withName(option.value, SERVER_STATE_NAMES);
    case O.REJECT_REASON:
      return withName(option.value, REJECT_REASON_NAMES);
    case O.CLIENT_HARDWARE_ADDRESS:
      return formatHardwareAddress(option.value);
    case O.DDNS:
      return `flags:0x${option.value.flags.toString(16)}/${toHex(option.value.fqdn)}`;
    case O.MESSAGE_DIGEST:
      return `type:${option.value.digestType}/${toHex(option.value.digest)}`;
    case O.VENDOR_SPECIFIC_OPTIONS:
      return option.value.map((entry) => `${entry.code}:${toHex(entry.data)}`).join(',');
    case O.MS_SCOPE_ID_LIST:
      return option.value.join(',');
    case O.ASSIGNED_IP_ADDRESS:
    case O.MS_CLIENT_SUBNET_MASK:
    case O.MS_SERVER_IP:
      return option.value;
    default:
      return formatScalar(option.code, option.value);
  }
}

function formatScalar(code: number, value: number | string | Uint8Array): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }

  if (value instanceof Uint8Array) {
    return toHex(value);
  }

  return TIME_CODES.has(code) ? formatTime(value) : String(value);
}

/** Formats a message as one line: type, xid, header time and every option as `name=value`. */
export function formatMessage(message: FailoverMessage, profile: WireProfile): string {
  const header = [
    messageTypeName(message.type),
    `xid=${message.xid}`,
    `time=${formatTime(message.time)}`,
  ];
  if (message.extraHeader.length > 0) {
    header.push(`extra-header=${toHex(message.extraHeader)}`);
  }

  const options = message.options.map(
    (option) => `${optionName(option.code)}=${formatOptionValue(option, profile)}`,
  );
  return [...header, ...options].join(' ');
}

/** Copies a value into JSON-ready form: each Uint8Array becomes a hex string. */
export function toJSONValue(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return toHex(value);
  }

  if (Array.isArray(value)) {
    return value.map(toJSONValue);
  }

  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, toJSONValue(entry)]),
    );
  }

  return value;
}

/** Returns a JSON-ready form of a message, with the type and option names added. */
export function messageToJSON(message: FailoverMessage): unknown {
  return toJSONValue({
    typeName: messageTypeName(message.type),
    ...message,
    options: message.options.map((option) => ({ name: optionName(option.code), ...option })),
  });
}
