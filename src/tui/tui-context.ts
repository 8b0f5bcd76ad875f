// What every screen can reach: cluster state, the services behind actions and logs, the
// terminal size, the namespace, and the app's navigation and dialogs. Provided by App; the
// screens are plain components that read it with useTui().
import { createContext, useContext, useLayoutEffect, useSyncExternalStore } from 'react';
import type { ActionPlan, ClusterActions } from './actions/cluster-actions.js';
import type { KeyBinding } from './components/keys.js';
import type { ClusterSnapshot } from './data/cluster-snapshot.js';
import type { ClusterSource } from './data/cluster-source.js';
import type { LogSource, PodLogTarget } from './data/pod-log-stream.js';
import type { Screen } from './navigation.js';

export interface TuiServices {
  source: ClusterSource;
  actions: ClusterActions;
  openLogs(target: PodLogTarget): LogSource;
  /** Shown in the header: "tuitest (sim)". */
  clusterLabel: string;
}

export type Tone = 'info' | 'success' | 'error';

export interface PromptRequest {
  /** Drawn before the input: ":", "/", "replicas for deployment web:". */
  label: string;
  initial?: string;
  /** Called on every edit (live filters). */
  onChange?(value: string): void;
  /** Enter. Returning a text keeps the prompt open and shows it as the error. */
  onSubmit(value: string): string | undefined;
  onCancel?(): void;
  /** Completions for what is typed so far, shown under the prompt; tab takes the first. */
  suggest?(value: string): string[];
}

export interface ChoiceRequest {
  title: string;
  options: { key: string; label: string; choose(): void }[];
}

export interface TuiController {
  services: TuiServices;
  /** undefined: all namespaces. */
  namespace?: string;
  setNamespace(namespace: string | undefined): void;
  push(screen: Screen): void;
  /** Replaces the whole stack (`:pods` from anywhere lands on overview > pods). */
  jump(screen: Screen): void;
  pop(): void;
  /**
   * Updates the current screen's state (selection, filter, scroll). Moves pass a function of
   * the screen as it is now, so keys that arrive together (held arrow, tmux send-keys) add up.
   */
  update(patch: Partial<Screen> | ((current: Screen) => Partial<Screen>)): void;
  prompt(request: PromptRequest): void;
  choose(request: ChoiceRequest): void;
  /**
   * Asks for confirmation and runs the plan; an error building it is shown instead. A plan
   * that needs I/O to be made (apply reads its files first) may come as a promise.
   */
  propose(plan: () => ActionPlan | Promise<ActionPlan>): void;
  /** The current screen registers its keys here; App dispatches to them. */
  registerKeys(bindings: readonly KeyBinding[]): void;
}

export const TuiContext = createContext<TuiController | undefined>(undefined);

export function useTui(): TuiController {
  const tui = useContext(TuiContext);
  if (!tui) throw new Error('useTui() outside <App>');
  return tui;
}

export function useSnapshot(): ClusterSnapshot {
  const { source } = useTui().services;
  return useSyncExternalStore(source.subscribe, source.getSnapshot);
}

/** Makes `bindings` the current screen's keys (after every render, so handlers see fresh state). */
export function useScreenKeys(bindings: readonly KeyBinding[]): void {
  const { registerKeys } = useTui();
  useLayoutEffect(() => registerKeys(bindings));
}
