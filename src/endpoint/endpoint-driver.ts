// Drives the endpoint machine of one relationship: sends it events, and after each step records a
// state change in stable storage and logs it before any emitted effect is carried out (FO-9.2-a,
// FO-9.2-e). The effects are returned to the caller, which performs them.

import { EventEmitter } from 'node:events';
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { endpointMachine, serverStateToSend, type EndpointContext } from '../../model/endpoint.js';
import type {
  EndpointEmitted,
  EndpointEvent,
  Role,
  StartupExpiryPolicy,
} from '../../model/endpoint-types.js';
import { LogEvent, type Logger } from '../log.js';
import { nowSeconds, type Clock } from '../peer/timers.js';
import type { EndpointRecord, LeaseStore } from '../store/types.js';
import type { FailoverStateName } from '../wire/codes.js';
import { endpointInputOf, recordOf } from './endpoint-record.js';
import type { AnnouncedState } from './state-message.js';

/** One failover state change, as the `state` event and the log report it. */
export interface StateChange {
  from: FailoverStateName;
  to: FailoverStateName;
  /** Machine event that caused it ("PARTNER_STATE", "UPDDONE", ...). */
  trigger: string;
  /** Local time the new state began, seconds since 1970. */
  startTimeOfState: number;
  /** Rule IDs of the transitions taken. */
  rules: string[];
}

export interface EndpointDriverEvents {
  state: [change: StateChange];
}

export interface EndpointDriverOptions {
  relationship: string;
  role: Role;
  store: LeaseStore;
  clock: Clock;
  logger: Logger;
  /** The MCLT to record: the adopted one on a secondary (FO-7.8.2-h). */
  mclt(): number | undefined;
  /** Observer of the endpoint actor's events, such as `dhcpf inspect`. */
  inspect?: (event: InspectionEvent) => void;
  /** Policy of STARTUP_EXPIRED; `previous-state` when absent (FO-9.3.2-g, MSF-3.1.6.3-b). */
  startupExpiry?: StartupExpiryPolicy;
}

type EndpointActor = Actor<typeof endpointMachine>;

export class EndpointDriver extends EventEmitter<EndpointDriverEvents> {
  private readonly options: EndpointDriverOptions;
  private readonly actor: EndpointActor;
  private readonly emitted: EndpointEmitted[] = [];
  private readonly rules: string[] = [];
  private current: FailoverStateName = 'STARTUP';
  private stateStartedAt: number;
  /** When the state a STARTUP announces was entered, from the stored record. */
  private readonly resumedStartedAt: number;

  constructor(options: EndpointDriverOptions, record: EndpointRecord | undefined) {
    super();
    this.options = options;
    this.stateStartedAt = nowSeconds(options.clock);
    this.resumedStartedAt = record?.startTimeOfState ?? this.stateStartedAt;
    this.actor = createActor(endpointMachine, {
      input: { ...endpointInputOf(record, options.role), startupExpiry: options.startupExpiry },
      inspect: (inspection) => {
        options.inspect?.(inspection);
        if (inspection.type === '@xstate.microstep') {
          for (const transition of inspection._transitions) {
            this.rules.push(...rulesOf(transition.meta));
          }
        }
      },
    });
    const collect = (effect: EndpointEmitted): void => {
      this.emitted.push(effect);
    };
    for (const type of EFFECT_TYPES) {
      this.actor.on(type, collect);
    }
  }

  get state(): FailoverStateName {
    return this.current;
  }

  /** The server-state, S bit and start time a STATE carries now (FO-9.3.1-b, FO-7.10). */
  get announced(): AnnouncedState {
    const snapshot = this.actor.getSnapshot();
    const { state, startup } = serverStateToSend(snapshot);
    return {
      state,
      startup,
      startTimeOfState: startup ? this.resumedStartedAt : this.stateStartedAt,
    };
  }

  /** When the current state began, local time, seconds since 1970. */
  get startTimeOfState(): number {
    return this.stateStartedAt;
  }

  /** The machine's context: the partner's last STATE, the connection flags, the PD start time. */
  get context(): Readonly<EndpointContext> {
    return this.actor.getSnapshot().context;
  }

  /** Starts the machine in STARTUP and records that (FO-9.1-a, FO-9.2-a). */
  start(): EndpointEmitted[] {
    this.actor.start();
    this.persist();
    this.options.logger.info(
      {
        event: LogEvent.STATE_CHANGE,
        from: null,
        to: this.current,
        trigger: 'start',
        startTimeOfState: this.stateStartedAt,
        rules: ['FO-9.1-a'],
      },
      `started in ${this.current}, previous state ${this.announced.state}`,
    );
    return this.takeEmitted();
  }

  /**
   * Sends one event, stamped with the current time unless it carries one; returns the effects to
   * carry out, after any state change was recorded.
   */
  dispatch(event: EndpointEvent): EndpointEmitted[] {
    this.rules.length = 0;
    this.actor.send({ ...event, at: event.at ?? nowSeconds(this.options.clock) });
    const next = this.actor.getSnapshot().value;
    if (next !== this.current) {
      this.changeState(next, event.type);
    }

    return this.takeEmitted();
  }

  /** Writes the record again with the current time as last operating time (FO-9.3.2-f). */
  persist(): void {
    const snapshot = this.actor.getSnapshot();
    const now = nowSeconds(this.options.clock);
    const record = recordOf(
      this.options.relationship,
      {
        state: this.current,
        previousState: snapshot.context.previousState,
        hasSyncedBefore: snapshot.context.hasSyncedBefore,
      },
      this.stateStartedAt,
      now,
      this.options.mclt(),
    );
    try {
      this.options.store.writeEndpoint(record);
    } catch (error) {
      this.options.logger.error(
        { event: LogEvent.STORE_FAILED, error: String(error), rule: 'FO-9.2-e' },
        'failed to record the failover state in stable storage',
      );
    }
  }

  stop(): void {
    this.actor.stop();
  }

  private changeState(next: FailoverStateName, trigger: string): void {
    const from = this.current;
    this.current = next;
    this.stateStartedAt = nowSeconds(this.options.clock);
    // FO-9.2-a: the new state and its start time are in stable storage before anything else.
    this.persist();
    const change: StateChange = {
      from,
      to: next,
      trigger,
      startTimeOfState: this.stateStartedAt,
      rules: [...new Set(this.rules)],
    };
    this.options.logger.info({ event: LogEvent.STATE_CHANGE, ...change }, `${from} -> ${next}`);
    this.emit('state', change);
  }

  private takeEmitted(): EndpointEmitted[] {
    return this.emitted.splice(0, this.emitted.length);
  }
}

const EFFECT_TYPES = [
  'SEND_STATE',
  'SEND_UPDREQ',
  'SEND_UPDREQALL',
  'START_RECOVER_WAIT_TIMER',
  'SEND_PENDING_UPDATES',
  'START_SAFE_PERIOD_TIMER',
  'RAISE_ALARM',
] as const satisfies readonly EndpointEmitted['type'][];

function rulesOf(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null || !('rules' in meta)) {
    return [];
  }

  const rules = meta.rules;
  return Array.isArray(rules)
    ? rules.filter((rule): rule is string => typeof rule === 'string')
    : [];
}
