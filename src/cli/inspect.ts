// `dhcpf inspect [--events FILE] [--replay FILE]`: runs the demo pair with every event of every
// actor (endpoint and update flow of each peer) written as one JSON line, or replays the recorded
// events of one actor into a fresh actor and prints the states it passes through.

import type { Command } from 'commander';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebSocketInspector } from '@statelyai/inspect';
import { createActor, type AnyStateMachine, type InspectionEvent } from 'xstate';
import { connectionMachine } from '../../model/connection.js';
import { endpointMachine } from '../../model/endpoint.js';
import { updateFlowMachine } from '../../model/update-flow.js';
import { startPeer } from '../endpoint/peer.js';
import { createSilentLogger } from '../log.js';
import { bothNormal, demoConfig, seedPrimaryStore } from './demo.js';

/** One recorded actor event: an event it received, or the snapshot it reached. */
export interface RecordedEvent {
  peer: string;
  /** The machine's id: `endpoint` or `update-flow`. */
  machine: string;
  sessionId: string;
  /** `peer/machine/sessionId`: session ids repeat across actor systems, this key does not. */
  actor: string;
  kind: 'event' | 'snapshot';
  event: { type: string; [field: string]: unknown };
  /** The state value after the event, on snapshot lines. */
  value?: unknown;
}

const machines: Record<string, AnyStateMachine> = {
  endpoint: endpointMachine,
  'update-flow': updateFlowMachine,
  connection: connectionMachine,
};

interface InspectOptions {
  events?: string;
  replay?: string;
  leases: string;
  actor?: string;
  stately?: string;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('run the demo pair recording every actor event, or replay a recorded actor')
    .option('--events <file>', 'write the actor events as JSON lines to this file (default stdout)')
    .option('--replay <file>', 'replay one actor of a recorded file and print its states')
    .option(
      '--actor <key>',
      'the actor to replay, as peer/machine/sessionId; the primary endpoint when absent',
    )
    .option('--leases <count>', 'ACTIVE leases the primary starts with', '20')
    .option(
      '--stately <url>',
      'also send every actor event to a Stately inspector WebSocket at this URL, e.g. ws://127.0.0.1:8080',
    )
    .action(async (options: InspectOptions) => {
      process.exitCode = options.replay === undefined ? await record(options) : replay(options);
    });
}

/** Turns an inspection event into a recorded line, or undefined for the kinds not recorded. */
export function recordedEventOf(
  peer: string,
  inspection: InspectionEvent,
): RecordedEvent | undefined {
  const machine = machineIdOf(inspection);
  const sessionId = inspection.actorRef.sessionId;
  const actor = `${peer}/${machine}/${sessionId}`;
  if (inspection.type === '@xstate.event' && inspection.actorRef === inspection.sourceRef) {
    return undefined;
  }

  if (inspection.type === '@xstate.event') {
    return { peer, machine, sessionId, actor, kind: 'event', event: inspection.event };
  }

  if (inspection.type === '@xstate.snapshot') {
    const value = (inspection.snapshot as { value?: unknown }).value;
    return { peer, machine, sessionId, actor, kind: 'snapshot', event: inspection.event, value };
  }

  return undefined;
}

function machineIdOf(inspection: InspectionEvent): string {
  // An actor's logic is its machine; its id names the machine in the recording.
  const logic = (inspection.actorRef as { logic?: { id?: unknown } }).logic;
  return typeof logic?.id === 'string' ? logic.id : 'unknown';
}

async function record(options: InspectOptions): Promise<number> {
  const leases = Number(options.leases);
  if (!Number.isInteger(leases) || leases < 0) {
    process.stderr.write(`dhcpf inspect: --leases is ${options.leases}, expected an integer\n`);
    return 2;
  }

  return (await recordDemoPair(options.events, leases, options.stately)) ? 0 : 1;
}

