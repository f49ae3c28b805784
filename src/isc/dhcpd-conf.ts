// Reads the part of an ISC dhcpd 4.x dhcpd.conf (dhcpd.conf(5)) that a failover relationship
// needs: the `failover peer` declarations and the ranges of the pools that name them. Every other
// statement is listed as skipped, with its line, so the operator sees what the import left out.

import { FailoverError } from '../errors.js';
import { IscLeaseFileError } from './errors.js';
import { tokenize, type Token } from './tokens.js';

export const DHCPD_CONF_ERROR_CODES = {
  /** Braces or semicolons out of place, or an unterminated string. */
  syntax: 'FO_ERR_DHCPD_CONF_SYNTAX',
  /** A failover statement with an invalid value, such as a host name where an address belongs. */
  value: 'FO_ERR_DHCPD_CONF_VALUE',
} as const;

/** A dhcpd.conf that cannot be read; `line` is 1-based. */
export class DhcpdConfError extends FailoverError {
  readonly line: number;

  constructor(code: string, message: string, line: number) {
    super(code, message);
    this.line = line;
  }
}

/** One statement: its words up to `;` or `{`, and the statements of its block, if it has one. */
export interface ConfStatement {
  words: string[];
  block?: ConfStatement[];
  line: number;
}

/** The settings of one `failover peer "NAME" { ... }` declaration, as written. */
export interface DhcpdFailoverPeer {
  name: string;
  role?: 'primary' | 'secondary';
  address?: string;
  port?: number;
  peerAddress?: string;
  peerPort?: number;
  mclt?: number;
  split?: number;
  /** `hba`: 32 bytes in colon-separated hex. */
  hba?: string;
  maxResponseDelay?: number;
  maxUnackedUpdates?: number;
  loadBalanceMaxSeconds?: number;
  /** `auto-partner-down`: seconds in COMMUNICATIONS-INTERRUPTED before PARTNER-DOWN. */
  autoPartnerDown?: number;
  line: number;
}

/** An address range of a pool that names a failover peer. */
export interface DhcpdFailoverRange {
  peer: string;
  start: string;
  end: string;
  line: number;
}

/** A statement the import does not carry over. */
export interface SkippedStatement {
  /** The statement's keyword, such as `ddns-update-style` or `failover peer max-lease-misbalance`. */
  statement: string;
  line: number;
}

export interface DhcpdConf {
  failoverPeers: DhcpdFailoverPeer[];
  ranges: DhcpdFailoverRange[];
  skipped: SkippedStatement[];
}

/** Parses dhcpd.conf text; raises DhcpdConfError for a syntax error or a bad failover value. */
export function parseDhcpdConf(text: string): DhcpdConf {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof IscLeaseFileError) {
      throw new DhcpdConfError(DHCPD_CONF_ERROR_CODES.syntax, error.message, error.line);
    }

    throw error;
  }

  const statements = readStatements(tokens, { index: 0, depth: 0 }, undefined);
  const conf: DhcpdConf = { failoverPeers: [], ranges: [], skipped: [] };
  visitScope(statements, conf, undefined);
  return conf;
}

/** Blocks nested deeper are rejected; real files nest a few levels, and each level recurses. */
export const MAX_BLOCK_DEPTH = 64;

/**
 * Groups tokens into statements; a `}` ends the block being read. `blockLine` is the line of the
 * statement whose block this is, undefined at the top level.
 */
function readStatements(
  tokens: readonly Token[],
  cursor: { index: number; depth: number },
  blockLine: number | undefined,
): ConfStatement[] {
  const statements: ConfStatement[] = [];
  let words: string[] = [];
  let line = 0;
  while (cursor.index < tokens.length) {
    const token = tokens[cursor.index++];
    if (token === undefined) {
      break;
    }

    if (words.length === 0) {
      line = token.line;
    }

    if (token.kind === '}') {
      if (blockLine === undefined || words.length > 0) {
        throw syntaxError(`unexpected '}' at line ${token.line}`, token.line);
      }

      return statements;
    }

    if (token.kind === ';') {
      if (words.length > 0) {
        statements.push({ words, line });
      }

      words = [];
    } else if (token.kind === '{') {
      statements.push({ words, block: readBlock(tokens, cursor, line), line });
      words = [];
    } else {
      words.push(token.text);
    }
  }

  if (words.length > 0) {
    throw syntaxError(`dhcpd.conf ends inside a statement that starts at line ${line}`, line);
  }

  if (blockLine !== undefined) {
    throw syntaxError(
      `dhcpd.conf ends inside the block that starts at line ${blockLine}, expected '}'`,
      blockLine,
    );
  }

  return statements;
}

function readBlock(
  tokens: readonly Token[],
  cursor: { index: number; depth: number },
  line: number,
): ConfStatement[] {
  if (cursor.depth >= MAX_BLOCK_DEPTH) {
    throw syntaxError(
      `block at line ${line} is nested ${cursor.depth + 1} deep, expected at most ${MAX_BLOCK_DEPTH}`,
      line,
    );
  }

  cursor.depth++;
  const block = readStatements(tokens, cursor, line);
  cursor.depth--;
  return block;
}

/** Visits the statements of the top level, a shared-network, subnet, group or pool. */
function visitScope(
  statements: ConfStatement[],
  conf: DhcpdConf,
  poolPeer: string | undefined,
): void {
  for (const statement of statements) {
    const [keyword, second] = statement.words;
    if (isFailoverPeerState(statement)) {
      conf.skipped.push({ statement: 'failover peer state', line: statement.line });
    } else if (keyword === 'failover' && second === 'peer' && statement.block !== undefined) {
      addFailoverPeer(conf, readFailoverPeer(statement, conf.skipped));
    } else if (keyword === 'pool' && statement.block !== undefined) {
      visitScope(statement.block, conf, failoverPeerOfPool(statement.block));
    } else if (SCOPES.has(keyword ?? '') && statement.block !== undefined) {
      visitScope(statement.block, conf, undefined);
    } else if (keyword === 'range' && poolPeer !== undefined) {
      conf.ranges.push({ peer: poolPeer, ...readRange(statement) });
    } else if (keyword === 'failover' && second === 'peer' && poolPeer !== undefined) {
      continue;
    } else {
      conf.skipped.push({ statement: describeStatement(statement), line: statement.line });
    }
  }
}

