// Child process of the fault runs: one dhcpf peer with a skewed clock and JSON log lines at debug
// level on stdout. A JSON line on stdin `{"kill": KillPoint | null}` arms or disarms a kill point:
// the child then sends itself SIGKILL right after writing the matching log line.
//
//   node dist/fault/peer-child.js CONFIG SKEW_SECONDS [LOG_LEVEL]

import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadRelationshipConfig } from '../src/config/load.js';
import { startPeer } from '../src/endpoint/peer.js';
import { createLogger } from '../src/log.js';
import { systemClock, type Clock } from '../src/peer/timers.js';
import { KillPointTracker, type KillPoint } from './kill-point.js';

let tracker: KillPointTracker | undefined;

/** Writes each log line to stdout at once, then dies when the armed kill point is reached. */
const killingStream = {
  write(line: string): void {
    writeSync(1, line);
    if (tracker === undefined) {
      return;
    }

    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (tracker.observe(parsed)) {
      process.kill(process.pid, 'SIGKILL');
    }
  },
};

function skewedClock(skewSeconds: number): Clock {
  return { nowMs: () => Date.now() + skewSeconds * 1000, setTimer: systemClock.setTimer };
}

function listenForKillPoints(): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (text) => {
    const command = JSON.parse(text) as { kill: KillPoint | null };
    tracker = command.kill === null ? undefined : new KillPointTracker(command.kill);
  });
}

async function main(): Promise<void> {
  const [configPath, skewText, level] = process.argv.slice(2);
  if (configPath === undefined) {
    process.stderr.write('usage: peer-child.js CONFIG SKEW_SECONDS [LOG_LEVEL]\n');
    process.exitCode = 2;
    return;
  }

  listenForKillPoints();
  const logger = createLogger({
    stream: killingStream,
    level: level === 'info' ? 'info' : 'debug',
  });
  const peer = await startPeer(loadRelationshipConfig(configPath), {
    logger,
    clock: skewedClock(Number(skewText ?? '0')),
  });
  process.once('SIGTERM', () => {
    void peer.stop().then(() => process.exit(0));
  });
}

await main();
