// The seeded fault script of one run: clock skews, the bindings and clients it starts with, and
// the faults in order. The same seed always gives the same script.

import type { Role } from '../model/endpoint-types.js';
import { KILL_POINTS, type KillPoint, type KillPointName } from './kill-point.js';
import type { PartitionMode } from './link-proxy.js';
import { SeededRandom } from './random.js';

export type FaultStep =
  | { kind: 'kill'; role: Role; point: KillPoint }
  | { kind: 'partition'; mode: PartitionMode; durationMs: number }
  | { kind: 'slow'; delayMs: number; durationMs: number }
  | { kind: 'kill-now'; role: Role }
  /**
   * SIGTERM and a start on the same store. Only the primary: a stopping secondary sends
   * DISCONNECT, after which the primary waits a minute before it connects again (FO-7.12-b).
   */
  | { kind: 'restart' };

export interface FaultScript {
  seed: number;
  /** Offset of each peer's clock, seconds; both stay within maxClockSkew of each other. */
  skewSeconds: Record<Role, number>;
  /** ACTIVE bindings in the primary's store before its first start, for the first UPDREQALL. */
  seededBindings: number;
  /** Simulated DHCP clients, a few more than the free addresses so they compete. */
  clients: number;
  /** A kill point armed at the first start, before the first UPDREQALL. */
  launchKill?: { role: Role; point: KillPoint };
  /** Pause before each step, milliseconds. */
  pausesMs: number[];
  steps: FaultStep[];
}

/** Largest clock offset of one peer, seconds; the pair's difference stays under maxClockSkew 60. */
export const MAX_SKEW_SECONDS = 20;

const ROLES: readonly Role[] = ['primary', 'secondary'];
const RUNTIME_KILL_POINTS: readonly KillPointName[] = ['bndupd-window', 'commit-before-bndack'];

/** Builds the script of one seed with `stepCount` faults after the first sync. */
export function faultScriptOf(seed: number, stepCount = 3): FaultScript {
  const random = new SeededRandom(seed);
  const script: FaultScript = {
    seed,
    skewSeconds: {
      primary: random.integer(-MAX_SKEW_SECONDS, MAX_SKEW_SECONDS),
      secondary: random.integer(-MAX_SKEW_SECONDS, MAX_SKEW_SECONDS),
    },
    seededBindings: random.integer(20, 60),
    clients: random.integer(10, 16),
    pausesMs: [],
    steps: [],
  };
  if (random.chance(0.35)) {
    // The secondary starts fresh and asks for every binding; the primary answers (FO-7.4.2-a).
    script.launchKill = {
      role: 'primary',
      point: { ...KILL_POINTS.updreqall, count: random.integer(1, 15) },
    };
  }

  for (let index = 0; index < stepCount; index++) {
    script.pausesMs.push(random.integer(100, 500));
    script.steps.push(stepOf(random));
  }

  return script;
}

function stepOf(random: SeededRandom): FaultStep {
  const kind = random.pick(['kill', 'kill', 'kill-now', 'partition', 'slow', 'restart'] as const);
  switch (kind) {
    case 'kill':
      return {
        kind,
        role: random.pick(ROLES),
        point: { ...KILL_POINTS[random.pick(RUNTIME_KILL_POINTS)], count: random.integer(1, 2) },
      };
    case 'partition':
      return {
        kind,
        mode: random.pick(['reset', 'silent'] as const),
        durationMs: random.integer(200, 1200),
      };
    case 'slow':
      return { kind, delayMs: random.integer(20, 200), durationMs: random.integer(300, 1000) };
    case 'kill-now':
      return { kind, role: random.pick(ROLES) };
    case 'restart':
      return { kind };
  }
}

/** The name under which a step is counted in the figures. */
export function faultNameOf(step: FaultStep): string {
  switch (step.kind) {
    case 'kill':
      return `kill:${step.point.name}`;
    case 'partition':
      return `partition:${step.mode}`;
    case 'slow':
      return 'slow-peer';
    case 'kill-now':
      return 'kill:any-time';
    case 'restart':
      return 'restart:primary';
  }
}
