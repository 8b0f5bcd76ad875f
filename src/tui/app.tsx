// The TUI's root: the screen stack, the namespace, the overlays (prompt, choice,
// confirmation, help) and the one keyboard handler. Keys go to an open overlay first, then to
// the current screen's bindings, then to the global ones (`:`, `?`, esc, ctrl+c). State the
// handler reads lives in refs as well as in React state, because several keys can arrive in
// one chunk (a paste, tmux send-keys) before React has drawn the first one's effect.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { resolveResourceName } from '../api/resources.js';
import type { ActionPlan } from './actions/cluster-actions.js';
import { expandHome, manifestPathSuggestions } from './actions/manifest-path-completion.js';
import { Footer } from './components/footer.js';
import { Header } from './components/header.js';
import { findBinding, type KeyBinding, keyName, keysLabel } from './components/keys.js';
import {
  ChoiceBox,
  ConfirmBox,
  HelpScreen,
  type Overlay,
  overlayHeight,
  PromptBar,
} from './components/overlays.js';
import { podMarks } from './components/pod-status-colors.js';
import { listScreen, overviewScreen, type Screen } from './navigation.js';
import { type Tone, TuiContext, type TuiController, type TuiServices } from './tui-context.js';
import { LogsView } from './views/logs-view.js';
import { OverviewView } from './views/overview-view.js';
import { ResourceListView, scopeLabel } from './views/resource-list-view.js';
import { TextView } from './views/text-view.js';

export interface AppProps {
  services: TuiServices;
  /** A fixed terminal size (tests, benchmarks); by default the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  namespace?: string;
  screen?: Screen;
}

/** What `:` understands besides resource names, listed by tab completion. */
const commandWords = [
  'pods',
  'deploy',
  'rs',
  'sts',
  'ds',
  'jobs',
  'cronjobs',
  'nodes',
  'svc',
  'ep',
  'ing',
  'events',
  'ns',
  'cm',
  'secrets',
  'leases',
  'hpa',
  'overview',
  'quit',
];

function crumb(screen: Screen): string {
  switch (screen.kind) {
    case 'overview':
      return 'overview';
    case 'list':
      return `${screen.resource.plural}${scopeLabel(screen.scope)}${screen.filter ? ` /${screen.filter}` : ''}`;
    case 'text':
      return `${screen.mode} ${screen.target.resource.singular}/${screen.target.name}`;
    case 'logs':
      return `logs ${screen.target.name}`;
  }
}

function ScreenView({ screen, width, height }: { screen: Screen; width: number; height: number }) {
  switch (screen.kind) {
    case 'overview':
      return <OverviewView screen={screen} width={width} height={height} />;
    case 'list':
      return <ResourceListView screen={screen} width={width} height={height} />;
    case 'text':
      return <TextView screen={screen} width={width} height={height} />;
    case 'logs':
      return <LogsView screen={screen} width={width} height={height} />;
  }
}

/**
 * The outcome line(s) above the footer: one for most, several for an apply that failed (one per
 * refused field at its file:line), cut to `max` lines so the screen above keeps its room.
 */
function messageLines(message: { text: string; tone: Tone } | undefined, max: number): string[] {
  if (!message) return [' '];
  const mark = message.tone === 'error' ? '✗' : message.tone === 'success' ? '✓' : '·';
  const lines = `${mark} ${message.text}`.split('\n');
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max - 1), `… ${lines.length - max + 1} more line(s)`];
}

