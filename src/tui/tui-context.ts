// What every screen can reach: cluster state, the services behind actions and logs, the
// namespace, and where to register its keys. Provided by App; the screens are plain
// components that read it with useTui() and ask for changes through their keys' intents.
import { createContext, useContext, useLayoutEffect, useSyncExternalStore } from 'react';
import type { ClusterActions } from './actions/cluster-actions.js';
import type { ClusterSnapshot } from './data/cluster-snapshot.js';
import type { ClusterSource } from './data/cluster-source.js';
import type { LogSource, PodLogTarget } from './data/pod-log-stream.js';
import type { KeyBinding } from './input/key-bindings.js';
import type { Screen } from './navigation.js';

export interface TuiServices {
  source: ClusterSource;
  actions: ClusterActions;
  openLogs(target: PodLogTarget): LogSource;
  /** Shown in the header: "tuitest (sim)". */
  clusterLabel: string;
}

export interface Tui {
  services: TuiServices;
  /** undefined: all namespaces. */
  namespace?: string;
  /** The current screen's keys, drawn from `screen`, its state on the stack; App dispatches to them. */
  registerKeys(screen: Screen, bindings: readonly KeyBinding[]): void;
}

export const TuiContext = createContext<Tui | undefined>(undefined);

export function useTui(): Tui {
  const tui = useContext(TuiContext);
  if (!tui) throw new Error('useTui() outside <App>');
  return tui;
}

export function useSnapshot(): ClusterSnapshot {
  const { source } = useTui().services;
  return useSyncExternalStore(source.subscribe, source.getSnapshot);
}

/** Makes `bindings` the current screen's keys (after every render, so they are drawn from fresh state). */
export function useScreenKeys(screen: Screen, bindings: readonly KeyBinding[]): void {
  const { registerKeys } = useTui();
  useLayoutEffect(() => registerKeys(screen, bindings));
}
