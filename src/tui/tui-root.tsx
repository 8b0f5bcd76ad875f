// What `kubelab` draws first: the app on a cluster that exists, or — when there is none —
// the offer to start one and its progress per machine, and then the app on the cluster it
// made. The start screen has its own keys; once the app is up, App takes the keyboard.
import { useApp, useInput, useWindowSize } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ProgressSink } from '../provision/bootstrap/progress-reporter.js';
import { App } from './app.js';
import { ProvisionProgress } from './data/provision-progress.js';
import type { TuiServices } from './tui-context.js';
import { ClusterStartView, type StartPhase } from './views/cluster-start-view.js';

/** Starts the default cluster, reporting to `progress`, and opens the services on it. */
export type ClusterStarter = (progress: ProgressSink) => Promise<TuiServices>;

/** Why the TUI closed without showing a cluster. */
export class ClusterNotStarted extends Error {
  constructor(
    message: string,
    /** declined: the user said no; interrupted: ctrl+c while it was starting; failed: `up` failed. */
    readonly reason: 'declined' | 'interrupted' | 'failed',
  ) {
    super(message);
  }
}

export interface TuiRootProps {
  /** The cluster to show; undefined: offer to start one with `starter`. */
  services?: TuiServices;
  starter?: ClusterStarter;
  namespace?: string;
  size?: { columns: number; rows: number };
  now?: () => number;
  /** Told why, just before the TUI closes without having shown a cluster. */
  onNotStarted(reason: ClusterNotStarted): void;
}

export function TuiRoot({
  services: given,
  starter,
  namespace,
  size,
  now = Date.now,
  onNotStarted,
}: TuiRootProps) {
  const app = useApp();
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const [services, setServices] = useState(given);
  const [phase, setPhase] = useState<StartPhase>('offer');
  const [error, setError] = useState<string>();
  const [startedAt, setStartedAt] = useState<number>();
  // Redraws twice a second while something runs, so elapsed times move between reports.
  const [, setTick] = useState(0);
  const progress = useRef<ProvisionProgress>(undefined);
  progress.current ??= new ProvisionProgress(now);
  const snapshot = useSyncExternalStore(progress.current.subscribe, progress.current.getSnapshot);

  useEffect(() => {
    if (phase !== 'starting') return;
    const timer = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, [phase]);

  const close = (reason: ClusterNotStarted) => {
    onNotStarted(reason);
    app.exit();
  };

  const start = () => {
    if (!starter) return;
    setPhase('starting');
    setStartedAt(now());
    starter(progress.current!).then(
      (s) => {
        progress.current!.close();
        setServices(s);
      },
      (e: Error) => {
        progress.current!.close();
        setError(e.message);
        setPhase('failed');
      },
    );
  };

  useInput(
    (input, key) => {
      const quit = input === 'q' || key.escape || (key.ctrl && input === 'c');
      if (phase === 'offer') {
        if (input === 'y' || input === 'Y' || key.return) start();
        else if (quit || input === 'n' || input === 'N')
          close(
            new ClusterNotStarted(
              'no cluster: start one with `kubelab up` (see `kubelab up --help`), or pass --kubeconfig FILE',
              'declined',
            ),
          );
      } else if (phase === 'starting' && key.ctrl && input === 'c') {
        close(
          new ClusterNotStarted(
            'stopped waiting for the cluster to start: what was made is kept; `kubelab up` resumes it, `kubelab down` removes it',
            'interrupted',
          ),
        );
      } else if (phase === 'failed' && quit) {
        close(new ClusterNotStarted(`kubelab up failed:\n${error ?? ''}`, 'failed'));
      }
    },
    { isActive: !services },
  );

  if (services) return <App services={services} namespace={namespace} size={size} />;
  return (
    <ClusterStartView
      phase={phase}
      progress={snapshot}
      startedAt={startedAt}
      now={now()}
      error={error}
      width={columns}
      height={rows}
    />
  );
}
