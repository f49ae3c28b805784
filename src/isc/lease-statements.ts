// The statements inside a dhcpd `lease A.B.C.D { ... }` declaration (dhcpd.leases(5), DHCPv4).

import { IP_FLAG_BOOTP, IP_FLAG_RESERVED } from '../wire/codes.js';
import type { TokenReader } from './tokens.js';
import type { IscLease } from './types.js';
import {
  parseBindingState,
  parseHardwareType,
  parseHexBytes,
  readDate,
  stringToBytes,
} from './values.js';

type DateField = 'starts' | 'ends' | 'tstp' | 'tsfp' | 'atsfp' | 'cltt';
const DATE_FIELDS = new Set<string>(['starts', 'ends', 'tstp', 'tsfp', 'atsfp', 'cltt']);

/**
 * Reads one statement into `lease` and returns whether it was `binding state`. Statements the
 * record does not model are skipped and their keyword is kept in `skippedStatements`.
 */
export function readLeaseStatement(reader: TokenReader, lease: IscLease): boolean {
  const element = `lease ${lease.address}`;
  const keyword = reader.expectWord(element);
  const statement = `${element} ${keyword}`;
  if (DATE_FIELDS.has(keyword)) {
    lease[keyword as DateField] = readDate(reader, statement);
  } else if (keyword === 'binding') {
    readBindingState(reader, lease, statement);
    reader.expect(';', statement);
    return true;
  } else if (keyword === 'next' || keyword === 'rewind') {
    readOtherBindingState(reader, lease, keyword, statement);
  } else if (keyword === 'hardware') {
    readHardware(reader, lease, statement);
  } else if (keyword === 'uid') {
    lease.clientIdentifier = readBytes(reader, statement);
  } else if (keyword === 'client-hostname') {
    lease.clientHostname = reader.expect('string', statement).text;
  } else if (keyword === 'bootp') {
    lease.ipFlags |= IP_FLAG_BOOTP;
  } else if (keyword === 'reserved') {
    lease.ipFlags |= IP_FLAG_RESERVED;
  } else if (keyword === 'set') {
    readVariable(reader, lease, statement);
  } else {
    lease.skippedStatements.push(keyword);
    reader.skipStatement(statement);
    return false;
  }
  reader.expect(';', statement);
  return false;
}

/** `binding state STATE` after the `binding` keyword. */
function readBindingState(reader: TokenReader, lease: IscLease, statement: string): void {
  reader.expectWord(statement, 'state');
  const line = reader.line();
  const state = parseBindingState(reader.expectWord(statement), statement, line);
  lease.bindingStatus = state.bindingStatus;
  lease.ipFlags |= state.ipFlags;
}

/** `next binding state STATE` or `rewind binding state STATE`. */
function readOtherBindingState(
  reader: TokenReader,
  lease: IscLease,
  keyword: 'next' | 'rewind',
  statement: string,
): void {
  reader.expectWord(statement, 'binding');
  reader.expectWord(statement, 'state');
  const line = reader.line();
  const { bindingStatus } = parseBindingState(reader.expectWord(statement), statement, line);
  if (keyword === 'next') lease.nextBindingStatus = bindingStatus;
  else lease.rewindBindingStatus = bindingStatus;
}

/** `hardware TYPE XX:XX:...`. */
function readHardware(reader: TokenReader, lease: IscLease, statement: string): void {
  const line = reader.line();
  const htype = parseHardwareType(reader.expectWord(statement), statement, line);
  const chaddr = parseHexBytes(reader.expectWord(statement), statement, line);
  lease.hardwareAddress = { htype, chaddr };
}

/** Reads a quoted string (dhcpd's default lease-id-format octal) or colon-separated hex. */
function readBytes(reader: TokenReader, statement: string): Uint8Array {
  const token = reader.peek();
  if (token?.kind !== 'string' && token?.kind !== 'word') {
    throw reader.unexpected(statement, 'a quoted string or hex octets');
  }

  reader.next(statement);
  return token.kind === 'string'
    ? stringToBytes(token.text, statement, token.line)
    : parseHexBytes(token.text, statement, token.line);
}

/**
 * `set NAME = VALUE`. A string value is stored decoded; any other value (an expression) is stored
 * as its words joined by spaces.
 */
function readVariable(reader: TokenReader, lease: IscLease, statement: string): void {
  const name = reader.expectWord(statement);
  reader.expectWord(`${statement} ${name}`, '=');
  const words: string[] = [];
  while (reader.peek()?.kind === 'word' || reader.peek()?.kind === 'string') {
    words.push(reader.next(statement).text);
  }
  lease.variables[name] = words.join(' ');
}
