// The hash bucket of a DHCP client and which server owns it (draft-12 section 5.3, load balancing
// with the RFC 3074 hash). A hash-bucket-assignment (11) is a 256-bit map over these buckets.

import type { Role } from '../../model/endpoint-types.js';

/** Number of hash buckets, one bit each in a 32-byte hash-bucket-assignment. */
export const HASH_BUCKET_COUNT = 256;

/**
 * The mixing table of the RFC 3074 hash, 16 entries per row, index 0 first. ISC dhcpd uses the
 * same table (ISC-6).
 */
// prettier-ignore
const MIX_TABLE: readonly number[] = [
  251, 175, 119, 215, 81, 14, 79, 191, 103, 49, 181, 143, 186, 157, 0, 232,
  31, 32, 55, 60, 152, 58, 17, 237, 174, 70, 160, 144, 220, 90, 57, 223,
  59, 3, 18, 140, 111, 166, 203, 196, 134, 243, 124, 95, 222, 179, 197, 65,
  180, 48, 36, 15, 107, 46, 233, 130, 165, 30, 123, 161, 209, 23, 97, 16,
  40, 91, 219, 61, 100, 10, 210, 109, 250, 127, 22, 138, 29, 108, 244, 67,
  207, 9, 178, 204, 74, 98, 126, 249, 167, 116, 34, 77, 193, 200, 121, 5,
  20, 113, 71, 35, 128, 13, 182, 94, 25, 226, 227, 199, 75, 27, 41, 245,
  230, 224, 43, 225, 177, 26, 155, 150, 212, 142, 218, 115, 241, 73, 88, 105,
  39, 114, 62, 255, 192, 201, 145, 214, 168, 158, 221, 148, 154, 122, 12, 84,
  82, 163, 44, 139, 228, 236, 205, 242, 217, 11, 187, 146, 159, 64, 86, 239,
  195, 42, 106, 198, 118, 112, 184, 172, 87, 2, 173, 117, 176, 229, 247, 253,
  137, 185, 99, 164, 102, 147, 45, 66, 231, 52, 141, 211, 194, 206, 246, 238,
  56, 110, 78, 248, 63, 240, 189, 93, 92, 51, 53, 183, 19, 171, 72, 50,
  33, 104, 101, 69, 8, 252, 83, 120, 76, 135, 85, 54, 202, 125, 188, 213,
  96, 235, 136, 208, 162, 129, 190, 132, 156, 38, 47, 1, 7, 254, 24, 4,
  216, 131, 89, 21, 28, 133, 37, 153, 149, 80, 170, 68, 6, 169, 234, 151,
];

/** The fields of a DHCP client message that the load-balancing key comes from. */
export interface ClientKeySource {
  /** Data of DHCP option 61, when the client sent one. */
  clientIdentifier?: Uint8Array | undefined;
  /** The chaddr field, `hlen` bytes. */
  chaddr: Uint8Array;
}

/** Returns the key the hash reads: the client-identifier data, else chaddr (FO-9.8.2-a). */
export function loadBalanceKeyOf(client: ClientKeySource): Uint8Array {
  return client.clientIdentifier ?? client.chaddr;
}

/**
 * Returns the hash bucket of a key, 0-255: the RFC 3074 hash, which starts from the key length
 * and mixes the key from its last byte to its first (FO-5.3-a).
 */
export function clientHashBucket(key: Uint8Array): number {
  let hash = key.length & 0xff;
  for (let index = key.length - 1; index >= 0; index--) {
    hash = MIX_TABLE[hash ^ (key[index] ?? 0)] ?? 0;
  }

  return hash;
}

/**
 * Returns whether the bit of `bucket` is set: bit (bucket & 7) of byte (bucket >> 3), bit 0 being
 * the least significant, so byte 0 covers buckets 0-7. Every bit of a shorter map is clear.
 */
export function isBucketSet(hashBucketAssignment: Uint8Array, bucket: number): boolean {
  const byte = hashBucketAssignment[bucket >> 3] ?? 0;
  return (byte & (1 << (bucket & 7))) !== 0;
}

/**
 * Returns the server that owns `bucket` in NORMAL. A set bit means the primary, in the sense ISC
 * dhcpd gives the map and that this peer sends (ISC-6). That is the opposite of draft-12 section
 * 12.11, but ISC dhcpd is the one partner that acts on the map.
 */
export function ownerOfBucket(hashBucketAssignment: Uint8Array, bucket: number): Role {
  return isBucketSet(hashBucketAssignment, bucket) ? 'primary' : 'secondary';
}
