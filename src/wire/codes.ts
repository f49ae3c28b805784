// Code tables of the failover wire protocol: draft-ietf-dhc-failover-12 sections 6.1 and 12,
// with the option codes 30-41 that [MS-DHCPF] adds for Windows partners.

/** Message type codes (draft-12 section 6.1). 7 is UPDREQALL and 9 is UPDREQ, as ISC and Microsoft use them. */
export const MessageType = {
  POOLREQ: 1,
  POOLRESP: 2,
  BNDUPD: 3,
  BNDACK: 4,
  CONNECT: 5,
  CONNECTACK: 6,
  UPDREQALL: 7,
  UPDDONE: 8,
  UPDREQ: 9,
  STATE: 10,
  CONTACT: 11,
  DISCONNECT: 12,
} as const;
export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

/** Option codes (draft-12 section 12; 30-41 from [MS-DHCPF] section 2.2). */
export const OptionCode = {
  ADDRESSES_TRANSFERRED: 1,
  ASSIGNED_IP_ADDRESS: 2,
  BINDING_STATUS: 3,
  CLIENT_IDENTIFIER: 4,
  CLIENT_HARDWARE_ADDRESS: 5,
  CLIENT_LAST_TRANSACTION_TIME: 6,
  CLIENT_REPLY_OPTIONS: 7,
  CLIENT_REQUEST_OPTIONS: 8,
  DDNS: 9,
  DELAYED_SERVICE_PARAMETER: 10,
  HASH_BUCKET_ASSIGNMENT: 11,
  IP_FLAGS: 12,
  LEASE_EXPIRATION_TIME: 13,
  MAX_UNACKED_BNDUPD: 14,
  MCLT: 15,
  MESSAGE: 16,
  MESSAGE_DIGEST: 17,
  POTENTIAL_EXPIRATION_TIME: 18,
  RECEIVE_TIMER: 19,
  PROTOCOL_VERSION: 20,
  REJECT_REASON: 21,
  RELATIONSHIP_NAME: 22,
  SERVER_FLAGS: 23,
  SERVER_STATE: 24,
  START_TIME_OF_STATE: 25,
  TLS_REPLY: 26,
  TLS_REQUEST: 27,
  VENDOR_CLASS_IDENTIFIER: 28,
  VENDOR_SPECIFIC_OPTIONS: 29,
  MS_SCOPE_ID_LIST: 30,
  MS_CLIENT_NAME: 31,
  MS_CLIENT_DESCRIPTION: 32,
  MS_CLIENT_SUBNET_MASK: 33,
  MS_SERVER_IP: 34,
  MS_SERVER_NAME: 35,
  MS_CLIENT_TYPE: 36,
  MS_CLIENT_NAP_STATUS: 37,
  MS_CLIENT_NAP_PROBATION: 38,
  MS_CLIENT_NAP_CAPABLE: 39,
  MS_CLIENT_MATCHED_POLICY: 40,
  MS_EXTENDED_ADDRESS_STATE: 41,
} as const;
export type OptionCodeName = keyof typeof OptionCode;
export type KnownOptionCode = (typeof OptionCode)[OptionCodeName];

/** binding-status values (draft-12 section 12.3). */
export const BindingStatus = {
  FREE: 1,
  ACTIVE: 2,
  EXPIRED: 3,
  RELEASED: 4,
  ABANDONED: 5,
  RESET: 6,
  BACKUP: 7,
} as const;
export type BindingStatusName = keyof typeof BindingStatus;
export type BindingStatusCode = (typeof BindingStatus)[BindingStatusName];

/**
 * server-state values (draft-12 section 12.24). RECOVER-WAIT has no draft value, so it travels as
 * 254 as ISC dhcpd sends it (E-5, ISC-7). STARTUP is never sent: the S bit of server-flags is.
 */
export const ServerState = {
  STARTUP: 1,
  NORMAL: 2,
  'COMMUNICATIONS-INTERRUPTED': 3,
  'PARTNER-DOWN': 4,
  'POTENTIAL-CONFLICT': 5,
  RECOVER: 6,
  PAUSED: 7,
  SHUTDOWN: 8,
  'RECOVER-DONE': 9,
  'RESOLUTION-INTERRUPTED': 10,
  'CONFLICT-DONE': 11,
  'RECOVER-WAIT': 254,
} as const;
export type FailoverStateName = keyof typeof ServerState;

/** reject-reason values (draft-12 section 12.21). */
export const RejectReason = {
  ILLEGAL_IP_ADDRESS: 1,
  FATAL_CONFLICT: 2,
  MISSING_BINDING_INFORMATION: 3,
  TIME_MISMATCH_TOO_GREAT: 4,
  INVALID_MCLT: 5,
  UNKNOWN_REASON_CONNECT: 6,
  DUPLICATE_CONNECTION: 7,
  INVALID_FAILOVER_PARTNER: 8,
  TLS_NOT_SUPPORTED: 9,
  TLS_NOT_CONFIGURED: 10,
  TLS_REQUIRED: 11,
  MESSAGE_DIGEST_NOT_SUPPORTED: 12,
  MESSAGE_DIGEST_NOT_CONFIGURED: 13,
  PROTOCOL_VERSION_MISMATCH: 14,
  OUTDATED_BINDING_INFORMATION: 15,
  LESS_CRITICAL_BINDING_INFORMATION: 16,
  NO_TRAFFIC: 17,
  HASH_BUCKET_ASSIGNMENT_CONFLICT: 18,
  IP_NOT_RESERVED: 19,
  MESSAGE_DIGEST_FAILED: 20,
  MISSING_MESSAGE_DIGEST: 21,
  UNKNOWN: 254,
} as const;
export type RejectReasonName = keyof typeof RejectReason;

/** server-flags bit 0: the sender is in STARTUP (draft-12 section 12.23). */
export const SERVER_FLAG_STARTUP = 0x01;

/** IP-flags bits (draft-12 section 12.12). */
export const IP_FLAG_RESERVED = 0x0001;
export const IP_FLAG_BOOTP = 0x0002;

/** The time value that means "never", as a BOOTP lease's lease-expiration-time carries it. */
export const INFINITE_TIME = 0xffff_ffff;

export const FIXED_HEADER_LENGTH = 12;
export const MIN_MESSAGE_LENGTH = 12;
export const MAX_MESSAGE_LENGTH = 2048;
export const PROTOCOL_VERSION = 1;
