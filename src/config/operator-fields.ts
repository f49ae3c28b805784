// Config fields for operating a running peer: the control socket path and the Prometheus metrics
// endpoint. The metrics endpoint takes loopback addresses only, because it has no authentication.

import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import {
  invalidField,
  readInteger,
  readString,
  rejectUnknownFields,
  requireObject,
  type ConfigObject,
} from './fields.js';

/** Config fields this module reads, for the list of allowed top-level fields. */
export const OPERATOR_CONFIG_FIELDS = ['controlSocket', 'metrics'] as const;

/** Address the metrics endpoint listens on when the config names none. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1';

/** Longest Unix domain socket path Linux accepts (sun_path is 108 bytes with the final NUL). */
export const MAX_SOCKET_PATH_LENGTH = 107;

export interface MetricsConfig {
  /** Loopback address to listen on: 127.0.0.0/8 or ::1. */
  address: string;
  /** TCP port; 0 picks a free one. */
  port: number;
}

export interface OperatorConfigFields {
  /** Path of the control socket; `dhcpf serve` uses `<store>.ctl` when absent. */
  controlSocket?: string;
  metrics?: MetricsConfig;
}

/** Reads `controlSocket` and `metrics`; a relative socket path is taken from `baseDirectory`. */
export function readOperatorFields(
  object: ConfigObject,
  baseDirectory: string | undefined,
): OperatorConfigFields {
  const fields: OperatorConfigFields = {};
  if (object['controlSocket'] !== undefined) {
    fields.controlSocket = readSocketPath(object['controlSocket'], baseDirectory);
  }

  if (object['metrics'] !== undefined) {
    fields.metrics = readMetrics(object['metrics']);
  }

  return fields;
}

function readSocketPath(value: unknown, baseDirectory: string | undefined): string {
  const path = resolve(baseDirectory ?? process.cwd(), readString(value, 'controlSocket', 4096));
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_LENGTH) {
    throw invalidField(
      'controlSocket',
      path,
      `a path of at most ${MAX_SOCKET_PATH_LENGTH} bytes once made absolute (Unix socket limit)`,
    );
  }

  return path;
}

function readMetrics(value: unknown): MetricsConfig {
  const object = requireObject(value, 'metrics');
  rejectUnknownFields(object, ['address', 'port'], 'metrics');
  const address =
    object['address'] === undefined
      ? DEFAULT_METRICS_ADDRESS
      : readString(object['address'], 'metrics.address', 64);
  if (!isLoopbackAddress(address)) {
    throw invalidField(
      'metrics.address',
      address,
      'a loopback address (127.0.0.0/8 or ::1), because the endpoint has no authentication',
    );
  }

  return { address, port: readInteger(object['port'], 'metrics.port', 0, 65_535) };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Returns whether `address` is an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) {
    return false;
  }

  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
