// Shared pieces of the store tests: a temporary directory per test, a binding with every field and
// the code of a thrown StoreError.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { StoredBinding } from '../../src/store/types.js';

/** Creates a fresh temporary directory before each test and removes it after; returns a path maker. */
export function useTempDir(): (name: string) => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dhcpf-store-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return (name) => join(dir, name);
}

/** Builds an ACTIVE binding with every optional field set, so a round trip exercises each column. */
export function fullBinding(overrides: Partial<StoredBinding> = {}): StoredBinding {
  return {
    address: '10.77.1.5',
    bindingStatus: 'ACTIVE',
    ipFlags: 0x0003,
    clientIdentifier: Uint8Array.of(0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05),
    clientHardwareAddress: {
      htype: 1,
      chaddr: Uint8Array.of(2, 0, 0, 0, 0, 5),
      scopeId: 0x0a4d0100,
    },
    leaseExpirationTime: 1796000000,
    startTimeOfState: 1795900000,
    clientLastTransactionTime: 1795900001,
    sentPet: 1796003600,
    ackedPet: 1796001800,
    receivedPet: 1796002000,
    pendingUpdate: true,
    updateSeq: 3,
    otherOptions: Uint8Array.of(0x00, 0x08, 0x00, 0x04, 0x63, 0x82, 0x53, 0x63),
    ...overrides,
  };
}

/** Builds a binding with only the required fields. */
export function minimalBinding(
  address: string,
  overrides: Partial<StoredBinding> = {},
): StoredBinding {
  return {
    address,
    bindingStatus: 'FREE',
    ipFlags: 0,
    pendingUpdate: false,
    updateSeq: 0,
    ...overrides,
  };
}

/** A writable stream that keeps everything written to it as text. */
export class TextCollector extends Writable {
  text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Returns the code of the StoreError that `call` throws, or undefined for any other outcome. */
export function storeErrorCode(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return error instanceof StoreError ? error.code : undefined;
  }

  return undefined;
}
