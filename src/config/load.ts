// Reads a relationship config file (JSON) into a RelationshipConfig: fills in defaults, checks
// every value, and rejects fields it does not know so that a misspelt name never passes silently.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { readDHCPConfig } from '../dhcp/config.js';
import type { AddressRange, Endpoint, RelationshipConfig } from './types.js';
import {
  CONFIG_DEFAULTS,
  MAX_RELATIONSHIP_NAME_LENGTH,
  MAX_UPDATES_PER_MESSAGE,
  STARTUP_EXPIRY_POLICIES,
  UINT32_MAX,
} from './defaults.js';
import {
  CONFIG_ERROR_CODES,
  invalidField,
  ipv4ToNumber,
  missingField,
  readChoice,
  readInteger,
  readIPv4,
  readString,
  rejectUnknownFields,
  requireObject,
  type ConfigObject,
} from './fields.js';
import { LOAD_BALANCE_CONFIG_FIELDS, readLoadBalanceFields } from './load-balance-fields.js';
import { readReservations } from './reservation-fields.js';
import {
  MICROSOFT_CONFIG_FIELDS,
  MICROSOFT_DEFAULTS,
  readMicrosoftFields,
  readSubnetMask,
  requireSubnetMasks,
} from './microsoft-fields.js';
import { OPERATOR_CONFIG_FIELDS, readOperatorFields } from './operator-fields.js';

const TOP_LEVEL_FIELDS = [
  'name',
  'role',
  'profile',
  'local',
  'peer',
  'mclt',
  'maxUnackedUpdates',
  'updatesPerMessage',
  'receiveTimer',
  ...LOAD_BALANCE_CONFIG_FIELDS,
  'reservations',
  'maxClockSkew',
  'startupSeconds',
  'startupExpiry',
  'connectRetrySeconds',
  'pools',
  'store',
  'dhcp',
  ...MICROSOFT_CONFIG_FIELDS,
  ...OPERATOR_CONFIG_FIELDS,
] as const;

export interface ParseOptions {
  /** Directory a relative `store` path is resolved against; the current directory by default. */
  baseDirectory?: string;
}

/** Reads and checks the config file at `path`; a relative store path is taken from its folder. */
export function loadRelationshipConfig(path: string): RelationshipConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      CONFIG_ERROR_CODES.unreadable,
      'file',
      `config file ${path} cannot be read: ${reason}`,
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      CONFIG_ERROR_CODES.invalid,
      'file',
      `config file ${path} is not valid JSON: ${reason}`,
    );
  }

  return parseRelationshipConfig(json, { baseDirectory: dirname(resolve(path)) });
}

/** Checks a parsed JSON value and returns the config with every default filled in. */
export function parseRelationshipConfig(
  value: unknown,
  options: ParseOptions = {},
): RelationshipConfig {
  const object = requireObject(value, 'config');
  rejectUnknownFields(object, TOP_LEVEL_FIELDS, '');
  const role = readChoice(object['role'], 'role', ['primary', 'secondary'] as const);
  const local = readEndpoint(object['local'], 'local', 0);
  const peer = readEndpoint(object['peer'], 'peer', 1);
  if (local.address === peer.address && local.port === peer.port) {
    throw invalidField('peer', peer, 'an address or port different from local');
  }

  const profile = readChoice(object['profile'], 'profile', ['isc', 'microsoft'] as const, 'isc');
  const pools = readPools(object['pools']);
  requireSubnetMasks(pools, profile);
  const dhcp = readDHCPConfig(object['dhcp']);
  const reservations = readReservations(object['reservations'], pools);
  return {
    name: readString(object['name'], 'name', MAX_RELATIONSHIP_NAME_LENGTH),
    role,
    profile,
    local,
    peer,
    mclt: readMclt(object['mclt'], role),
    maxUnackedUpdates: readInteger(
      object['maxUnackedUpdates'],
      'maxUnackedUpdates',
      1,
      UINT32_MAX,
      CONFIG_DEFAULTS.maxUnackedUpdates,
    ),
    updatesPerMessage: readInteger(
      object['updatesPerMessage'],
      'updatesPerMessage',
      1,
      MAX_UPDATES_PER_MESSAGE,
      CONFIG_DEFAULTS.updatesPerMessage,
    ),
    receiveTimer: readInteger(
      object['receiveTimer'],
      'receiveTimer',
      1,
      UINT32_MAX,
      CONFIG_DEFAULTS.receiveTimer,
    ),
    ...readLoadBalanceFields(object),
    maxClockSkew: readInteger(
      object['maxClockSkew'],
      'maxClockSkew',
      0,
      UINT32_MAX,
      CONFIG_DEFAULTS.maxClockSkew,
    ),
    startupSeconds: readInteger(
      object['startupSeconds'],
      'startupSeconds',
      0,
      86_400,
      CONFIG_DEFAULTS.startupSeconds,
    ),
    startupExpiry: readChoice(
      object['startupExpiry'],
      'startupExpiry',
      STARTUP_EXPIRY_POLICIES,
      profile === 'microsoft' ? MICROSOFT_DEFAULTS.startupExpiry : CONFIG_DEFAULTS.startupExpiry,
    ),
    connectRetrySeconds: readInteger(
      object['connectRetrySeconds'],
      'connectRetrySeconds',
      1,
      86_400,
      profile === 'microsoft'
        ? MICROSOFT_DEFAULTS.connectRetrySeconds
        : CONFIG_DEFAULTS.connectRetrySeconds,
    ),
    pools,
    store: readStorePath(object['store'], options.baseDirectory),
    ...readMicrosoftFields(object, profile, options.baseDirectory),
    ...readOperatorFields(object, options.baseDirectory),
    ...(dhcp === undefined ? {} : { dhcp }),
    ...(reservations === undefined ? {} : { reservations }),
  };
}

