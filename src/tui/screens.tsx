// Every kind of screen the stack can hold, and for each the view that draws it and its
// breadcrumb. A new screen (or a panel with a screen of its own) adds its state to the Screen
// union in navigation.ts and a row here; the type makes a missing row a compile error.
import type { ReactElement } from 'react';
import type { Screen, ScreenOf, ScreenProps } from './navigation.js';
import { LogsView } from './views/logs-view.js';
import { OverviewView } from './views/overview-view.js';
import { ResourceListView, scopeLabel } from './views/resource-list-view.js';
import { TextView } from './views/text-view.js';

interface ScreenKind<S extends Screen> {
  View(props: ScreenProps<S>): ReactElement;
  crumb(screen: S): string;
}

const screenKinds: { [K in Screen['kind']]: ScreenKind<ScreenOf<K>> } = {
  overview: { View: OverviewView, crumb: () => 'overview' },
  list: {
    View: ResourceListView,
    crumb: (s) => `${s.resource.plural}${scopeLabel(s.scope)}${s.filter ? ` /${s.filter}` : ''}`,
  },
  text: { View: TextView, crumb: (s) => `${s.mode} ${s.target.resource.singular}/${s.target.name}` },
  logs: { View: LogsView, crumb: (s) => `logs ${s.target.name}` },
};

function kindOf<S extends Screen>(screen: S): ScreenKind<S> {
  return screenKinds[screen.kind] as unknown as ScreenKind<S>;
}

export function breadcrumb(stack: readonly Screen[]): string {
  return stack.map((s) => kindOf(s).crumb(s)).join(' › ');
}

export function ScreenView({ screen, width, height }: ScreenProps) {
  const { View } = kindOf(screen);
  return <View screen={screen} width={width} height={height} />;
}
