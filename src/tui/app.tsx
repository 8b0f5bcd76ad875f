// The TUI's root: it draws the input machine's state (input/) — the screen stack's top, what
// is open over it, the last outcome and the footer — and hands the screens the services and
// the place to register their keys. What a key does is decided in input/, not here.
import { Box, useWindowSize } from 'ink';
import { useMemo, useSyncExternalStore } from 'react';
import { type Clock, realClock } from '../client/clock.js';
import { Footer } from './components/footer.js';
import { Header } from './components/header.js';
import { messageLines, OutcomeMessage } from './components/outcome-message.js';
import { HelpScreen, OverlayBar, overlayHeight } from './components/overlays.js';
import { podMarks } from './components/pod-status-colors.js';
import { footerKeys, globalKeys } from './input/global-keys.js';
import { useInputRunner } from './input/use-input-runner.js';
import type { Screen } from './navigation.js';
import { breadcrumb, ScreenView } from './screens.js';
import { type Tui, TuiContext, type TuiServices } from './tui-context.js';

export interface AppProps {
  services: TuiServices;
  /** A fixed terminal size (tests, benchmarks); by default the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  namespace?: string;
  screen?: Screen;
  /** What times the wait for a new screen's keys (see input/input-machine.ts). */
  clock?: Clock;
}

export function App({ services, size, namespace, screen, clock = realClock }: AppProps) {
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const snapshot = useSyncExternalStore(services.source.subscribe, services.source.getSnapshot);
  const { state, registerKeys } = useInputRunner({ services, screen, namespace, clock });
  // Screens keep this across renders: it changes only with the services or the namespace.
  const tui = useMemo<Tui>(
    () => ({ services, namespace: state.namespace, registerKeys }),
    [services, state.namespace, registerKeys],
  );
  const { overlay, message, stack } = state;
  const shown = messageLines(message, Math.max(1, Math.floor(rows / 4)));
  const bodyHeight = Math.max(3, rows - 2 - shown.length - overlayHeight(overlay));
  return (
    <TuiContext.Provider value={tui}>
      <Box flexDirection="column" width={columns} height={rows}>
        <Header
          clusterLabel={services.clusterLabel}
          namespace={state.namespace}
          connection={snapshot.connection}
          now={snapshot.now}
          breadcrumb={breadcrumb(stack)}
          width={columns}
        />
        <Box height={bodyHeight} flexDirection="column">
          {overlay?.kind === 'help' ? (
            <HelpScreen
              legend={podMarks}
              screen={overlay.screenKeys}
              global={globalKeys(state, overlay.screenKeys)}
              height={bodyHeight}
            />
          ) : (
            <ScreenView key={stack.length} screen={stack.at(-1)!} width={columns} height={bodyHeight} />
          )}
        </Box>
        <OverlayBar overlay={overlay} width={columns} />
        <OutcomeMessage message={message} lines={shown} />
        <Footer bindings={footerKeys(state)} />
      </Box>
    </TuiContext.Provider>
  );
}
