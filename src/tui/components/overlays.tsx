// What takes the keyboard over the current screen: the `:` / `/` / value prompt, the
// confirmation that shows the equivalent CLI command, a choice (node failure mode), an action
// running, and the help listing every key.
import { Box, Text } from 'ink';
import type { ActionPlan } from '../actions/cluster-actions.js';
import type { Overlay } from '../input/input-state.js';
import type { ChoiceRequest } from '../input/intents.js';
import { type KeyBinding, keysLabel } from '../input/key-bindings.js';

/** Lines an overlay takes below the screen's body (help replaces the body instead). */
export function overlayHeight(overlay: Overlay | undefined): number {
  if (!overlay || overlay.kind === 'help') return 0;
  if (overlay.kind === 'prompt') return 2;
  if (overlay.kind === 'confirm') return 5;
  if (overlay.kind === 'running') return 1;
  return overlay.request.options.length + 3;
}

function PromptBar({ overlay, width }: { overlay: Extract<Overlay, { kind: 'prompt' }>; width: number }) {
  const suggestions = overlay.request.suggest?.(overlay.value) ?? [];
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text color="cyan" bold>
          {overlay.request.label}
        </Text>
        {overlay.value}
        <Text inverse> </Text>
      </Text>
      <Text wrap="truncate-end" color={overlay.error ? 'red' : 'gray'}>
        {overlay.error ??
          (suggestions.length ? `tab: ${suggestions.slice(0, 12).join('  ')}` : 'enter: ok  esc: cancel')}
      </Text>
    </Box>
  );
}

function ConfirmBox({ plan, width }: { plan: ActionPlan; width: number }) {
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor="yellow"
      width={width}
      paddingX={1}
      height={5}
    >
      <Text wrap="truncate-end" bold>
        {plan.title}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>same as: </Text>
        <Text color="cyan">{plan.command}</Text>
      </Text>
      <Text>
        <Text bold color="yellow">
          y
        </Text>{' '}
        run it{'   '}
        <Text bold>n</Text>/<Text bold>esc</Text> cancel
      </Text>
    </Box>
  );
}

function ChoiceBox({ request, width }: { request: ChoiceRequest; width: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" width={width} paddingX={1}>
      <Text bold wrap="truncate-end">
        {request.title}
      </Text>
      {request.options.map((o) => (
        <Text key={o.key} wrap="truncate-end">
          <Text color="yellow" bold>
            {o.key}
          </Text>{' '}
          {o.label}
        </Text>
      ))}
    </Box>
  );
}

/** What an overlay draws below the screen (help replaces the screen instead: HelpScreen). */
export function OverlayBar({ overlay, width }: { overlay: Overlay | undefined; width: number }) {
  switch (overlay?.kind) {
    case 'prompt':
      return <PromptBar overlay={overlay} width={width} />;
    case 'confirm':
      return <ConfirmBox plan={overlay.plan} width={width} />;
    case 'choice':
      return <ChoiceBox request={overlay.request} width={width} />;
    case 'running':
      return (
        <Text color="yellow" wrap="truncate-end">
          running: {overlay.plan.command}
        </Text>
      );
    default:
      return null;
  }
}

export function HelpScreen({
  legend,
  screen,
  global,
  height,
}: {
  /** What the marks on this screen mean. */
  legend: string;
  screen: readonly KeyBinding[];
  global: readonly KeyBinding[];
  height: number;
}) {
  const row = (b: KeyBinding) => (
    <Text key={`${b.keys.join(' ')}:${b.label}`} wrap="truncate-end">
      <Text color="cyan" bold>
        {keysLabel(b).padEnd(14)}
      </Text>
      {b.label}
    </Text>
  );
  const rows = [...screen, ...global];
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>Keys on this screen (esc or ? closes)</Text>
      {screen.map(row)}
      <Text bold>Everywhere</Text>
      {global.map(row)}
      <Text bold>Pods</Text>
      <Text>{legend}</Text>
      {rows.length + 4 > height ? <Text dimColor>(enlarge the terminal to see every key)</Text> : null}
    </Box>
  );
}