/**
 * `failover peer "NAME" state { ... }` sets the recorded state, as in a lease file. dhcpd reads it
 * in dhcpd.conf too; the import starts without a recorded state, so it is skipped.
 */
function isFailoverPeerState({ words, block }: ConfStatement): boolean {
  return (
    words.length === 4 && words[0] === 'failover' && words[3] === 'state' && block !== undefined
  );
}

/** Adds a declaration; a second one with the same name is rejected, because it is ambiguous. */
function addFailoverPeer(conf: DhcpdConf, peer: DhcpdFailoverPeer): void {
  const first = conf.failoverPeers.find((declared) => declared.name === peer.name);
  if (first !== undefined) {
    throw valueError(
      `failover peer "${peer.name}" at line ${peer.line} is declared again, expected one declaration (the first is at line ${first.line})`,
      peer.line,
    );
  }

  conf.failoverPeers.push(peer);
}

/** Declarations whose blocks may hold pools. */
const SCOPES = new Set(['subnet', 'shared-network', 'group']);

function failoverPeerOfPool(block: ConfStatement[]): string | undefined {
  const reference = block.find(({ words }) => words[0] === 'failover' && words[1] === 'peer');
  return reference?.words[2];
}

function readRange(statement: ConfStatement): { start: string; end: string; line: number } {
  // `range [dynamic-bootp] LOW [HIGH];` with HIGH defaulting to LOW.
  const addresses = statement.words.slice(1).filter((word) => word !== 'dynamic-bootp');
  const start = readAddress(addresses[0], 'range', statement.line);
  const end =
    addresses[1] === undefined ? start : readAddress(addresses[1], 'range', statement.line);
  return { start, end, line: statement.line };
}

/** Failover peer statements and the field each sets; values are single numbers or addresses. */
const PEER_STATEMENTS: Record<
  string,
  { field: keyof DhcpdFailoverPeer; kind: 'address' | 'integer' }
> = {
  address: { field: 'address', kind: 'address' },
  port: { field: 'port', kind: 'integer' },
  'peer address': { field: 'peerAddress', kind: 'address' },
  'peer port': { field: 'peerPort', kind: 'integer' },
  mclt: { field: 'mclt', kind: 'integer' },
  split: { field: 'split', kind: 'integer' },
  'max-response-delay': { field: 'maxResponseDelay', kind: 'integer' },
  'max-unacked-updates': { field: 'maxUnackedUpdates', kind: 'integer' },
  'load balance max seconds': { field: 'loadBalanceMaxSeconds', kind: 'integer' },
  'auto-partner-down': { field: 'autoPartnerDown', kind: 'integer' },
};

function readFailoverPeer(
  statement: ConfStatement,
  skipped: SkippedStatement[],
): DhcpdFailoverPeer {
  const name = statement.words[2];
  if (name === undefined || statement.words.length !== 3) {
    throw valueError(
      `failover peer declaration at line ${statement.line} has no single name`,
      statement.line,
    );
  }

  const peer: DhcpdFailoverPeer = { name, line: statement.line };
  for (const inner of statement.block ?? []) {
    const words = inner.words;
    const text = words.join(' ');
    if (text === 'primary' || text === 'secondary') {
      peer.role = text;
      continue;
    }

    if (words[0] === 'hba' && words[1] !== undefined) {
      peer.hba = words[1];
      continue;
    }

    const key = words.slice(0, -1).join(' ');
    const known = PEER_STATEMENTS[key];
    if (known === undefined || inner.block !== undefined) {
      skipped.push({ statement: `failover peer ${describeStatement(inner)}`, line: inner.line });
      continue;
    }

    const value = words.at(-1);
    Object.assign(peer, {
      [known.field]:
        known.kind === 'address'
          ? readAddress(value, key, inner.line)
          : readCount(value, key, inner.line),
    });
  }

  return peer;
}

function readAddress(word: string | undefined, element: string, line: number): string {
  if (
    word === undefined ||
    !/^(\d{1,3})(\.\d{1,3}){3}$/.test(word) ||
    word.split('.').some((octet) => Number(octet) > 255)
  ) {
    throw valueError(
      `${element} at line ${line} is ${JSON.stringify(word ?? '')}, expected an IPv4 address (host names are not resolved)`,
      line,
    );
  }

  return word;
}

function readCount(word: string | undefined, element: string, line: number): number {
  if (word === undefined || !/^\d+$/.test(word)) {
    throw valueError(
      `${element} at line ${line} is ${JSON.stringify(word ?? '')}, expected a whole number`,
      line,
    );
  }

  return Number(word);
}

/** Names a statement by its keyword, and an `option` by its name, without the values. */
function describeStatement(statement: ConfStatement): string {
  const [keyword, name] = statement.words;
  if (keyword === undefined) {
    return '{ }';
  }

  return keyword === 'option' && name !== undefined ? `option ${name}` : keyword;
}

function syntaxError(message: string, line: number): DhcpdConfError {
  return new DhcpdConfError(DHCPD_CONF_ERROR_CODES.syntax, message, line);
}

function valueError(message: string, line: number): DhcpdConfError {
  return new DhcpdConfError(DHCPD_CONF_ERROR_CODES.value, message, line);
}
