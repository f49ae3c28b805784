// The load-balancing fields of a relationship config: the hash-bucket-assignment, given as ISC's
// `split` or in full as its `hba`, and the secs bypass of ISC's `load balance max seconds` (ISC-6).

import type { RelationshipConfig } from './types.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import {
  hashBucketAssignmentForSplit,
  HASH_BUCKET_ASSIGNMENT_LENGTH,
} from '../peer/hash-buckets.js';
import {
  invalidField,
  readBoolean,
  readHexBytes,
  readInteger,
  type ConfigObject,
} from './fields.js';

export const LOAD_BALANCE_CONFIG_FIELDS = [
  'split',
  'hba',
  'loadBalanceMaxSecs',
  'secsByteorderHeuristic',
] as const;

/** Largest value of the 16-bit BOOTP secs field (RFC 2131 section 2). */
const MAX_SECS = 0xffff;

type LoadBalanceFields = Pick<
  RelationshipConfig,
  'split' | 'hba' | 'loadBalanceMaxSecs' | 'secsByteorderHeuristic'
>;

/** Checks the load-balancing fields; `split` and `hba` exclude each other, as in ISC dhcpd. */
export function readLoadBalanceFields(object: ConfigObject): LoadBalanceFields {
  if (object['split'] !== undefined && object['hba'] !== undefined) {
    throw invalidField(
      'hba',
      object['hba'],
      'no hba when split is given, because both set the map',
    );
  }

  const fields: LoadBalanceFields = {
    // ISC's split is one byte: 256 does not exist there, a primary-only map needs `hba`.
    split: readInteger(object['split'], 'split', 0, 255, CONFIG_DEFAULTS.split),
  };
  if (object['secsByteorderHeuristic'] !== undefined) {
    fields.secsByteorderHeuristic = readBoolean(
      object['secsByteorderHeuristic'],
      'secsByteorderHeuristic',
      false,
    );
  }
  if (object['hba'] !== undefined) {
    fields.hba = readHexBytes(
      object['hba'],
      'hba',
      HASH_BUCKET_ASSIGNMENT_LENGTH,
      HASH_BUCKET_ASSIGNMENT_LENGTH,
    );
  }

  if (object['loadBalanceMaxSecs'] !== undefined) {
    fields.loadBalanceMaxSecs = readInteger(
      object['loadBalanceMaxSecs'],
      'loadBalanceMaxSecs',
      0,
      MAX_SECS,
    );
  }

  return fields;
}

/**
 * Returns the hash-bucket-assignment a primary sends in CONNECT and serves by in NORMAL: `hba`
 * when configured, else the map of `split` (FO-7.8.1-e, ISC-6).
 */
export function configuredHashBucketAssignment(
  config: Pick<RelationshipConfig, 'split' | 'hba'>,
): Uint8Array {
  return config.hba ?? hashBucketAssignmentForSplit(config.split);
}
