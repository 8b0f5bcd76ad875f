// The TUI's keyboard as a pure function: (state, event, now) → new state and the effects to
// run (quit, make or run an action's plan, wake me later). Model: gemini-cli's keypress
// handling. Keys go to an open overlay first, then to the screen's bindings, then to the
// global ones; everything a key asks for arrives as intents (see intents.ts).
//
// Keys that arrive together with a screen change (a paste, tmux send-keys `:nodes⏎/web⏎d`)
// wait for the new screen to register its keys, instead of meeting the old screen's: every
// change of the stack holds the keys that follow until the screen drawn from it says which
// keys it has (the 'keys' event), or screenWaitMs has passed, should it never say.
import type { ActionPlan } from '../actions/cluster-actions.js';
import { overviewScreen, type Screen } from '../navigation.js';
import { globalKeys } from './global-keys.js';
import type { InputState } from './input-state.js';
import type { Intent, Intents, PlanMaker } from './intents.js';
import { findBinding, type KeyBinding } from './key-bindings.js';
import type { KeyPress } from './terminal-keys.js';

export type InputEvent =
  | ({ type: 'key' } & KeyPress)
  /** The screen drawn from `screen` (a state of the stack's top) has these keys. */
  | { type: 'keys'; screen: Screen; bindings: readonly KeyBinding[] }
  /** The wake effect's time has come. */
  | { type: 'wake' }
  | { type: 'planned'; plan: ActionPlan }
  | { type: 'unplanned'; error: string }
  | { type: 'ran'; plan: ActionPlan; outcome: string }
  | { type: 'failed'; plan: ActionPlan; error: string };

export type Effect =
  | { run: 'quit' }
  /** Send a 'wake' event at `at` (only the latest wake matters). */
  | { run: 'wake'; at: number }
  /** Make the plan; answer 'planned' or 'unplanned'. */
  | { run: 'plan'; make: PlanMaker }
  /** Run the confirmed plan; answer 'ran' or 'failed'. */
  | { run: 'action'; plan: ActionPlan };

export interface Step {
  state: InputState;
  effects: Effect[];
}

/** How long keys wait for a new screen that does not register its keys. */
export const screenWaitMs = 250;

export function step(state: InputState, event: InputEvent, now: number): Step {
  const effects: Effect[] = [];
  let s = state;
  if (s.waitingSince !== undefined && now >= s.waitingSince + screenWaitMs)
    s = { ...s, waitingSince: undefined };
  switch (event.type) {
    case 'key':
      if (event.name === 'ctrl+c') effects.push({ run: 'quit' });
      else s = { ...s, queue: [...s.queue, { name: event.name, text: event.text }] };
      break;
    case 'keys':
      s = registered(s, event.screen, event.bindings);
      break;
    case 'wake':
      // The expiry check above has let the held keys go, if their time has come.
      break;
    case 'planned':
      s = { ...s, overlay: { kind: 'confirm', plan: event.plan } };
      break;
    case 'unplanned':
      s = { ...s, message: { text: event.error, tone: 'error' } };
      break;
    case 'ran':
      s = { ...s, overlay: undefined, message: { text: event.outcome, tone: 'success' } };
      break;
    case 'failed':
      s = {
        ...s,
        overlay: undefined,
        message: { text: `${event.plan.command}: ${event.error}`, tone: 'error' },
      };
      break;
  }
  return { state: drain(s, now, effects), effects };
}

/** Bindings compared by what the footer shows of them. */
function signature(bindings: readonly KeyBinding[]): string {
  return bindings.map((b) => `${b.keys.join(' ')}:${b.label}:${b.helpOnly ? 'h' : ''}`).join('|');
}

function registered(s: InputState, screen: Screen, bindings: readonly KeyBinding[]): InputState {
  const footer = signature(bindings) === signature(s.footer) ? s.footer : bindings;
  // Keys drawn from an older state of the screen do not end the wait: theirs may be stale.
  const waitingSince = screen === s.stack.at(-1) ? undefined : s.waitingSince;
  return { ...s, screenKeys: bindings, footer, waitingSince };
}

