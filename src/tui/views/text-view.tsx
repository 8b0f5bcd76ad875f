// describe (d), YAML (y) and the scheduler's explanation (x) of one object, live: the text is
// made again from every snapshot, so a pod's status or a node's conditions change in place.
// Scrolls a screenful at a time; `/` searches, n / N jump between matches.
import { Box, Text } from 'ink';
import { useEffect, useMemo, useRef } from 'react';
import type { KubeObject } from '../../api/kube-object.js';
import { matchesNote, matchingLines, TextPager } from '../components/text-pager.js';
import { clamp } from '../components/window.js';
import { resourceOfKind } from '../data/cluster-model.js';
import { type Intent, prompt, update } from '../input/intents.js';
import type { KeyBinding } from '../input/key-bindings.js';
import type { ScreenOf, ScreenProps, TextMode } from '../navigation.js';
import { useScreenKeys, useSnapshot, useTui } from '../tui-context.js';
import { actionKeys, inspectKeys } from './object-keys.js';
import { findObject, objectText } from './object-text.js';

type TextScreen = ScreenOf<'text'>;

const modeTitle: Record<TextMode, string> = {
  describe: 'describe',
  yaml: 'yaml',
  explain: 'scheduler explanation',
};

/** Where a pager is and how to move it: by a number of lines, or to a line. */
export interface PagerPosition {
  top: number;
  by(delta: number): Intent;
  to(line: number): Intent;
}

/** Keys to scroll `lines` in a window of `height` and to search them (`search`: the current search); shared with the logs screen. */
export function pagerKeys(
  position: PagerPosition,
  lines: readonly string[],
  height: number,
  search: string,
): KeyBinding[] {
  const { top, by, to } = position;
  const last = Math.max(0, lines.length - height);
  const hits = matchingLines(lines, search);
  const keys: KeyBinding[] = [
    { keys: ['up'], label: 'scroll up', does: by(-1), helpOnly: true },
    { keys: ['down'], label: 'scroll down', does: by(1), helpOnly: true },
    { keys: ['pageup', 'b'], label: 'page up', does: by(-height), helpOnly: true },
    { keys: ['pagedown', ' '], label: 'page down', does: by(height), helpOnly: true },
    { keys: ['home', 'g'], label: 'top', does: to(0), helpOnly: true },
    { keys: ['end', 'G'], label: 'bottom', does: to(last), helpOnly: true },
    {
      keys: ['/'],
      label: 'search',
      does: prompt({
        label: 'search: ',
        initial: search,
        onSubmit: (value) => {
          const found = matchingLines(lines, value);
          const first = found.find((i) => i >= top) ?? found[0];
          return [update({ search: value }), ...(first === undefined ? [] : [to(first)])];
        },
      }),
    },
  ];
  if (hits.length) {
    keys.push(
      { keys: ['n'], label: 'next match', does: to(hits.find((i) => i > top) ?? hits[0]!) },
      {
        keys: ['N'],
        label: 'previous match',
        does: to([...hits].reverse().find((i) => i < top) ?? hits.at(-1)!),
      },
    );
  }
  return keys;
}

export function TextView({ screen, width, height }: ScreenProps<TextScreen>) {
  const tui = useTui();
  const snapshot = useSnapshot();
  const { target, mode } = screen;
  useEffect(() => {
    tui.services.source.watch(target.resource);
    if (target.resource.kind === 'Service' || target.resource.kind === 'Ingress')
      tui.services.source.watch(resourceOfKind('Endpoints'));
  }, [tui.services.source, target.resource]);
  const obj = findObject(snapshot, target);
  // Once gone, the last text stays on screen, marked as deleted, rather than vanishing under the reader.
  const lastSeen = useRef<KubeObject | undefined>(undefined);
  if (obj) lastSeen.current = obj;
  const shown = obj ?? lastSeen.current;
  const text = useMemo(() => (shown ? objectText(snapshot, shown, mode) : ''), [snapshot, shown, mode]);
  const lines = useMemo(() => text.replace(/\n$/, '').split('\n'), [text]);
  const bodyHeight = height - 1;
  const last = Math.max(0, lines.length - bodyHeight);
  const scroll = clamp(screen.scroll, 0, last);

  const bindings: KeyBinding[] = [
    ...pagerKeys(
      {
        top: scroll,
        by: (delta) =>
          update((s) => ({ scroll: clamp(clamp((s as TextScreen).scroll, 0, last) + delta, 0, last) })),
        to: (line) => update({ scroll: clamp(line, 0, last) }),
      },
      lines,
      bodyHeight,
      screen.search,
    ),
  ];
  if (shown) {
    bindings.push(...inspectKeys(target, mode));
    if (obj) bindings.push(...actionKeys(target.resource, obj));
  }
  useScreenKeys(screen, bindings);

  const name = `${target.resource.singular}/${target.name}${target.namespace ? ` -n ${target.namespace}` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          {modeTitle[mode]} {name}
        </Text>
        {!obj && shown ? <Text color="red"> (deleted)</Text> : null}
        {!shown ? (
          <Text dimColor> {snapshot.objects.has(target.resource.plural) ? 'not found' : 'loading…'}</Text>
        ) : null}
        <Text dimColor>
          {' '}
          lines {lines.length ? scroll + 1 : 0}-{Math.min(lines.length, scroll + bodyHeight)} of{' '}
          {lines.length}
          {matchesNote(lines, screen.search)}
        </Text>
      </Text>
      <TextPager lines={lines} start={scroll} height={bodyHeight} search={screen.search} />
    </Box>
  );
}