/**
 * Runs the demo pair until both are NORMAL, writing every actor event as a JSON line to
 * `eventsFile`, or to stdout when undefined. With `statelyUrl`, the events also go to a Stately
 * inspector WebSocket (its viewer is a web page, so that part needs a browser online). Returns
 * whether both reached NORMAL within 60 s.
 */
export async function recordDemoPair(
  eventsFile: string | undefined,
  leases: number,
  statelyUrl?: string,
): Promise<boolean> {
  const output = eventsFile === undefined ? process.stdout : createWriteStream(eventsFile);
  const stately =
    statelyUrl === undefined ? undefined : createWebSocketInspector({ url: statelyUrl });
  const writer =
    (peer: string) =>
    (inspection: InspectionEvent): void => {
      stately?.inspect.next?.(inspection);
      const line = recordedEventOf(peer, inspection);
      if (line !== undefined) {
        output.write(`${JSON.stringify(line)}\n`);
      }
    };
  const directory = mkdtempSync(join(tmpdir(), 'dhcpf-inspect-'));
  try {
    seedPrimaryStore(join(directory, 'primary.db'), leases);
    const logger = createSilentLogger();
    const secondaryConfig = demoConfig('secondary', directory, leases, 0);
    const secondary = await startPeer(secondaryConfig, { logger, inspect: writer('secondary') });
    const primaryConfig = demoConfig('primary', directory, leases, secondary.listeningPort ?? 0);
    const primary = await startPeer(primaryConfig, { logger, inspect: writer('primary') });
    const reached = await bothNormal(primary, secondary, 60_000);
    await primary.stop();
    await secondary.stop();
    return reached;
  } finally {
    stately?.stop();
    if (output !== process.stdout) {
      await new Promise<void>((resolve) => output.end(resolve));
    }
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Parses a recording, one JSON line each. */
export function parseRecording(text: string): RecordedEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedEvent);
}

/**
 * Feeds the recorded events of one actor into a fresh actor of the same machine, created with the
 * recorded input, and returns the state values it passes through, starting with the initial one.
 */
export function replayActor(recording: readonly RecordedEvent[], actor: string): unknown[] {
  const lines = recording.filter((line) => line.actor === actor);
  const init = lines.find((line) => line.kind === 'snapshot' && line.event.type === 'xstate.init');
  const machine = machines[init?.machine ?? ''];
  if (init === undefined || machine === undefined) {
    throw new Error(`actor ${actor} not found in the recording with a known machine`);
  }

  const replayed = createActor(machine, { input: init.event['input'] }).start();
  const values: unknown[] = [replayed.getSnapshot().value];
  for (const line of lines) {
    if (line.kind === 'event' && line.event.type !== 'xstate.init') {
      replayed.send(line.event);
      values.push(replayed.getSnapshot().value);
    }
  }

  replayed.stop();
  return values;
}

/** Returns the state values the recording shows for one actor, in order, up to its stop. */
export function recordedStates(recording: readonly RecordedEvent[], actor: string): unknown[] {
  return recording
    .filter(
      (line) =>
        line.actor === actor && line.kind === 'snapshot' && line.event.type !== 'xstate.stop',
    )
    .map((line) => line.value);
}

function replay(options: InspectOptions): number {
  const recording = parseRecording(readFileSync(options.replay ?? '', 'utf8'));
  const actor =
    options.actor ??
    recording.find((line) => line.peer === 'primary' && line.machine === 'endpoint')?.actor;
  if (actor === undefined) {
    process.stderr.write('dhcpf inspect: the recording has no primary endpoint actor\n');
    return 1;
  }

  let values: unknown[];
  try {
    values = replayActor(recording, actor);
  } catch (error) {
    process.stderr.write(
      `dhcpf inspect: ${error instanceof Error ? error.message : String(error)}; pass --actor peer/machine/sessionId\n`,
    );
    return 1;
  }

  for (const value of values) {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  return 0;
}