/** Handles held keys in order, until one changes the screen (keys to an overlay never wait). */
function drain(state: InputState, now: number, effects: Effect[]): InputState {
  let s = state;
  while (s.queue.length && (s.waitingSince === undefined || s.overlay)) {
    const [key, ...rest] = s.queue;
    s = handle({ ...s, queue: rest }, key!, now, effects);
  }
  return s;
}

function handle(s: InputState, key: KeyPress, now: number, effects: Effect[]): InputState {
  const o = s.overlay;
  const close = { ...s, overlay: undefined };
  const name = key.name;
  switch (o?.kind) {
    case undefined: {
      const binding = findBinding(s.screenKeys, name) ?? findBinding(globalKeys(s, s.screenKeys), name);
      const quiet = s.message ? { ...s, message: undefined } : s;
      return binding ? carryOut(quiet, binding.does, now, effects) : quiet;
    }
    case 'prompt': {
      const { request } = o;
      if (name === 'esc') return carryOut(close, request.onCancel ?? [], now, effects);
      if (name === 'enter') {
        const answer = [request.onSubmit(o.value)].flat();
        const refusal = answer.find((i) => i.do === 'refuse');
        if (refusal) return { ...s, overlay: { ...o, error: refusal.error } };
        return carryOut(close, answer, now, effects);
      }
      if (name === 'tab') {
        const first = request.suggest?.(o.value)[0];
        return first ? { ...s, overlay: { ...o, value: first, error: undefined } } : s;
      }
      if (name !== 'backspace' && !key.text) return s;
      const value = name === 'backspace' ? o.value.slice(0, -1) : o.value + key.text;
      return carryOut(
        { ...s, overlay: { ...o, value, error: undefined } },
        request.onChange?.(value) ?? [],
        now,
        effects,
      );
    }
    case 'confirm':
      if (name === 'y' || name === 'Y') {
        effects.push({ run: 'action', plan: o.plan });
        return { ...s, overlay: { kind: 'running', plan: o.plan } };
      }
      if (name === 'n' || name === 'N' || name === 'esc')
        return { ...close, message: { text: 'cancelled', tone: 'info' } };
      return s;
    case 'choice': {
      const option = o.request.options.find((opt) => opt.key === name);
      if (option) return carryOut(close, option.does, now, effects);
      return name === 'esc' ? close : s;
    }
    case 'running':
      return s;
    case 'help':
      return name === 'esc' || name === '?' || name === 'q' ? close : s;
  }
}

function carryOut(state: InputState, intents: Intents, now: number, effects: Effect[]): InputState {
  return [intents].flat().reduce((s, intent) => carryOutOne(s, intent, now, effects), state);
}

function carryOutOne(s: InputState, intent: Intent, now: number, effects: Effect[]): InputState {
  const restack = (stack: readonly Screen[]): InputState => {
    effects.push({ run: 'wake', at: now + screenWaitMs });
    return { ...s, stack, waitingSince: now };
  };
  switch (intent.do) {
    case 'push':
      return restack([...s.stack, intent.screen]);
    case 'jump':
      return restack(intent.screen.kind === 'overview' ? [intent.screen] : [overviewScreen, intent.screen]);
    case 'pop':
      return s.stack.length > 1 ? restack(s.stack.slice(0, -1)) : s;
    case 'update': {
      const current = s.stack.at(-1)!;
      const change = typeof intent.patch === 'function' ? intent.patch(current) : intent.patch;
      return restack([...s.stack.slice(0, -1), { ...current, ...change } as Screen]);
    }
    case 'namespace':
      return { ...s, namespace: intent.namespace };
    case 'prompt':
      return {
        ...s,
        overlay: { kind: 'prompt', request: intent.request, value: intent.request.initial ?? '' },
      };
    case 'refuse':
      return { ...s, message: { text: intent.error, tone: 'error' } };
    case 'choose':
      return { ...s, overlay: { kind: 'choice', request: intent.request } };
    case 'propose':
      effects.push({ run: 'plan', make: intent.plan });
      return s;
    case 'help':
      return { ...s, overlay: { kind: 'help', screenKeys: s.screenKeys } };
    case 'quit':
      effects.push({ run: 'quit' });
      return s;
  }
}
