// Checks for single config values. Each check throws a ConfigError that names the field (dotted
// path), the value found and what is allowed.

import { isIPv4 } from 'node:net';
import { ConfigError } from '../errors.js';

export const CONFIG_ERROR_CODES = {
  invalid: 'FO_ERR_CONFIG_INVALID',
  missing: 'FO_ERR_CONFIG_MISSING',
  unknownField: 'FO_ERR_CONFIG_UNKNOWN_FIELD',
  unreadable: 'FO_ERR_CONFIG_UNREADABLE',
} as const;

export type ConfigObject = Record<string, unknown>;

/** Renders a found value for an error message, short enough for one line. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }

  // JSON.stringify writes a non-finite number (1e400 parses to Infinity) as null.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return String(value);
  }

  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function invalidField(field: string, value: unknown, allowed: string): ConfigError {
  return new ConfigError(
    CONFIG_ERROR_CODES.invalid,
    field,
    `config field ${field} is ${describeValue(value)}, expected ${allowed}`,
  );
}

export function missingField(field: string, allowed: string): ConfigError {
  return new ConfigError(
    CONFIG_ERROR_CODES.missing,
    field,
    `config field ${field} is missing, expected ${allowed}`,
  );
}

export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): ConfigObject {
  if (!isConfigObject(value)) {
    throw invalidField(field, value, 'an object');
  }

  return value;
}

/** Throws for the first key of `object` that is not in `allowed`, listing the allowed keys. */
export function rejectUnknownFields(
  object: ConfigObject,
  allowed: readonly string[],
  prefix: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      const field = prefix === '' ? key : `${prefix}.${key}`;
      throw new ConfigError(
        CONFIG_ERROR_CODES.unknownField,
        field,
        `config field ${field} is unknown, expected one of ${allowed.join(', ')}`,
      );
    }
  }
}

export function readInteger(
  value: unknown,
  field: string,
  minimum: number,
  maximum: number,
  fallback?: number,
): number {
  const allowed = `an integer from ${minimum} to ${maximum}`;
  if (value === undefined) {
    if (fallback === undefined) {
      throw missingField(field, allowed);
    }

    return fallback;
  }

  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw invalidField(field, value, allowed);
  }

  return value;
}

export function readChoice<T extends string>(
  value: unknown,
  field: string,
  choices: readonly T[],
  fallback?: T,
): T {
  const allowed = `one of ${choices.map((choice) => `"${choice}"`).join(', ')}`;
  if (value === undefined) {
    if (fallback === undefined) {
      throw missingField(field, allowed);
    }

    return fallback;
  }

  const match = choices.find((choice) => choice === value);
  if (match === undefined) {
    throw invalidField(field, value, allowed);
  }

  return match;
}

export function readString(value: unknown, field: string, maxLength: number): string {
  const allowed = `a non-empty string of at most ${maxLength} characters`;
  if (value === undefined) {
    throw missingField(field, allowed);
  }

  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidField(field, value, allowed);
  }

  return value;
}

export function readIPv4(value: unknown, field: string): string {
  const allowed = 'an IPv4 address in dotted-quad form';
  if (value === undefined) {
    throw missingField(field, allowed);
  }

  if (typeof value !== 'string' || !isIPv4(value)) {
    throw invalidField(field, value, allowed);
  }

  return value;
}

/** Returns the IPv4 address as an unsigned 32-bit number, for range comparisons. */
export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

export function readBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) {
    return fallback;
  }

  if (typeof value !== 'boolean') {
    throw invalidField(field, value, 'true or false');
  }

  return value;
}

/**
 * Reads bytes written as hex digits, either in pairs separated by colons ("00:00:5e") as ISC
 * writes hardware addresses and `hba`, or run together ("00005e").
 */
export function readHexBytes(
  value: unknown,
  field: string,
  minimumLength: number,
  maximumLength: number,
): Uint8Array {
  const allowed =
    minimumLength === maximumLength
      ? `${minimumLength} bytes in hex, such as "00:00:5e" or "00005e"`
      : `${minimumLength} to ${maximumLength} bytes in hex, such as "00:00:5e" or "00005e"`;
  if (value === undefined) {
    throw missingField(field, allowed);
  }

  const pairs = typeof value === 'string' ? hexPairsOf(value) : undefined;
  if (pairs === undefined || pairs.length < minimumLength || pairs.length > maximumLength) {
    throw invalidField(field, value, allowed);
  }

  return Uint8Array.from(pairs, (pair) => Number.parseInt(pair, 16));
}

function hexPairsOf(text: string): string[] | undefined {
  const pairs = text.includes(':') ? text.split(':') : text.match(/../g);
  const joined = text.replaceAll(':', '');
  if (pairs === null || joined.length !== pairs.length * 2) {
    return undefined;
  }

  return pairs.every((pair) => /^[0-9a-fA-F]{2}$/.test(pair)) ? pairs : undefined;
}
