// A k9s-style resource list (`:pods`, `:deploy`, ...): kubectl's columns, windowed to the
// terminal, live as the cluster changes, with `/` to filter, Enter to drill down (a node's or
// a workload's pods, a namespace) and the selected object's inspect and action keys.

import { Box, Text } from 'ink';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { useEffect, useMemo, useRef } from 'react';
import type { KubeObject } from '../../api/kube-object.js';
import { type ResourceInfo, resourceByKind } from '../../api/resources.js';
import { DataTable } from '../components/data-table.js';
import { clamp, windowStart } from '../components/window.js';
import { resourceOfKind } from '../data/cluster-model.js';
import { type Intents, jump, prompt, push, setNamespace, update } from '../input/intents.js';
import type { KeyBinding } from '../input/key-bindings.js';
import {
  type ListScope,
  listScreen,
  refKey,
  type ScreenOf,
  type ScreenProps,
  textScreen,
} from '../navigation.js';
import { useScreenKeys, useSnapshot, useTui } from '../tui-context.js';
import { actionKeys, inspectKeys, refOf } from './object-keys.js';
import { filterRows, listedObjects, RowPrinter } from './resource-rows.js';

type ListScreen = ScreenOf<'list'>;

const selectorKinds = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/** Where Enter leads from an object of this kind, if anywhere but describe. */
function drillDown(resource: ResourceInfo, obj: KubeObject): Intents | undefined {
  const pods = resourceOfKind('Pod');
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace ?? '';
  const bySelector = (selector: LabelSelector) =>
    push(listScreen(pods, { by: 'selector', namespace, selector, owner: `${resource.singular}/${name}` }));
  if (resource.kind === 'Node') return push(listScreen(pods, { by: 'node', node: name }));
  if (selectorKinds.has(resource.kind)) {
    const selector = (obj as { spec?: { selector?: LabelSelector } }).spec?.selector;
    return selector ? bySelector(selector) : undefined;
  }
  if (resource.kind === 'Service') {
    const selector = (obj as { spec?: { selector?: Record<string, string> } }).spec?.selector;
    return selector ? bySelector({ matchLabels: selector }) : undefined;
  }
  if (resource.kind === 'Namespace') return [setNamespace(name), jump(listScreen(pods))];
  if (resource.kind === 'Event') {
    const involved = (obj as Event).involvedObject;
    const target = involved && resourceByKind(involved.apiVersion ?? 'v1', involved.kind ?? '');
    if (target && involved.name)
      return push(
        textScreen('describe', { resource: target, namespace: involved.namespace, name: involved.name }),
      );
  }
  return undefined;
}

export function scopeLabel(scope: ListScope | undefined): string {
  if (!scope) return '';
  return scope.by === 'node' ? ` on ${scope.node}` : ` of ${scope.owner}`;
}

export function ResourceListView({ screen, width, height }: ScreenProps<ListScreen>) {
  const tui = useTui();
  const snapshot = useSnapshot();
  const { resource } = screen;
  const objects = snapshot.objects.get(resource.plural);
  useEffect(() => tui.services.source.watch(resource), [tui.services.source, resource]);
  const printer = useMemo(() => new RowPrinter(resource, tui.namespace), [resource, tui.namespace]);
  const listed = useMemo(
    () => listedObjects(resource, objects ?? [], tui.namespace, screen.scope),
    [resource, objects, tui.namespace, screen.scope],
  );
  // With a filter every row must be printed to match against; without one, only the visible ones.
  const filterNow = screen.filter ? snapshot.now : 0;
  const filtered = useMemo(
    () => filterRows(printer, listed, screen.filter, filterNow),
    [printer, listed, screen.filter, filterNow],
  );
  // Follow the selected object when rows move; fall back to the same position when it is gone.
  const indexIn = (s: ListScreen) => {
    const byKey = s.selectedKey
      ? filtered.findIndex((o) => refKey(o.metadata?.namespace, o.metadata?.name) === s.selectedKey)
      : -1;
    return clamp(byKey >= 0 ? byKey : s.selected, 0, Math.max(0, filtered.length - 1));
  };
  const selected = indexIn(screen);
  const obj = filtered[selected];
  const lastStart = useRef(0);
  const tableHeight = height - 1;
  const pageRows = Math.max(1, tableHeight - 1);
  const keyAt = (i: number) => {
    const o = filtered[i];
    return o && refKey(o.metadata?.namespace, o.metadata?.name);
  };
  const last = Math.max(0, filtered.length - 1);
  const select = (index: number) => {
    const i = clamp(index, 0, last);
    return update({ selected: i, selectedKey: keyAt(i) });
  };
  const move = (delta: number) =>
    update((s) => {
      const i = clamp(indexIn(s as ListScreen) + delta, 0, last);
      return { selected: i, selectedKey: keyAt(i) };
    });

  const bindings: KeyBinding[] = [
    { keys: ['up'], label: 'up', does: move(-1), helpOnly: true },
    { keys: ['down'], label: 'down', does: move(1), helpOnly: true },
    { keys: ['pageup'], label: 'page up', does: move(-pageRows), helpOnly: true },
    { keys: ['pagedown'], label: 'page down', does: move(pageRows), helpOnly: true },
    { keys: ['home', 'g'], label: 'first', does: select(0), helpOnly: true },
    { keys: ['end', 'G'], label: 'last', does: select(last), helpOnly: true },
    {
      keys: ['/'],
      label: 'filter',
      does: prompt({
        label: '/',
        initial: screen.filter,
        onChange: (filter) => update({ filter, selected: 0, selectedKey: undefined }),
        onSubmit: () => [],
        onCancel: update({ filter: screen.filter }),
      }),
    },
  ];
  if (screen.filter)
    bindings.unshift({
      keys: ['esc'],
      label: 'clear filter',
      does: update({ filter: '', selectedKey: undefined }),
    });
  if (obj) {
    const drill = drillDown(resource, obj);
    const ref = refOf(resource, obj);
    bindings.push({
      keys: ['enter'],
      label: drill ? (resource.kind === 'Namespace' ? 'use namespace' : 'drill down') : 'describe',
      does: drill ?? push(textScreen('describe', ref)),
    });
    bindings.push(...inspectKeys(ref), ...actionKeys(resource, obj));
  }
  useScreenKeys(screen, bindings);

  const start = windowStart(selected, filtered.length, pageRows, lastStart.current);
  lastStart.current = start;
  const rows = filtered.slice(start, start + pageRows).map((o) => printer.row(o, snapshot.now));
  const title = `${resource.plural}${scopeLabel(screen.scope)}`;
  const count =
    objects === undefined
      ? 'listing…'
      : `${filtered.length}${screen.filter ? ` matching /${screen.filter}` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          {title}
        </Text>
        <Text dimColor>
          {' '}
          ({count}
          {filtered.length > pageRows
            ? `, ${start + 1}-${Math.min(filtered.length, start + pageRows)} shown`
            : ''}
          )
        </Text>
      </Text>
      <DataTable
        columns={printer.columns}
        rows={rows}
        selected={selected - start}
        width={width}
        height={tableHeight}
      />
    </Box>
  );
}
