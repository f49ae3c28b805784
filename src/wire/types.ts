// Decoded forms of failover messages and options. The codec in this folder turns bytes into these
// values and back; everything above the codec works only with these types.

/**
 * Which wire dialect a relationship speaks. It decides what the codec cannot tell from the bytes:
 * IP-flags length (2 for draft/ISC, 1 for Windows, E-2), string encoding of relationship-name and
 * vendor-class-identifier (ASCII vs UTF-16LE, OBS-3), the scope-ID prefix of
 * client-hardware-address (OBS-2), whether codes 30-41 are decoded at all (AMB-21), and the
 * payload-offset value sent (12 vs 8, E-1).
 */
export type WireProfile = 'isc' | 'microsoft';

/** client-hardware-address (5): ARP hardware type and chaddr; Windows prefixes a scope ID. */
export interface HardwareAddress {
  htype: number;
  chaddr: Uint8Array;
  /** Little-endian scope ID that a Windows partner puts in front (OBS-2); microsoft profile only. */
  scopeId?: number;
}

/** DDNS (9): flags and the FQDN in DNS wire encoding, kept as bytes. */
export interface DdnsValue {
  flags: number;
  fqdn: Uint8Array;
}

/** message-digest (17): digest type byte and the digest bytes. */
export interface MessageDigestValue {
  digestType: number;
  digest: Uint8Array;
}

/** One vendor-specific-options (29) entry, same 2-byte code / 2-byte length layout. */
export interface VendorOption {
  code: number;
  data: Uint8Array;
}

/** Value type of each known option code. Times are uint32 seconds since 1970 (section 12). */
export interface OptionValueMap {
  1: number; // addresses-transferred
  2: string; // assigned-IP-address, dotted quad
  3: number; // binding-status (draft value, or the raw Microsoft byte in the microsoft profile)
  4: Uint8Array; // client-identifier
  5: HardwareAddress; // client-hardware-address
  6: number; // client-last-transaction-time
  7: Uint8Array; // client-reply-options: magic cookie then DHCP options
  8: Uint8Array; // client-request-options: magic cookie then DHCP options
  9: DdnsValue; // DDNS
  10: number; // delayed-service-parameter
  11: Uint8Array; // hash-bucket-assignment, 32 bytes
  12: number; // IP-flags
  13: number; // lease-expiration-time
  14: number; // max-unacked-bndupd
  15: number; // MCLT, seconds
  16: string; // message
  17: MessageDigestValue; // message-digest
  18: number; // potential-expiration-time
  19: number; // receive-timer, seconds
  20: number; // protocol-version
  21: number; // reject-reason
  22: string; // relationship-name
  23: number; // server-flags
  24: number; // server-state
  25: number; // start-time-of-state
  26: number; // TLS-reply
  27: number; // TLS-request
  28: string; // vendor-class-identifier
  29: VendorOption[]; // vendor-specific-options
  30: string[]; // MS scope ID list, dotted quads
  31: string; // MS client name
  32: string; // MS client description
  33: string; // MS client subnet mask
  34: string; // MS server IP
  35: string; // MS server name
  36: number; // MS client type
  37: number; // MS client NAP status
  38: number; // MS client NAP probation
  39: number; // MS client NAP capable
  40: string; // MS client matched policy
  41: number; // MS extended address state
}

export type KnownOption = {
  [C in keyof OptionValueMap]: { code: C; value: OptionValueMap[C] };
}[keyof OptionValueMap];

/** An option the codec does not decode (unknown code, or 30-41 outside the microsoft profile). */
export interface RawOption {
  code: number;
  raw: Uint8Array;
}

export type FailoverOption = KnownOption | RawOption;

/** A whole failover message (draft-12 section 6.1). */
export interface FailoverMessage {
  type: number;
  /** payload-offset as received; encoders write 12 (isc) or 8 (microsoft) unless extraHeader is set. */
  payloadOffset: number;
  /** Sender's clock, uint32 seconds since 1970. */
  time: number;
  xid: number;
  /** Header bytes between offset 12 and the payload (present only when payload-offset > 12). */
  extraHeader: Uint8Array;
  options: FailoverOption[];
}

/** One binding update transaction of a BNDUPD (draft-12 section 7.1, Table 7.1-1). */
export interface BindingUpdate {
  address: string;
  bindingStatus: number;
  ipFlags?: number;
  clientIdentifier?: Uint8Array;
  clientHardwareAddress?: HardwareAddress;
  clientLastTransactionTime?: number;
  leaseExpirationTime?: number;
  potentialExpirationTime?: number;
  startTimeOfState?: number;
  /** Every other option of the transaction, kept in order so it can be stored and re-sent. */
  otherOptions: FailoverOption[];
}

/** One transaction of a BNDACK: accepted when rejectReason is absent (FO-6.3-d). */
export interface BindingAck {
  address: string;
  rejectReason?: number;
  message?: string;
}