/** React state with a ref that is current the moment it is set. */
function useRefState<T>(initial: T): [T, { readonly current: T }, (next: T | ((old: T) => T)) => void] {
  const [state, setState] = useState(initial);
  const ref = useRef(initial);
  const set = useRef((next: T | ((old: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (old: T) => T)(ref.current) : next;
    setState(ref.current);
  }).current;
  return [state, ref, set];
}

export function App({ services, size, namespace: initialNamespace, screen }: AppProps) {
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const app = useApp();
  const snapshot = useSyncExternalStore(services.source.subscribe, services.source.getSnapshot);
  const [stack, stackRef, setStackNow] = useRefState<Screen[]>([screen ?? overviewScreen]);
  // Keys that arrive while a new screen is on its way (a paste, tmux send-keys: `:nodes⏎/web⏎`)
  // wait for it to register its keys, instead of meeting the old screen's bindings.
  const pendingKeys = useRef<[name: string, text: string][]>([]);
  const awaitingScreen = useRef(false);
  const screenChanges = useRef(0);
  const dispatchNowRef = useRef<(name: string, text: string) => void>(() => {});
  const drainKeys = useRef(() => {
    while (!awaitingScreen.current && pendingKeys.current.length) {
      const [name, text] = pendingKeys.current.shift()!;
      dispatchNowRef.current(name, text);
    }
  }).current;
  const setStack = useRef((next: Screen[] | ((old: Screen[]) => Screen[])) => {
    const before = stackRef.current;
    const wasAwaiting = awaitingScreen.current;
    // Set first: Ink may render (and the new screen register its keys) inside setStackNow.
    awaitingScreen.current = true;
    setStackNow(next);
    if (stackRef.current === before) {
      awaitingScreen.current = wasAwaiting;
      return;
    }
    const change = ++screenChanges.current;
    // Should a screen never register (it does, after each render), keys still flow.
    setTimeout(() => {
      if (change !== screenChanges.current || !awaitingScreen.current) return;
      awaitingScreen.current = false;
      drainKeys();
    }, 250);
  }).current;
  const [namespace, namespaceRef, setNamespace] = useRefState<string | undefined>(initialNamespace);
  const [overlay, overlayRef, setOverlay] = useRefState<Overlay | undefined>(undefined);
  const [message, messageRef, setMessage] = useRefState<{ text: string; tone: Tone } | undefined>(undefined);
  const keysRef = useRef<readonly KeyBinding[]>([]);
  const [footerKeys, setFooterKeys] = useState<readonly KeyBinding[]>([]);
  const footerSignature = useRef('');

  /** `:` — a resource list (`:pods kube-system`), `:ns NAME`, `:overview`, `:q`. */
  const runCommand = (text: string): string | undefined => {
    const [word = '', arg] = text.trim().split(/\s+/);
    if (!word) return undefined;
    if (['q', 'q!', 'quit', 'exit'].includes(word)) {
      app.exit();
      return undefined;
    }
    if (['o', 'overview', 'home'].includes(word)) {
      setStack([overviewScreen]);
      return undefined;
    }
    if (['ns', 'namespace', 'namespaces'].includes(word) && arg) {
      setNamespace(arg === 'all' ? undefined : arg);
      return undefined;
    }
    const resource = resolveResourceName(word);
    if (!resource) return `unknown resource "${word}": try ${commandWords.slice(0, 10).join(', ')}`;
    if (arg) setNamespace(arg === 'all' ? undefined : arg);
    setStack([overviewScreen, listScreen(resource)]);
    return undefined;
  };
  const openCommandPrompt = () =>
    setOverlay({
      kind: 'prompt',
      value: '',
      request: {
        label: ':',
        onSubmit: runCommand,
        suggest: (v) => commandWords.filter((w) => w.startsWith(v.trim()) && w !== v.trim()),
      },
    });

  /** `a`: a manifest file or folder (tab completes), then the confirmation listing its objects. */
  const openApplyPrompt = () => {
    // The prompt asks for suggestions on every frame; the folder is read once per typed value.
    let listed: { typed: string; paths: string[] } | undefined;
    setOverlay({
      kind: 'prompt',
      value: '',
      request: {
        label: 'apply -f ',
        onSubmit: (value) => {
          const path = value.trim();
          if (!path) return 'type a manifest file or folder (tab completes)';
          controller.propose(() => services.actions.apply(expandHome(path), namespaceRef.current));
          return undefined;
        },
        suggest: (v) => {
          if (listed?.typed !== v)
            listed = { typed: v, paths: manifestPathSuggestions(v.trim(), process.cwd()) };
          return listed.paths;
        },
      },
    });
  };

  // Screens keep this across renders: it changes only with the services or the namespace.
  const controller = useMemo<TuiController>(
    () => ({
      services,
      namespace,
      setNamespace,
      push: (s) => setStack((old) => [...old, s]),
      jump: (s) => setStack([overviewScreen, s]),
      pop: () => setStack((old) => (old.length > 1 ? old.slice(0, -1) : old)),
      update: (patch) =>
        setStack((old) => {
          const current = old.at(-1)!;
          const change = typeof patch === 'function' ? patch(current) : patch;
          return [...old.slice(0, -1), { ...current, ...change } as Screen];
        }),
      prompt: (request) => setOverlay({ kind: 'prompt', request, value: request.initial ?? '' }),
      choose: (request) => setOverlay({ kind: 'choice', request }),
      propose: (make) => {
        const failed = (e: Error) => setMessage({ text: e.message, tone: 'error' });
        try {
          const plan = make();
          // A plan made at once is shown at once: keys typed in the same chunk (`y`) meet it.
          if (plan instanceof Promise) plan.then((p) => setOverlay({ kind: 'confirm', plan: p }), failed);
          else setOverlay({ kind: 'confirm', plan });
        } catch (e) {
          failed(e as Error);
        }
      },
      registerKeys: (bindings) => {
        keysRef.current = bindings;
        if (awaitingScreen.current) {
          awaitingScreen.current = false;
          // In a layout effect: the keys run before the next frame is drawn.
          queueMicrotask(drainKeys);
        }
        const signature = bindings
          .filter((b) => !b.helpOnly)
          .map((b) => `${keysLabel(b)} ${b.label}`)
          .join('|');
        if (signature !== footerSignature.current) {
          footerSignature.current = signature;
          setFooterKeys(bindings);
        }
      },
    }),
    [services, namespace, setNamespace, setOverlay, setStack, setMessage, drainKeys],
  );

  const back: KeyBinding[] =
    stack.length > 1 ? [{ keys: ['esc'], label: 'back', run: () => controller.pop() }] : [];
  const help: KeyBinding = { keys: ['?'], label: 'help', run: () => setOverlay({ kind: 'help' }) };
  const global: KeyBinding[] = [
    ...back,
    help,
    { keys: [':'], label: 'jump to', run: openCommandPrompt },
    { keys: ['a'], label: 'apply a file', run: openApplyPrompt },
    { keys: ['ctrl+c'], label: 'quit (or :q)', run: () => app.exit() },
  ];
  const globalRef = useRef(global);
  globalRef.current = global;

  /**
   * One key press from the terminal, by name (see keyName); `text` is what it types into a
   * prompt. Handled now, or after the keys already waiting for a screen on its way.
   */
  function dispatch(name: string, text: string) {
    if (name === 'ctrl+c') {
      app.exit();
      return;
    }
    if (pendingKeys.current.length || (awaitingScreen.current && !overlayRef.current)) {
      pendingKeys.current.push([name, text]);
      return;
    }
    dispatchNow(name, text);
  }
  dispatchNowRef.current = dispatchNow;

  function dispatchNow(name: string, text: string) {
    const o = overlayRef.current;
    if (messageRef.current && !o) setMessage(undefined);
    if (o?.kind === 'prompt') {
      const { request } = o;
      if (name === 'esc') {
        setOverlay(undefined);
        request.onCancel?.();
      } else if (name === 'enter') {
        setOverlay(undefined);
        const error = request.onSubmit(o.value);
        if (error) setOverlay({ ...o, error });
      } else if (name === 'tab') {
        const first = request.suggest?.(o.value)[0];
        if (first) setOverlay({ ...o, value: first, error: undefined });
      } else if (name === 'backspace' || text) {
        const value = name === 'backspace' ? o.value.slice(0, -1) : o.value + text;
        setOverlay({ ...o, value, error: undefined });
        request.onChange?.(value);
      }
      return;
    }
    if (o?.kind === 'confirm') {
      if (name === 'y' || name === 'Y') runPlan(o.plan);
      else if (name === 'n' || name === 'N' || name === 'esc') {
        setOverlay(undefined);
        setMessage({ text: 'cancelled', tone: 'info' });
      }
      return;
    }
    if (o?.kind === 'choice') {
      const option = o.request.options.find((opt) => opt.key === name);
      if (name === 'esc' || option) setOverlay(undefined);
      option?.choose();
      return;
    }
    if (o?.kind === 'running') return;
    if (o?.kind === 'help') {
      if (name === 'esc' || name === '?' || name === 'q') setOverlay(undefined);
      return;
    }
    (findBinding(keysRef.current, name) ?? findBinding(globalRef.current, name))?.run();
  }

  useInput((input, key) => {
    // Ink hands over a chunk of plain text as one event; keys typed faster than a frame (tmux
    // send-keys, a paste into a prompt) are taken one by one, as if typed.
    if (input.length > 1 && !key.ctrl && !key.meta) {
      for (const ch of input)
        dispatch(ch === '\r' ? 'enter' : ch === '\t' ? 'tab' : ch, ch === '\r' || ch === '\t' ? '' : ch);
      return;
    }
    const name = keyName(input, key);
    const typed =
      !key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow;
    dispatch(name, typed ? input : '');
  });

  function runPlan(plan: ActionPlan) {
    setOverlay({ kind: 'running', plan });
    plan.run().then(
      (outcome) => {
        setOverlay(undefined);
        setMessage({ text: outcome, tone: 'success' });
      },
      (e: Error) => {
        setOverlay(undefined);
        setMessage({ text: `${plan.command}: ${e.message}`, tone: 'error' });
      },
    );
  }

  const current = stack.at(-1)!;
  const below = overlayHeight(overlay);
  const shown = messageLines(message, Math.max(1, Math.floor(rows / 4)));
  const bodyHeight = Math.max(3, rows - 2 - shown.length - below);
  const breadcrumb = stack.map(crumb).join(' › ');
  return (
    <TuiContext.Provider value={controller}>
      <Box flexDirection="column" width={columns} height={rows}>
        <Header
          clusterLabel={services.clusterLabel}
          namespace={namespace}
          connection={snapshot.connection}
          now={snapshot.now}
          breadcrumb={breadcrumb}
          width={columns}
        />
        <Box height={bodyHeight} flexDirection="column">
          {overlay?.kind === 'help' ? (
            <HelpScreen legend={podMarks} screen={keysRef.current} global={global} height={bodyHeight} />
          ) : (
            <ScreenView key={stack.length} screen={current} width={columns} height={bodyHeight} />
          )}
        </Box>
        {overlay?.kind === 'prompt' ? <PromptBar overlay={overlay} width={columns} /> : null}
        {overlay?.kind === 'confirm' ? <ConfirmBox plan={overlay.plan} width={columns} /> : null}
        {overlay?.kind === 'choice' ? <ChoiceBox request={overlay.request} width={columns} /> : null}
        {overlay?.kind === 'running' ? (
          <Text color="yellow" wrap="truncate-end">
            running: {overlay.plan.command}
          </Text>
        ) : null}
        {shown.map((line, i) => (
          <Text
            // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one message, in order
            key={i}
            wrap="truncate-end"
            color={message?.tone === 'error' ? 'red' : message?.tone === 'success' ? 'green' : 'gray'}
          >
            {line}
          </Text>
        ))}
        {/* Back and help first: when the line is cut at the terminal's width, those two still show. */}
        <Footer
          bindings={[
            ...(footerKeys.some((b) => b.keys.includes('esc')) ? [] : back),
            help,
            ...footerKeys,
            ...global.slice(back.length + 1),
          ]}
        />
      </Box>
    </TuiContext.Provider>
  );
}
