// The checker's connection steps drive the endpoint machines' CONNECTED and COMMUNICATIONS_FAILED,
// so a state change made before the partner's first STATE arrives still reaches the partner.

import { describe, expect, it } from 'vitest';
import {
  applyEndpointEvent,
  connectionSteps,
  restart,
  type Step,
} from '../../model/check/endpoint-steps.js';
import { createCheckRuntime } from '../../model/check/explore.js';
import { initialWorld } from '../../model/check/initial-world.js';
import { defaultBounds, defaultModelOptions } from '../../model/check/model-options.js';
import type { World } from '../../model/check/world.js';

const runtime = createCheckRuntime(defaultModelOptions, defaultBounds);

function stepLabelled(steps: Step[], label: string): World {
  const step = steps.find((candidate) => candidate.label === label);
  if (step === undefined) {
    throw new Error(`no step "${label}" among ${steps.map((each) => each.label).join(', ')}`);
  }

  return step.world;
}

/** The primary restarted, the secondary noticed, and a new connection is up. */
function reconnectedAfterPrimaryRestart(): World {
  let world = restart(runtime, initialWorld(runtime).world, 'primary', false);
  world = stepLabelled(connectionSteps(runtime, world), 'secondary COMMUNICATIONS_FAILED');

  return stepLabelled(connectionSteps(runtime, world), 'connection established');
}

describe('model check connection steps', () => {
  it('marks both endpoints connected and sends their STATE (FO-7.10-a)', () => {
    const world = reconnectedAfterPrimaryRestart();

    expect(world.servers.primary.endpoint.context.connected).toBe(true);
    expect(world.servers.secondary.endpoint.context.connected).toBe(true);
    expect(world.inFlight.secondary.map((message) => message.type)).toEqual(['STATE']);
    expect(world.inFlight.primary.map((message) => message.type)).toEqual(['STATE']);
  });

  it('sends STATE for PARTNER-DOWN before the partner STATE arrives (FO-7.10-b)', () => {
    const connected = reconnectedAfterPrimaryRestart();

    const world = applyEndpointEvent(runtime, connected, 'secondary', {
      type: 'PARTNER_DOWN',
      since: 0,
    });

    expect(world?.servers.secondary.endpoint.value).toBe('PARTNER-DOWN');
    expect(world?.inFlight.primary.at(-1)).toMatchObject({ type: 'STATE', state: 'PARTNER-DOWN' });
  });

  it('reports a lost connection whose STATE never arrived (FO-8.3-a)', () => {
    const connected = reconnectedAfterPrimaryRestart();
    const lost = stepLabelled(connectionSteps(runtime, connected), 'connection lost');

    const labels = connectionSteps(runtime, lost).map((step) => step.label);

    expect(labels).toContain('primary COMMUNICATIONS_FAILED');
    expect(labels).toContain('secondary COMMUNICATIONS_FAILED');
    expect(labels).not.toContain('connection established');
  });
});
