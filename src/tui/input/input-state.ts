// Everything the keyboard can change, in one value: the screen stack, the namespace, what is
// open over the screen, the last outcome, and the keys of the screen on show. The input
// machine makes a new one for every key; App draws it.
import type { ActionPlan } from '../actions/cluster-actions.js';
import { overviewScreen, type Screen } from '../navigation.js';
import type { ChoiceRequest, PromptRequest } from './intents.js';
import type { KeyBinding } from './key-bindings.js';
import type { KeyPress } from './terminal-keys.js';

/** What takes the keyboard over the current screen. */
export type Overlay =
  | { kind: 'prompt'; request: PromptRequest; value: string; error?: string }
  | { kind: 'confirm'; plan: ActionPlan }
  | { kind: 'running'; plan: ActionPlan }
  | { kind: 'choice'; request: ChoiceRequest }
  /** The screen's keys as they were when help opened (the screen is not drawn under it). */
  | { kind: 'help'; screenKeys: readonly KeyBinding[] };

export type Tone = 'info' | 'success' | 'error';

export interface Message {
  text: string;
  tone: Tone;
}

export interface InputState {
  /** Never empty; the overview at the bottom once anything is jumped to. */
  stack: readonly Screen[];
  /** undefined: all namespaces. */
  namespace?: string;
  overlay?: Overlay;
  message?: Message;
  /** The screen's keys as the footer shows them: replaced only when a label changes. */
  footer: readonly KeyBinding[];
  /** The keys the current screen registered last (see the 'keys' event). */
  screenKeys: readonly KeyBinding[];
  /** Since when keys wait for a new screen to register its own (see the machine). */
  waitingSince?: number;
  /** Keys held while waiting, in the order they came. */
  queue: readonly KeyPress[];
  /** Completions for the apply prompt (the folder read is the caller's; tests give a list). */
  manifestPaths(typed: string): string[];
}

/** Fields App draws: a new state that keeps all of them draws nothing new. */
export const drawnFields = ['stack', 'namespace', 'overlay', 'message', 'footer'] as const;

export function initialInputState(o: {
  screen?: Screen;
  namespace?: string;
  manifestPaths: (typed: string) => string[];
}): InputState {
  return {
    stack: [o.screen ?? overviewScreen],
    namespace: o.namespace,
    footer: [],
    screenKeys: [],
    queue: [],
    manifestPaths: o.manifestPaths,
  };
}
