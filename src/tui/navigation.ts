// The screens of the TUI and the stack they live on (k9s-style: `:pods` pushes a list, Enter
// drills down, esc pops). Each entry keeps its own selection, filter and scroll position, so
// going back lands where you were.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { ResourceInfo } from '../api/resources.js';

export interface ObjectRef {
  resource: ResourceInfo;
  namespace?: string;
  name: string;
}

/** What a drilled-down list is narrowed to. */
export type ListScope =
  | { by: 'node'; node: string }
  | { by: 'selector'; namespace: string; selector: LabelSelector; owner: string };

export type TextMode = 'describe' | 'yaml' | 'explain';

export type Screen =
  | { kind: 'overview'; focus: 'nodes' | 'deployments'; node: number; deployment: number }
  | {
      kind: 'list';
      resource: ResourceInfo;
      filter: string;
      /** The selected row's key (namespace/name): rows move as the cluster changes, the selection follows the object. */
      selectedKey?: string;
      selected: number;
      scope?: ListScope;
    }
  | { kind: 'text'; mode: TextMode; target: ObjectRef; scroll: number; search: string }
  | {
      kind: 'logs';
      target: ObjectRef;
      container?: string;
      /** First line shown while not following. */
      top: number;
      /** Keep the newest lines in view as they arrive. */
      follow: boolean;
      wrap: boolean;
      search: string;
    };

/** The state of one kind of screen. */
export type ScreenOf<K extends Screen['kind']> = Extract<Screen, { kind: K }>;

/** What a screen's view draws from: its state on the stack and the room it has. */
export interface ScreenProps<S extends Screen = Screen> {
  screen: S;
  width: number;
  height: number;
}

export const overviewScreen: Screen = { kind: 'overview', focus: 'nodes', node: 0, deployment: 0 };

export function listScreen(resource: ResourceInfo, scope?: ListScope): Screen {
  return { kind: 'list', resource, filter: '', selected: 0, scope };
}

export function textScreen(mode: TextMode, target: ObjectRef): Screen {
  return { kind: 'text', mode, target, scroll: 0, search: '' };
}

export function logsScreen(target: ObjectRef, container?: string): Screen {
  return { kind: 'logs', target, container, top: 0, follow: true, wrap: false, search: '' };
}

export function refKey(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}
