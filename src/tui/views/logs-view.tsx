// A container's log through the API server (pods/log, following), k9s-style: the newest lines
// stay in view while following; scrolling up stops following, `f` or G resumes; `w` wraps
// long lines; `/` searches with n / N; `c` picks another container.

import { Box, Text } from 'ink';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { simulatedNodeLabel } from '../../api/node-labels.js';
import { displayLines, matchesNote, TextPager } from '../components/text-pager.js';
import { clamp } from '../components/window.js';
import type { LogSource, LogState } from '../data/pod-log-stream.js';
import { choose, update } from '../input/intents.js';
import type { KeyBinding } from '../input/key-bindings.js';
import type { ScreenOf, ScreenProps } from '../navigation.js';
import { useScreenKeys, useSnapshot, useTui } from '../tui-context.js';
import { findObject } from './object-text.js';
import { pagerKeys } from './text-view.js';

type LogsScreen = ScreenOf<'logs'>;

const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';
const noLog: LogState = { lines: [], phase: 'connecting', dropped: 0 };
const noSubscription = () => () => {};

/** kubectl's choice without -c: the default-container annotation, else the first container. */
export function defaultContainer(pod: Pod | undefined): string | undefined {
  const names = (pod?.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod?.metadata?.annotations?.[defaultContainerAnnotation];
  return annotated && names.includes(annotated) ? annotated : names[0];
}

export function LogsView({ screen, width, height }: ScreenProps<LogsScreen>) {
  const tui = useTui();
  const snapshot = useSnapshot();
  const { target } = screen;
  const pod = findObject(snapshot, target) as Pod | undefined;
  const container = screen.container ?? defaultContainer(pod);
  const [source, setSource] = useState<LogSource | undefined>(undefined);
  const namespace = target.namespace ?? 'default';
  useEffect(() => {
    // Wait for the pod to be known when it has several containers, so the right one is asked for.
    if (!container && (pod?.spec?.containers?.length ?? 0) > 1) return;
    const s = tui.services.openLogs({ namespace, pod: target.name, container });
    setSource(s);
    return () => s.stop();
  }, [tui.services, namespace, target.name, container, pod?.spec?.containers?.length]);
  const state = useSyncExternalStore(source?.subscribe ?? noSubscription, source?.getState ?? (() => noLog));
  const bodyHeight = height - 1;
  const lines = useMemo(
    () => displayLines(state.lines, width, screen.wrap),
    [state.lines, width, screen.wrap],
  );
  const end = Math.max(0, lines.length - bodyHeight);
  const top = screen.follow ? end : clamp(screen.top, 0, end);

  const containers = (pod?.spec?.containers ?? []).map((c) => c.name);
  const bindings: KeyBinding[] = [
    ...pagerKeys(
      {
        top,
        by: (delta) =>
          update((s) => {
            const l = s as LogsScreen;
            const t = clamp((l.follow ? end : clamp(l.top, 0, end)) + delta, 0, end);
            return { top: t, follow: t >= end };
          }),
        to: (line) => {
          const t = clamp(line, 0, end);
          return update({ top: t, follow: t >= end });
        },
      },
      lines,
      bodyHeight,
      screen.search,
    ),
    {
      keys: ['f'],
      label: screen.follow ? 'stop following' : 'follow',
      does: update({ follow: !screen.follow, top }),
    },
    { keys: ['w'], label: screen.wrap ? 'no wrap' : 'wrap', does: update({ wrap: !screen.wrap }) },
  ];
  if (containers.length > 1)
    bindings.push({
      keys: ['c'],
      label: 'container',
      does: choose({
        title: 'Which container?  (esc: cancel)',
        options: containers.slice(0, 9).map((name, i) => ({
          key: String(i + 1),
          label: name,
          does: update({ container: name, top: 0, follow: true }),
        })),
      }),
    });
  useScreenKeys(screen, bindings);

  const simulated = snapshot.nodes.find((n) => n.metadata?.name === pod?.spec?.nodeName)?.metadata?.labels?.[
    simulatedNodeLabel
  ];
  const phase =
    state.phase === 'failed' ? (
      <Text color="red">
        {' '}
        {state.error}
        {simulated !== undefined ? ' (a SIMULATED pod runs no process, so it writes no log)' : ''}
      </Text>
    ) : (
      <Text dimColor>
        {' '}
        {state.phase === 'streaming' ? (screen.follow ? 'following' : 'paused (f: follow)') : state.phase}
      </Text>
    );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          logs pod/{target.name} -n {namespace}
          {container ? ` -c ${container}` : ''}
        </Text>
        {phase}
        <Text dimColor>
          {' '}
          · {state.lines.length} line(s){state.dropped ? ` (${state.dropped} older dropped)` : ''}
          {screen.wrap ? ' · wrapped' : ''}
          {matchesNote(lines, screen.search)}
        </Text>
      </Text>
      <TextPager lines={lines} start={top} height={bodyHeight} search={screen.search} />
    </Box>
  );
}
