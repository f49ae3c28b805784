// Parser for the lease file ISC dhcpd 4.x writes (dhcpd.leases(5)). The file is a log: dhcpd
// appends a whole new declaration on every change, so the last declaration of an address (or of a
// failover relationship) replaces every earlier one.

import { readFileSync } from 'node:fs';
import { TokenReader, tokenize } from './tokens.js';
import type { IscFailoverPeerState, IscLease, IscLeaseFile, IscParseOptions } from './types.js';
import { readLeaseStatement } from './lease-statements.js';
import { readFailoverPeerState } from './failover-peer-state.js';
import {
  addressToNumber,
  parseAddress,
  stringToBytes,
  parseHexBytes,
  valueError,
} from './values.js';

/** Reads and parses a dhcpd lease file; bytes are read as latin1 so escaped octets stay exact. */
export function readIscLeaseFile(path: string, options: IscParseOptions = {}): IscLeaseFile {
  return parseIscLeaseFile(readFileSync(path, 'latin1'), options);
}

/** Parses lease file text; raises IscLeaseFileError (with `line`) on the first invalid statement. */
export function parseIscLeaseFile(text: string, options: IscParseOptions = {}): IscLeaseFile {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const reader = new TokenReader(tokenize(text));
  const leases = new Map<string, IscLease>();
  const failoverPeers = new Map<string, IscFailoverPeerState>();
  const file: IscLeaseFile = {
    leases: [],
    failoverPeers: [],
    leaseDeclarationCount: 0,
    skippedDeclarations: [],
  };

  while (!reader.atEnd()) {
    const line = reader.line();
    const keyword = reader.expectWord('top-level declaration');
    if (keyword === 'lease') {
      const lease = readLease(reader, line, now);
      leases.set(lease.address, lease);
      file.leaseDeclarationCount++;
    } else if (keyword === 'failover') {
      const peer = readFailoverPeerState(reader, line);
      failoverPeers.set(peer.name, peer);
    } else {
      readOtherDeclaration(reader, file, keyword, line);
    }
  }

  file.leases = [...leases.values()].sort(
    (a, b) => addressToNumber(a.address) - addressToNumber(b.address),
  );
  file.failoverPeers = [...failoverPeers.values()];
  return file;
}

/** Reads `A.B.C.D { statements }` after the `lease` keyword. */
function readLease(reader: TokenReader, line: number, now: number): IscLease {
  const address = parseAddress(reader.expectWord('lease address'), 'lease address', line);
  const element = `lease ${address}`;
  reader.expect('{', element);

  const lease: IscLease = {
    address,
    bindingStatus: 'FREE',
    ipFlags: 0,
    variables: {},
    skippedStatements: [],
    line,
  };
  let hasBindingState = false;
  while (reader.peek()?.kind !== '}') {
    hasBindingState = readLeaseStatement(reader, lease) || hasBindingState;
  }
  reader.expect('}', element);

  if (!hasBindingState) lease.bindingStatus = inferBindingStatus(lease, now);
  return lease;
}

/**
 * Chooses the binding-status of a declaration without `binding state`, as dhcpd does for lease
 * files written before failover: ACTIVE while the lease has not ended, FREE after.
 */
function inferBindingStatus(lease: IscLease, now: number): 'ACTIVE' | 'FREE' {
  if (lease.ends === 'never') return 'ACTIVE';

  return lease.ends !== undefined && lease.ends > now ? 'ACTIVE' : 'FREE';
}

/** Reads the top-level statements that carry file-wide facts, and skips every other one. */
function readOtherDeclaration(
  reader: TokenReader,
  file: IscLeaseFile,
  keyword: string,
  line: number,
): void {
  if (keyword === 'authoring-byte-order') {
    const order = reader.expectWord(keyword);
    if (order !== 'little-endian' && order !== 'big-endian') {
      throw valueError(`${keyword} "${order}", expected little-endian or big-endian`, line);
    }
    file.authoringByteOrder = order;
    reader.expect(';', keyword);
    return;
  }

  if (keyword === 'server-duid') {
    const token = reader.next(keyword);
    file.serverDuid =
      token.kind === 'string'
        ? stringToBytes(token.text, keyword, token.line)
        : parseHexBytes(token.text, keyword, token.line);
    reader.expect(';', keyword);
    return;
  }

  file.skippedDeclarations.push({ keyword, line });
  reader.skipStatement(keyword);
}
