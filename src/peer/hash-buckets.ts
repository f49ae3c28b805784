// The hash-bucket-assignment (11) a primary sends in CONNECT (FO-7.8.1-d, FO-7.8.1-e).

/** hash-bucket-assignment is a 256-bit map: 32 bytes. */
export const HASH_BUCKET_ASSIGNMENT_LENGTH = 32;

/**
 * Builds the map for ISC's `split N`: buckets 0..N-1 have their bits set, and in ISC's sense a set
 * bit means the primary serves the bucket (ISC-6, the opposite of draft-12 section 12.11). Bucket b
 * is bit (b & 7) of byte (b >> 3).
 */
export function hashBucketAssignmentForSplit(split: number): Uint8Array {
  const map = new Uint8Array(HASH_BUCKET_ASSIGNMENT_LENGTH);
  for (let bucket = 0; bucket < split; bucket++) {
    map[bucket >> 3]! |= 1 << (bucket & 7);
  }

  return map;
}
