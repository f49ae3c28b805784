// A flood of connections from strangers: addresses other than the configured partner connect to
// the secondary's failover port, send a CONNECT and wait for the close (FO-7.8.2-f).

import { connectOptionsFor, MessageType, PartnerSocket } from './partner-socket.js';

export interface StrangerFlood {
  /** Connections opened so far. */
  readonly connections: () => number;
  stop(): Promise<void>;
}

/** Runs `loops` connection loops against the port `target` returns, until stopped. */
export function startStrangerFlood(loops: number, target: () => number | undefined): StrangerFlood {
  let running = true;
  let connections = 0;
  const loop = async (index: number): Promise<void> => {
    // 127.0.0.2 onwards: any address of 127.0.0.0/8 reaches a listener on 127.0.0.1.
    const localAddress = `127.0.0.${2 + (index % 250)}`;
    while (running) {
      const port = target();
      if (port === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }

      await knock(port, localAddress);
      connections++;
    }
  };
  const loopsDone = Array.from({ length: loops }, (_, index) => loop(index));
  return {
    connections: () => connections,
    stop: async () => {
      running = false;
      await Promise.all(loopsDone);
    },
  };
}

/** Opens one stranger connection, sends CONNECT and waits briefly for the peer to close it. */
async function knock(port: number, localAddress: string): Promise<void> {
  let partner: PartnerSocket;
  try {
    partner = await PartnerSocket.open(port, localAddress);
  } catch {
    return;
  }

  partner.send(MessageType.CONNECT, connectOptionsFor('stranger'), 1);
  await partner.waitFor(() => false, 200);
  partner.destroy();
  await partner.closed;
}
