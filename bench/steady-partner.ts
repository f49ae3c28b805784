// The receiving end of the steady-update measurement, run as its own process so that its store
// commits do not share a thread with the sender's. It listens on 127.0.0.1 (port 0) and prints
// {"port": N} on stdout. On the one connection it accepts, dhcpf's UpdateReceiver commits the
// bindings of each BNDUPD, and then a BNDACK goes out. It exits when that connection closes.
//
// Usage: node dist/bench/steady-partner.js STORE POOL-START POOL-END

import { createServer } from 'node:net';
import { UpdateReceiver } from '../src/endpoint/update-receiver.js';
import { createSilentLogger } from '../src/log.js';
import { FailoverConnection, type ReceivedMessage } from '../src/peer/connection.js';
import { nowSeconds, systemClock } from '../src/peer/timers.js';
import { openLeaseStore } from '../src/store/sqlite-store.js';
import { MessageType } from '../src/wire/codes.js';

const [storePath, poolStart, poolEnd] = process.argv.slice(2);
if (storePath === undefined || poolStart === undefined || poolEnd === undefined) {
  process.stderr.write('usage: steady-partner.js STORE POOL-START POOL-END\n');
  process.exit(2);
}

const store = openLeaseStore(storePath);
const logger = createSilentLogger();
const receiver = new UpdateReceiver({
  store,
  logger,
  role: 'secondary',
  pools: [{ start: poolStart, end: poolEnd }],
  profile: 'isc',
});

const server = createServer((socket) => {
  server.close();
  const connection = new FailoverConnection({ socket, profile: 'isc', clock: systemClock, logger });
  connection.established = true;
  connection.on('messages', (received) => answerBNDUPDs(connection, received));
  connection.on('close', () => {
    store.close();
    process.exit(0);
  });
});

/** Commits the BNDUPDs of one read together, then acknowledges each (FO-5.2.1-f). */
function answerBNDUPDs(connection: FailoverConnection, received: ReceivedMessage[]): void {
  const bndupds = received
    .filter(({ message }) => message.type === MessageType.BNDUPD)
    .map(({ message }) => message);
  if (bndupds.length === 0) {
    return;
  }

  for (const ack of receiver.process(bndupds, 0, nowSeconds(systemClock))) {
    connection.send(MessageType.BNDACK, ack.options, ack.xid);
  }
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
