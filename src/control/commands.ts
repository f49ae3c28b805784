// The operator commands of the control socket. Each one checks that the current failover state
// takes it, as the endpoint machine defines, and returns what the server does now. Work that must
// wait until the response is written (stopping, restarting) is returned as `after`.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Peer, SyncEvent } from '../endpoint/peer.js';
import type { PeerStatus } from '../endpoint/peer-status.js';
import type { FailoverStateName } from '../wire/codes.js';
import { RESTART_RULES, statesAccepting, type OperatorEvent } from './command-rules.js';
import {
  CONTROL_ERROR_CODES,
  ControlError,
  type ControlAccepted,
  type ControlCommand,
  type ControlRequest,
} from './protocol.js';

/** The parts of a running peer that the commands use. */
export type OperablePeer = Pick<
  Peer,
  'state' | 'mclt' | 'status' | 'partnerDown' | 'pause' | 'shutdown' | 'requestAllUpdates'
>;

/** The running server, as the control socket operates it. */
export interface ControlTarget {
  /** The running peer; `restart` replaces it. */
  readonly peer: OperablePeer;
  /** False while `restart` replaces the peer and after `stop`, when `peer` has no open store. */
  readonly running: boolean;
  /** Progress of the last bulk binding transfer, if any happened. */
  lastSync(): SyncEvent | undefined;
  /** Stops the peer and starts a new one on the same config and store. */
  restart(): Promise<void>;
  /** Stops the peer and the server. */
  stop(): Promise<void>;
}

export interface CommandResult {
  response: ControlAccepted;
  /** Runs after the response is written. */
  after?: () => Promise<void>;
}

/** How long SHUTDOWN waits for the partner to report PARTNER-DOWN before stopping (FO-9.14.2-c). */
export const SHUTDOWN_WAIT_MS = 5000;
const SHUTDOWN_POLL_MS = 100;

/** Carries out one request; raises ControlError when the state forbids it or no peer runs. */
export function executeCommand(request: ControlRequest, target: ControlTarget): CommandResult {
  if (!target.running) {
    throw new ControlError(
      CONTROL_ERROR_CODES.notRunning,
      `${request.command} needs a running peer, and the peer is restarting or stopped; retry after the restart`,
    );
  }

  switch (request.command) {
    case 'status':
      return accepted(request, 'reported the status', [], {
        status: { ...target.peer.status(), sync: target.lastSync() ?? null },
      });
    case 'partner-down':
      return partnerDown(request, target.peer);
    case 'pause':
      return pause(request, target.peer);
    case 'shutdown':
      return shutdown(request, target);
    case 'resync':
      return resync(request, target.peer);
    case 'resume':
      return resume(request, target);
  }
}

function accepted(
  request: ControlRequest,
  action: string,
  rules: string[],
  extra: Partial<ControlAccepted> = {},
): CommandResult {
  const response: ControlAccepted = { ok: true, command: request.command, action, rules, ...extra };
  if (request.id !== undefined) {
    response.id = request.id;
  }

  return { response };
}

/** Returns the rules of the state's transition on `event`, or raises the refusal. */
function requireAccepted(
  command: ControlCommand,
  event: OperatorEvent,
  state: FailoverStateName,
): string[] {
  const accepting = statesAccepting(event);
  const rules = accepting.get(state);
  if (rules !== undefined) {
    return rules;
  }

  const restartRule = RESTART_RULES[state];
  if (restartRule !== undefined) {
    throw new ControlError(
      CONTROL_ERROR_CODES.forbiddenInState,
      `${command} is not accepted in ${state}, which only a restart leaves (${restartRule})${state === 'PAUSED' ? '; resume restarts the server' : ''}`,
      [restartRule],
    );
  }

  const listed = [...accepting].map(([name, names]) => `${name} (${names.join(', ')})`);
  throw new ControlError(
    CONTROL_ERROR_CODES.forbiddenInState,
    `${command} is not accepted in ${state}, only in ${listed.join(', ')}`,
    [...new Set([...accepting.values()].flat())],
  );
}

/**
 * PARTNER-DOWN: the partner's addresses become usable MCLT after `since` (FO-9.4.2-c). With
 * communications ok the partner is evidently running, which PARTNER-DOWN assumes it is not
 * (FO-9.4-a), so the response warns.
 */
function partnerDown(request: ControlRequest, peer: OperablePeer): CommandResult {
  const from = peer.state;
  const rules = requireAccepted('partner-down', 'PARTNER_DOWN', from);
  const status = peer.status();
  if (request.since !== undefined) {
    checkPartnerDownSince(request.since, status, from);
  }

  const since = request.since ?? status.now;
  const warning = status.connection.communicationsOk
    ? 'communications with the partner are ok, but PARTNER-DOWN assumes the partner is not operating (FO-9.4-a)'
    : undefined;
  peer.partnerDown(request.since);
  const action =
    `entered PARTNER-DOWN from ${from}; the partner's free addresses become usable at ` +
    `${isoTime(since + peer.mclt)}, MCLT after ${isoTime(since)} (FO-9.4.2-c)`;
  return accepted(
    request,
    action,
    [...rules, 'FO-9.4.2-c'],
    warning === undefined ? {} : { warning },
  );
}

