// The thin runner around the input machine: it keeps the state, feeds it events, and does
// the effects the machine asks for — quit, make and run action plans on the cluster, and the
// wake-up timer on an injected clock — feeding their outcomes back in as events.

import type { Clock, TimerHandle } from '../../client/clock.js';
import type { ClusterActions } from '../actions/cluster-actions.js';
import { type Effect, type InputEvent, step } from './input-machine.js';
import { drawnFields, type InputState } from './input-state.js';

export interface InputRunnerDeps {
  actions: ClusterActions;
  clock: Clock;
  quit(): void;
}

export class InputRunner {
  private state: InputState;
  /** The state as last drawn: replaced only when something App draws changed. */
  private drawn: InputState;
  private readonly inbox: InputEvent[] = [];
  private busy = false;
  private timer: TimerHandle | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    initial: InputState,
    private readonly deps: InputRunnerDeps,
  ) {
    this.state = initial;
    this.drawn = initial;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): InputState => this.drawn;

  /**
   * Takes one event. Events sent while one is handled (Ink draws inside the listener call and
   * the new screen registers its keys at once; a plan made at once) wait their turn, so a key
   * that follows in the same chunk meets everything the one before it caused.
   */
  send = (event: InputEvent): void => {
    this.inbox.push(event);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.inbox.shift(); next; next = this.inbox.shift()) {
        const { state, effects } = step(this.state, next, this.deps.clock.now());
        this.state = state;
        // A registration alone changes nothing drawn; drawing it would only register again.
        if (drawnFields.some((f) => state[f] !== this.drawn[f])) {
          this.drawn = state;
          for (const l of this.listeners) l();
        }
        for (const e of effects) this.run(e);
      }
    } finally {
      this.busy = false;
    }
  };

  /** Clears the pending wake-up: when a newer one replaces it, and when the app closes. */
  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
  }

  private run(effect: Effect): void {
    const { clock, actions } = this.deps;
    switch (effect.run) {
      case 'quit':
        this.deps.quit();
        return;
      case 'wake':
        this.stop();
        this.timer = clock.setTimeout(() => this.send({ type: 'wake' }), effect.at - clock.now());
        return;
      case 'plan': {
        const unplanned = (e: Error) => this.send({ type: 'unplanned', error: e.message });
        try {
          const plan = effect.make(actions);
          if (plan instanceof Promise) plan.then((p) => this.send({ type: 'planned', plan: p }), unplanned);
          else this.send({ type: 'planned', plan });
        } catch (e) {
          unplanned(e as Error);
        }
        return;
      }
      case 'action':
        effect.plan.run().then(
          (outcome) => this.send({ type: 'ran', plan: effect.plan, outcome }),
          (e: Error) => this.send({ type: 'failed', plan: effect.plan, error: e.message }),
        );
        return;
    }
  }
}
