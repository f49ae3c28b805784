// Exhaustive breadth-first exploration of the composed model, up to a bound, checking every
// invariant in every world reached. Breadth-first order makes the first violation found one with
// the shortest event sequence.
//
// What is modelled: the real endpoint machine for both roles, and the real binding-status machine
// for each server's copy of each address, driven the way a runtime drives them. Around them sits
// a TCP connection that keeps messages in order and loses all of them when it breaks. Endpoints
// restart on their persisted state, optionally with stable storage lost. The operator may PAUSE,
// SHUTDOWN and declare the partner down. Clients request, renew and release leases at either
// server, and servers send their BNDUPDs lazily, each as a step of its own. Time is a clock of
// whole ticks, and MCLT is a number of ticks.
//
// What is abstracted away:
// - the wire format, CONNECT and CONNECTACK (a connection starts with both STATE messages);
// - CONTACT and the receive timer (each side notices a broken connection in a step of its own);
// - clock skew between the servers, batching of binding updates, reservations, dynamic BOOTP,
//   DDNS and grace periods;
// - load balancing and POOLREQ: either server may answer any client, which only adds behaviour,
//   and the primary lends and reclaims addresses at will in NORMAL;
// - a single lost message on a live connection, because TCP loses messages only by breaking;
// - a client with two leases (the "one client, two addresses" case of FO-7.1.2-b), renewals
//   that do not extend a lease, and two transactions of one client for one address within a tick;
// - an operator who declares a running partner down: PARTNER_DOWN happens only while the partner
//   is halted or restarting, because the protocol's safety rests on that premise (FO-9.4-a). The
//   safe-period timer would take the same transition under the same premise, so it is left out.
// Worlds that differ only in client names count as one (see world-key.ts).

import { bindingStatusMachine } from '../lease/binding-status-machine.js';
import { initialWorld } from './initial-world.js';
import { invariants, type Invariant } from './invariants.js';
import { EndpointStepper, LeaseStepper } from './machine-stepper.js';
import {
  defaultBounds,
  defaultModelOptions,
  type CheckBounds,
  type CheckRuntime,
  type ModelOptions,
} from './model-options.js';
import { enabledSteps } from './steps.js';
import { CanonicalCache } from './world-key.js';
import type { World } from './world.js';

export interface Violation {
  invariant: Invariant;
  /** Description of what is wrong in the violating world. */
  message: string;
  /** The shortest event sequence from the initial world to the violation. */
  path: string[];
}

export interface CheckResult {
  options: ModelOptions;
  bounds: CheckBounds;
  /** Steps that built the initial world, before the exploration started. */
  initialPath: string[];
  /** Distinct worlds reached, the initial one included. */
  statesExplored: number;
  /** Steps taken from explored worlds, including those reaching a world seen before. */
  transitionsTaken: number;
  /** Length of the longest shortest path to a reached world. */
  depthReached: number;
  /** `exhausted`: no world within the clock bound is left unexplored. */
  stoppedBy: 'exhausted' | 'depth' | 'states' | 'violation';
  violation: Violation | undefined;
}

function firstViolation(world: World, runtime: CheckRuntime) {
  for (const invariant of invariants) {
    const message = invariant.check(world, runtime);
    if (message !== undefined) {
      return { invariant, message };
    }
  }

  return undefined;
}

/** Parent links of every reached world, so a path can be read back from any of them. */
class SearchTree {
  private readonly parents: number[] = [-1];
  private readonly labels: string[] = [''];

  add(parent: number, label: string): number {
    this.parents.push(parent);
    this.labels.push(label);

    return this.parents.length - 1;
  }

  pathTo(index: number): string[] {
    const path: string[] = [];
    for (let at = index; at > 0; at = this.parents[at] ?? 0) {
      path.push(this.labels[at] ?? '');
    }

    return path.reverse();
  }
}

/** Builds the options and machine caches one check run shares. */
export function createCheckRuntime(options: ModelOptions, bounds: CheckBounds): CheckRuntime {
  const texts = new CanonicalCache(options.clients);
  const machine =
    options.leaseGuards === undefined
      ? bindingStatusMachine
      : bindingStatusMachine.provide({ guards: options.leaseGuards });

  return {
    options,
    bounds,
    texts,
    endpoints: new EndpointStepper(texts),
    leases: new LeaseStepper(machine, texts),
  };
}

/** Explores every world reachable within `bounds` and checks each invariant in each of them. */
export function checkModel(
  modelOptions: Partial<ModelOptions> = {},
  checkBounds: Partial<CheckBounds> = {},
): CheckResult {
  const options = { ...defaultModelOptions, ...modelOptions };
  const bounds = { ...defaultBounds, ...checkBounds };
  const runtime = createCheckRuntime(options, bounds);
  const start = initialWorld(runtime);
  const tree = new SearchTree();
  const seen = new Set([runtime.texts.worldKey(start.world)]);
  const result: CheckResult = {
    options,
    bounds,
    initialPath: start.path,
    statesExplored: 1,
    transitionsTaken: 0,
    depthReached: 0,
    stoppedBy: 'exhausted',
    violation: undefined,
  };

  const initialViolation = firstViolation(start.world, runtime);
  if (initialViolation !== undefined) {
    return { ...result, stoppedBy: 'violation', violation: { ...initialViolation, path: [] } };
  }

  let frontier = [{ world: start.world, index: 0 }];
  for (let depth = 0; frontier.length > 0; depth += 1) {
    if (depth === bounds.maxDepth) {
      return { ...result, stoppedBy: 'depth' };
    }

    const next: typeof frontier = [];
    for (const { world, index } of frontier) {
      for (const step of enabledSteps(runtime, world)) {
        result.transitionsTaken += 1;
        const key = runtime.texts.worldKey(step.world);
        if (seen.has(key)) {
          continue;
        }

        seen.add(key);
        const reached = tree.add(index, step.label);
        result.statesExplored = seen.size;
        result.depthReached = depth + 1;
        const violation = firstViolation(step.world, runtime);
        if (violation !== undefined) {
          return {
            ...result,
            stoppedBy: 'violation',
            violation: { ...violation, path: tree.pathTo(reached) },
          };
        }
        if (seen.size >= bounds.maxStates) {
          return { ...result, stoppedBy: 'states' };
        }

        next.push({ world: step.world, index: reached });
      }
    }
    frontier = next;
  }

  return result;
}
