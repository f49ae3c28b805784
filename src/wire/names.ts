// Spec names of message types and options, for error messages, logs and the decode command.

import { MessageType, OptionCode } from './codes.js';

const MESSAGE_TYPE_NAMES = new Map<number, string>(
  Object.entries(MessageType).map(([name, code]) => [code, name]),
);

/** Option names as draft-12 section 12 and [MS-DHCPF] section 2.2 spell them. */
const OPTION_NAMES: Readonly<Record<number, string>> = {
  [OptionCode.ADDRESSES_TRANSFERRED]: 'addresses-transferred',
  [OptionCode.ASSIGNED_IP_ADDRESS]: 'assigned-IP-address',
  [OptionCode.BINDING_STATUS]: 'binding-status',
  [OptionCode.CLIENT_IDENTIFIER]: 'client-identifier',
  [OptionCode.CLIENT_HARDWARE_ADDRESS]: 'client-hardware-address',
  [OptionCode.CLIENT_LAST_TRANSACTION_TIME]: 'client-last-transaction-time',
  [OptionCode.CLIENT_REPLY_OPTIONS]: 'client-reply-options',
  [OptionCode.CLIENT_REQUEST_OPTIONS]: 'client-request-options',
  [OptionCode.DDNS]: 'DDNS',
  [OptionCode.DELAYED_SERVICE_PARAMETER]: 'delayed-service-parameter',
  [OptionCode.HASH_BUCKET_ASSIGNMENT]: 'hash-bucket-assignment',
  [OptionCode.IP_FLAGS]: 'IP-flags',
  [OptionCode.LEASE_EXPIRATION_TIME]: 'lease-expiration-time',
  [OptionCode.MAX_UNACKED_BNDUPD]: 'max-unacked-bndupd',
  [OptionCode.MCLT]: 'MCLT',
  [OptionCode.MESSAGE]: 'message',
  [OptionCode.MESSAGE_DIGEST]: 'message-digest',
  [OptionCode.POTENTIAL_EXPIRATION_TIME]: 'potential-expiration-time',
  [OptionCode.RECEIVE_TIMER]: 'receive-timer',
  [OptionCode.PROTOCOL_VERSION]: 'protocol-version',
  [OptionCode.REJECT_REASON]: 'reject-reason',
  [OptionCode.RELATIONSHIP_NAME]: 'relationship-name',
  [OptionCode.SERVER_FLAGS]: 'server-flags',
  [OptionCode.SERVER_STATE]: 'server-state',
  [OptionCode.START_TIME_OF_STATE]: 'start-time-of-state',
  [OptionCode.TLS_REPLY]: 'TLS-reply',
  [OptionCode.TLS_REQUEST]: 'TLS-request',
  [OptionCode.VENDOR_CLASS_IDENTIFIER]: 'vendor-class-identifier',
  [OptionCode.VENDOR_SPECIFIC_OPTIONS]: 'vendor-specific-options',
  [OptionCode.MS_SCOPE_ID_LIST]: 'ms-scope-id-list',
  [OptionCode.MS_CLIENT_NAME]: 'ms-client-name',
  [OptionCode.MS_CLIENT_DESCRIPTION]: 'ms-client-description',
  [OptionCode.MS_CLIENT_SUBNET_MASK]: 'ms-client-subnet-mask',
  [OptionCode.MS_SERVER_IP]: 'ms-server-ip',
  [OptionCode.MS_SERVER_NAME]: 'ms-server-name',
  [OptionCode.MS_CLIENT_TYPE]: 'ms-client-type',
  [OptionCode.MS_CLIENT_NAP_STATUS]: 'ms-client-nap-status',
  [OptionCode.MS_CLIENT_NAP_PROBATION]: 'ms-client-nap-probation',
  [OptionCode.MS_CLIENT_NAP_CAPABLE]: 'ms-client-nap-capable',
  [OptionCode.MS_CLIENT_MATCHED_POLICY]: 'ms-client-matched-policy',
  [OptionCode.MS_EXTENDED_ADDRESS_STATE]: 'ms-extended-address-state',
};

/** Returns the mnemonic of a message type (`BNDUPD`), or `message type N` for an unknown one. */
export function messageTypeName(type: number): string {
  return MESSAGE_TYPE_NAMES.get(type) ?? `message type ${type}`;
}

/** Returns the spec name of an option code (`binding-status`), or `option N` for an unknown one. */
export function optionName(code: number): string {
  return OPTION_NAMES[code] ?? `option ${code}`;
}

/** Returns whether a message type is one of the twelve that draft-12 section 6.1 defines. */
export function isKnownMessageType(type: number): boolean {
  return MESSAGE_TYPE_NAMES.has(type);
}
