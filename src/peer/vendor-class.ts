// The vendor-class-identifier this peer sends in CONNECT and CONNECTACK (FO-7.8.1-d, FO-7.9.1-e):
// "dhcpf-" and the package version, as ISC sends "isc-" and its version (ISC-3).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'dhcpf';

/** Finds dhcpf's package.json above this file, from src/ (tests) and from dist/src/ alike. */
function readPackageVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      const parsed: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (isPackage(parsed) && parsed.name === PACKAGE_NAME) {
        return parsed.version;
      }
    }

    const parent = dirname(directory);
    if (parent === directory) {
      return 'unknown';
    }

    directory = parent;
  }
}

function isPackage(value: unknown): value is { name: string; version: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    'version' in value &&
    typeof value.version === 'string'
  );
}

export const VENDOR_CLASS_IDENTIFIER = `dhcpf-${readPackageVersion()}`;