function pause(request: ControlRequest, peer: OperablePeer): CommandResult {
  const from = peer.state;
  const rules = requireAccepted('pause', 'PAUSE', from);
  peer.pause();
  return accepted(
    request,
    `entered PAUSED from ${from} and announced it to the partner; resume or a restart returns to ${from === 'STARTUP' ? 'the state recorded before' : from}`,
    rules,
  );
}

/**
 * Raises ControlError unless `since` lies between the time the partner may last have operated and
 * now. That time is now while communications are ok, else the start of the current state, which
 * began when communications failed or when this server restarted. An earlier time would end the
 * MCLT wait before the partner's last leases are safe (FO-5.2.1-a).
 */
function checkPartnerDownSince(since: number, status: PeerStatus, from: FailoverStateName): void {
  if (since > status.now) {
    throw new ControlError(
      CONTROL_ERROR_CODES.invalidRequest,
      `partner-down since ${isoTime(since)} is later than now, ${isoTime(status.now)}`,
    );
  }

  const reason = status.connection.communicationsOk
    ? 'now or later, because communications with the partner are ok'
    : `${isoTime(status.local.since)} or later, when ${from} began, because the partner may have operated until then`;
  const earliest = status.connection.communicationsOk ? status.now : status.local.since;
  if (since < earliest) {
    throw new ControlError(
      CONTROL_ERROR_CODES.invalidRequest,
      `partner-down since ${isoTime(since)} is too early, expected ${reason}`,
      ['FO-5.2.1-a'],
    );
  }
}

/** SHUTDOWN, then a short wait for the partner's PARTNER-DOWN (FO-9.14.2-c), then stop. */
function shutdown(request: ControlRequest, target: ControlTarget): CommandResult {
  const peer = target.peer;
  const from = peer.state;
  const rules = requireAccepted('shutdown', 'SHUTDOWN', from);
  const wasConnected = peer.status().connection.communicationsOk;
  const plan = wasConnected
    ? `STATE(SHUTDOWN) goes to the partner, and the server stops once the partner reports ` +
      `PARTNER-DOWN or after ${SHUTDOWN_WAIT_MS / 1000} s`
    : 'no partner is connected to tell, so the server stops now';
  const result = accepted(request, `entering SHUTDOWN from ${from}; ${plan}`, [
    ...rules,
    'FO-9.14.2-c',
  ]);
  result.after = async () => {
    await peer.shutdown();
    if (wasConnected) {
      await waitForPartnerDown(peer);
    }

    await target.stop();
  };
  return result;
}

async function waitForPartnerDown(peer: OperablePeer): Promise<void> {
  for (let waited = 0; waited < SHUTDOWN_WAIT_MS; waited += SHUTDOWN_POLL_MS) {
    const status = peer.status();
    if (status.partner?.state === 'PARTNER-DOWN' || !status.connection.connected) {
      return;
    }

    await sleep(SHUTDOWN_POLL_MS);
  }
}

/** UPDREQALL on request: the partner sends every binding, then UPDDONE (FO-7.4.2-a). */
function resync(request: ControlRequest, peer: OperablePeer): CommandResult {
  // A halted server takes no bindings it would keep only until the restart, which resynchronizes.
  const restartRule = RESTART_RULES[peer.state];
  if (restartRule !== undefined) {
    throw new ControlError(
      CONTROL_ERROR_CODES.forbiddenInState,
      `resync is not accepted in ${peer.state}, which only a restart leaves (${restartRule})`,
      [restartRule],
    );
  }

  if (!peer.requestAllUpdates()) {
    throw new ControlError(
      CONTROL_ERROR_CODES.notConnected,
      `resync needs communications ok with the partner, which are not ok in ${peer.state}`,
      ['FO-8.3-a'],
    );
  }

  return accepted(request, 'sent UPDREQALL; the partner sends every binding, then UPDDONE', [
    'FO-7.4.2-a',
  ]);
}

/** Leaving PAUSED is a restart, which resumes the state held before PAUSED (FO-9.13.2-a). */
function resume(request: ControlRequest, target: ControlTarget): CommandResult {
  const state = target.peer.state;
  if (state !== 'PAUSED') {
    throw new ControlError(
      CONTROL_ERROR_CODES.forbiddenInState,
      `resume restarts a PAUSED server, and this one is in ${state}`,
      ['FO-9.13.2-a'],
    );
  }

  const result = accepted(request, 'restarting: STARTUP, then the state held before PAUSED', [
    'FO-9.13.2-a',
    'FO-9.1-a',
  ]);
  result.after = () => target.restart();
  return result;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