function readEndpoint(value: unknown, field: string, minimumPort: number): Endpoint {
  if (value === undefined) {
    throw missingField(field, 'an object with address and port');
  }

  const object = requireObject(value, field);
  rejectUnknownFields(object, ['address', 'port'], field);
  return {
    address: readIPv4(object['address'], `${field}.address`),
    port: readInteger(object['port'], `${field}.port`, minimumPort, 65_535, CONFIG_DEFAULTS.port),
  };
}

function readMclt(value: unknown, role: RelationshipConfig['role']): number {
  // The primary is the source of the MCLT (FO-5.2.1-d); the secondary adopts the CONNECT's value.
  const fallback = role === 'secondary' ? CONFIG_DEFAULTS.secondaryMclt : undefined;
  return readInteger(value, 'mclt', 1, UINT32_MAX, fallback);
}

function readPools(value: unknown): AddressRange[] {
  if (value === undefined) {
    throw missingField('pools', 'a non-empty array of {start, end} address ranges');
  }

  if (!Array.isArray(value) || value.length === 0) {
    throw invalidField('pools', value, 'a non-empty array of {start, end} address ranges');
  }

  const pools = value.map((entry: unknown, index) => readPool(entry, `pools[${index}]`));
  rejectOverlappingPools(pools);
  return pools;
}

/** Rejects pools that share an address, because its pool, and so its owner, would be ambiguous. */
function rejectOverlappingPools(pools: readonly AddressRange[]): void {
  const ordered = pools
    .map((pool, index) => ({ index, start: ipv4ToNumber(pool.start), end: ipv4ToNumber(pool.end) }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < ordered.length; i++) {
    const previous = ordered[i - 1];
    const current = ordered[i];
    if (previous !== undefined && current !== undefined && current.start <= previous.end) {
      const other = pools[previous.index];
      throw invalidField(
        `pools[${current.index}]`,
        pools[current.index],
        `a range that does not overlap pools[${previous.index}] (${other?.start}-${other?.end})`,
      );
    }
  }
}

function readPool(value: unknown, field: string): AddressRange {
  const object: ConfigObject = requireObject(value, field);
  rejectUnknownFields(object, ['start', 'end', 'subnetMask'], field);
  const start = readIPv4(object['start'], `${field}.start`);
  const end = readIPv4(object['end'], `${field}.end`);
  if (ipv4ToNumber(end) < ipv4ToNumber(start)) {
    throw invalidField(`${field}.end`, end, `an address not below start ${start}`);
  }

  if (object['subnetMask'] === undefined) {
    return { start, end };
  }

  return {
    start,
    end,
    subnetMask: readSubnetMask(object['subnetMask'], `${field}.subnetMask`, { start, end }),
  };
}

function readStorePath(value: unknown, baseDirectory: string | undefined): string {
  const path = readString(value, 'store', 4096);
  if (path === ':memory:') {
    return path;
  }

  return resolve(baseDirectory ?? process.cwd(), path);
}
