// The `failover peer "NAME" state { ... }` declaration, where dhcpd records both endpoints' failover
// states and the MCLT it adopted (dhcpd.leases(5)).

import type { TokenReader } from './tokens.js';
import type { FailoverStateName } from '../wire/codes.js';
import type { IscFailoverPeerState, IscTime } from './types.js';
import { parseFailoverState, readDate, valueError } from './values.js';

/** Reads the declaration after its `failover` keyword. */
export function readFailoverPeerState(reader: TokenReader, line: number): IscFailoverPeerState {
  reader.expectWord('failover declaration', 'peer');
  const name = reader.expect('string', 'failover peer name').text;
  const element = `failover peer "${name}"`;
  reader.expectWord(element, 'state');
  reader.expect('{', element);

  const peer: IscFailoverPeerState = { name, line };
  while (reader.peek()?.kind !== '}') readPeerStatement(reader, peer, element);
  reader.expect('}', element);
  return peer;
}

function readPeerStatement(reader: TokenReader, peer: IscFailoverPeerState, element: string): void {
  const keyword = reader.expectWord(element);
  const statement = `${element} ${keyword}`;
  if (keyword === 'my') {
    const { state, time } = readStateAt(reader, statement);
    peer.myState = state;
    peer.myStateTime = time;
  } else if (keyword === 'partner' || keyword === 'peer') {
    const { state, time } = readStateAt(reader, statement);
    peer.partnerState = state;
    peer.partnerStateTime = time;
  } else if (keyword === 'mclt') {
    const line = reader.line();
    const mclt = reader.expectWord(statement);
    if (!/^\d+$/.test(mclt)) throw valueError(`${statement} "${mclt}", expected seconds`, line);

    peer.mclt = Number(mclt);
  } else {
    reader.skipStatement(statement);
    return;
  }
  reader.expect(';', statement);
}

/** `state NAME at DATE`, after `my` or `partner`. */
function readStateAt(
  reader: TokenReader,
  statement: string,
): { state: FailoverStateName | undefined; time: IscTime } {
  reader.expectWord(statement, 'state');
  const line = reader.line();
  const state = parseFailoverState(reader.expectWord(statement), statement, line);
  reader.expectWord(statement, 'at');
  const time = readDate(reader, statement);
  return { state, time };
}
