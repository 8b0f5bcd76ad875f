// Draws the whole TUI (App) from fixture snapshots with ink-testing-library, and types keys
// (its stdout is 100 columns wide, so screens are at most that wide)
// into it. Actions are planned against a client whose server does not exist: a test can read
// a confirmation's command line, and running it shows the connection error as a user would.
import { render } from 'ink-testing-library';
import { ApiClient } from '../../src/client/rest-client.js';
import type { ClusterRecord } from '../../src/provision/cluster-records.js';
import { ClusterActions } from '../../src/tui/actions/cluster-actions.js';
import { App } from '../../src/tui/app.js';
import type { ClusterSnapshot } from '../../src/tui/data/cluster-snapshot.js';
import { SnapshotSource } from '../../src/tui/data/cluster-source.js';
import type { LogSource, LogState } from '../../src/tui/data/pod-log-stream.js';
import type { Screen } from '../../src/tui/navigation.js';
import type { TuiServices } from '../../src/tui/tui-context.js';

/** Keys as a terminal sends them. */
export const keys = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  pageDown: '\u001B[6~',
  enter: '\r',
  esc: '\u001B',
  tab: '\t',
  backspace: '\u007F',
  ctrlD: '\u0004',
} as const;

/** A log that holds fixed lines (the logs screen's source in tests). */
export class FixedLog implements LogSource {
  stopped = false;
  constructor(private readonly state: LogState) {}
  subscribe = () => () => {};
  getState = () => this.state;
  stop(): void {
    this.stopped = true;
  }
}

export interface RenderAppOptions {
  columns?: number;
  rows?: number;
  screen?: Screen;
  namespace?: string;
  log?: LogState;
  /** A cluster record, so node fail/recover can be planned. */
  cluster?: ClusterRecord;
}

/** The services App runs on, over fixture snapshots and a client whose server does not exist. */
export function fixtureServices(
  snapshot: ClusterSnapshot,
  o: Pick<RenderAppOptions, 'log' | 'cluster'> = {},
) {
  const source = new SnapshotSource(snapshot);
  const client = new ApiClient({
    contextName: 'fixture',
    clusterName: 'fixture',
    userName: 'fixture',
    // Port 9 (discard) on loopback: nothing listens, so every request fails at once.
    server: 'https://127.0.0.1:9',
    insecureSkipTLSVerify: true,
    namespace: 'default',
  });
  const opened: { namespace: string; pod: string; container?: string }[] = [];
  const log = new FixedLog(o.log ?? { lines: [], phase: 'streaming', dropped: 0 });
  const services: TuiServices = {
    source,
    actions: new ClusterActions(client, o.cluster),
    openLogs: (target) => {
      opened.push(target);
      return log;
    },
    clusterLabel: 'fixture (sim, SIMULATED nodes)',
  };
  return { services, source, client, opened, log };
}

/** Types each argument as one key press and waits for the frame it causes. */
export function keyTyper(stdin: { write(data: string): void }) {
  return async (...sequence: string[]) => {
    for (const k of sequence) {
      stdin.write(k);
      // A lone ESC is held back briefly by Ink to tell it from an escape sequence.
      await new Promise((r) => setTimeout(r, k === keys.esc ? 60 : 15));
    }
  };
}

export function renderApp(snapshot: ClusterSnapshot, o: RenderAppOptions = {}) {
  const { services, source, client, opened, log } = fixtureServices(snapshot, o);
  const element = (size: { columns: number; rows: number }) => (
    <App services={services} size={size} screen={o.screen} namespace={o.namespace} />
  );
  const ui = render(element({ columns: o.columns ?? 100, rows: o.rows ?? 40 }));
  const press = keyTyper(ui.stdin);
  const frame = () => ui.lastFrame() ?? '';
  return {
    ...ui,
    element,
    source,
    press,
    frame,
    opened,
    log,
    close: () => {
      ui.unmount();
      client.close();
    },
  };
}
