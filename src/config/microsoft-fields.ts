// Config fields of the shared secret, the safe period and the microsoft profile: reading and
// checking them. Errors about the secret name the field or file, never the secret itself.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WireProfile } from '../wire/types.js';
import { SharedSecret } from './shared-secret.js';
import type { AddressRange } from './types.js';
import {
  CONFIG_ERROR_CODES,
  invalidField,
  ipv4ToNumber,
  readInteger,
  readIPv4,
  type ConfigObject,
} from './fields.js';
import { ConfigError } from '../errors.js';

/** Config fields this module reads, for the list of allowed top-level fields. */
export const MICROSOFT_CONFIG_FIELDS = [
  'sharedSecret',
  'sharedSecretFile',
  'stateSwitchoverSeconds',
  'addressRebalancingSeconds',
  'reservePercent',
] as const;

export const MICROSOFT_DEFAULTS = {
  /** Windows' default Address Rebalancing interval, 5 minutes (MSF-3.2.2.1-a). */
  addressRebalancingSeconds: 300,
  /** Share of the free addresses lent to the secondary; Windows' hot-standby default reserve. */
  reservePercent: 5,
  /** Windows' Connect Retry timer, 1 minute (MSF-3.1.2.2-a). */
  connectRetrySeconds: 60,
  /** Windows serves in COMMUNICATIONS-INTERRUPTED after STARTUP on a first start (MSF-3.1.6.3-b). */
  startupExpiry: 'serve-without-history',
} as const;

/**
 * Maximum timer, in seconds, that Node runs as requested: setTimeout with more than 2^31 - 1 ms
 * fires at once, with a warning.
 */
const MAX_TIMER_SECONDS = 2_147_483;
const MAX_SECRET_LENGTH = 4096;

/** The fields of this module, checked, with the microsoft-only ones filled in for that profile. */
export interface MicrosoftConfigFields {
  sharedSecret?: SharedSecret;
  stateSwitchoverSeconds?: number;
  addressRebalancingSeconds?: number;
  reservePercent?: number;
}

/**
 * Reads the shared secret, the safe period and the microsoft-only fields. A relative
 * sharedSecretFile is taken from `baseDirectory`.
 */
export function readMicrosoftFields(
  object: ConfigObject,
  profile: WireProfile,
  baseDirectory: string | undefined,
): MicrosoftConfigFields {
  const fields: MicrosoftConfigFields = {};
  const sharedSecret = readSharedSecret(object, profile, baseDirectory);
  if (sharedSecret !== undefined) {
    fields.sharedSecret = sharedSecret;
  }

  const safePeriod = object['stateSwitchoverSeconds'];
  if (safePeriod !== undefined) {
    fields.stateSwitchoverSeconds = readInteger(
      safePeriod,
      'stateSwitchoverSeconds',
      1,
      MAX_TIMER_SECONDS,
    );
  }

  if (profile !== 'microsoft') {
    rejectMicrosoftOnly(object, ['addressRebalancingSeconds', 'reservePercent']);
    return fields;
  }

  return { ...fields, ...readRebalancing(object) };
}

function readRebalancing(
  object: ConfigObject,
): Required<Pick<MicrosoftConfigFields, 'addressRebalancingSeconds' | 'reservePercent'>> {
  return {
    addressRebalancingSeconds: readInteger(
      object['addressRebalancingSeconds'],
      'addressRebalancingSeconds',
      1,
      86_400,
      MICROSOFT_DEFAULTS.addressRebalancingSeconds,
    ),
    reservePercent: readInteger(
      object['reservePercent'],
      'reservePercent',
      0,
      100,
      MICROSOFT_DEFAULTS.reservePercent,
    ),
  };
}

function rejectMicrosoftOnly(object: ConfigObject, names: readonly string[]): void {
  for (const name of names) {
    if (object[name] !== undefined) {
      throw new ConfigError(
        CONFIG_ERROR_CODES.invalid,
        name,
        `config field ${name} is set, but it applies only with profile "microsoft"`,
      );
    }
  }
}

/**
 * Reads sharedSecret or sharedSecretFile. The digest is implemented for the microsoft profile only
 * (HMAC-SHA256, MSF-2.2-e): no draft partner in use sends the HMAC-MD5 digest of FO-11.1-d.
 */
function readSharedSecret(
  object: ConfigObject,
  profile: WireProfile,
  baseDirectory: string | undefined,
): SharedSecret | undefined {
  const text = object['sharedSecret'];
  const file = object['sharedSecretFile'];
  if (text === undefined && file === undefined) {
    return undefined;
  }

  const field = text === undefined ? 'sharedSecretFile' : 'sharedSecret';
  if (text !== undefined && file !== undefined) {
    throw secretError(
      field,
      'config fields sharedSecret and sharedSecretFile are both set, expected one',
    );
  }

  if (profile !== 'microsoft') {
    throw secretError(
      field,
      `config field ${field} is set, but digests are implemented only with profile "microsoft"`,
    );
  }

  const secret = text === undefined ? readSecretFile(file, baseDirectory) : text;
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw secretError(
      field,
      `config field ${field} is not a non-empty string of at most ${MAX_SECRET_LENGTH} characters`,
    );
  }

  return new SharedSecret(secret);
}

/** Reads the secret file; one trailing line break is dropped, as editors add one. */
function readSecretFile(file: unknown, baseDirectory: string | undefined): string {
  if (typeof file !== 'string' || file.length === 0) {
    throw invalidField('sharedSecretFile', file, 'a path to the file that contains the secret');
  }

  const path = resolve(baseDirectory ?? process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'read failed';
    throw new ConfigError(
      CONFIG_ERROR_CODES.unreadable,
      'sharedSecretFile',
      `shared secret file ${path} cannot be read: ${reason}`,
    );
  }

  return text.replace(/\r?\n$/, '');
}

function secretError(field: string, message: string): ConfigError {
  return new ConfigError(CONFIG_ERROR_CODES.invalid, field, message);
}

/**
 * Reads a pool's subnetMask: a dotted-quad mask of contiguous one bits whose subnet contains
 * the whole range. Its subnet address is the Windows scope ID (MSF-2.2.1-c), and the mask travels in
 * option 33 of every BNDUPD (MSF-3.1.5.2-b).
 */
export function readSubnetMask(value: unknown, field: string, pool: AddressRange): string {
  const mask = readIPv4(value, field);
  const bits = ipv4ToNumber(mask);
  const hostBits = ~bits >>> 0;
  if ((hostBits & (hostBits + 1)) !== 0) {
    throw invalidField(field, mask, 'a subnet mask of contiguous one bits, such as 255.255.255.0');
  }

  if (((ipv4ToNumber(pool.start) ^ ipv4ToNumber(pool.end)) & bits) !== 0) {
    throw invalidField(field, mask, `a mask whose subnet contains ${pool.start} to ${pool.end}`);
  }

  return mask;
}

/** Checks that every pool has a subnetMask, which the microsoft profile needs for option 33. */
export function requireSubnetMasks(pools: readonly AddressRange[], profile: WireProfile): void {
  if (profile !== 'microsoft') {
    return;
  }

  pools.forEach((pool, index) => {
    if (pool.subnetMask === undefined) {
      throw new ConfigError(
        CONFIG_ERROR_CODES.missing,
        `pools[${index}].subnetMask`,
        `config field pools[${index}].subnetMask is missing, expected the scope's subnet mask with profile "microsoft"`,
      );
    }
  });
}
