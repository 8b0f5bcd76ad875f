// What a key, a prompt answer or a choice asks for, as data. Screens build these while they
// draw; the input machine carries them out. Nothing here does anything, so a screen's keys
// are plain values a test can read.
import type { ActionPlan, ClusterActions } from '../actions/cluster-actions.js';
import type { Screen } from '../navigation.js';

/** Makes an action's plan from the cluster's actions; may read files first (apply), hence the promise. */
export type PlanMaker = (actions: ClusterActions) => ActionPlan | Promise<ActionPlan>;

/** A change to the current screen's state, or a function of it, so keys that arrive together add up. */
export type ScreenPatch = Partial<Screen> | ((current: Screen) => Partial<Screen>);

export interface PromptRequest {
  /** Drawn before the input: ":", "/", "replicas for deployment web:". */
  label: string;
  initial?: string;
  /** On every edit (live filters). */
  onChange?(value: string): Intents;
  /** Enter. A refuse() among the answer keeps the prompt open with its error. */
  onSubmit(value: string): Intents;
  onCancel?: Intents;
  /** Completions for what is typed so far, shown under the prompt; tab takes the first. */
  suggest?(value: string): string[];
}

export interface ChoiceRequest {
  title: string;
  options: { key: string; label: string; does: Intents }[];
}

export type Intent =
  | { do: 'push'; screen: Screen }
  /** Replaces the whole stack: `:pods` from anywhere lands on overview › pods. */
  | { do: 'jump'; screen: Screen }
  | { do: 'pop' }
  | { do: 'update'; patch: ScreenPatch }
  /** undefined: all namespaces. */
  | { do: 'namespace'; namespace: string | undefined }
  | { do: 'prompt'; request: PromptRequest }
  | { do: 'refuse'; error: string }
  | { do: 'choose'; request: ChoiceRequest }
  /** Asks for confirmation and then runs the plan; an error making it is shown instead. */
  | { do: 'propose'; plan: PlanMaker }
  | { do: 'help' }
  | { do: 'quit' };

export type Intents = Intent | readonly Intent[];

export const push = (screen: Screen): Intent => ({ do: 'push', screen });
export const jump = (screen: Screen): Intent => ({ do: 'jump', screen });
export const update = (patch: ScreenPatch): Intent => ({ do: 'update', patch });
export const prompt = (request: PromptRequest): Intent => ({ do: 'prompt', request });
export const refuse = (error: string): Intent => ({ do: 'refuse', error });
export const choose = (request: ChoiceRequest): Intent => ({ do: 'choose', request });
export const propose = (plan: PlanMaker): Intent => ({ do: 'propose', plan });
export const setNamespace = (namespace: string | undefined): Intent => ({ do: 'namespace', namespace });
export const pop: Intent = { do: 'pop' };
