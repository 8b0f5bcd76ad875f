// The control plane's components and their health as /readyz reports them (the API server
// itself is healthy when it answers at all), and the timing profile behind the countdowns.
import { Text } from 'ink';
import type { ClusterSnapshot } from '../data/cluster-snapshot.js';
import { TitledPanel } from './panel.js';

/** readyz check names as a learner knows the components. */
const componentNames: Record<string, string> = {
  ping: 'apiserver',
  store: 'store (sqlite)',
  scheduler: 'scheduler',
  'controller-manager': 'controller-manager',
};

export function controlPlaneRows(
  snapshot: ClusterSnapshot,
): { name: string; state: string; ok: boolean | undefined }[] {
  const h = snapshot.health;
  if (!h) return [{ name: 'apiserver', state: 'asking /readyz…', ok: undefined }];
  if (h.error && h.checks.length === 0) return [{ name: 'apiserver', state: 'unreachable', ok: false }];
  return h.checks.map((c) => ({
    name: componentNames[c.name] ?? c.name,
    state: h.error ? 'unknown (no answer)' : c.ok ? 'ok' : 'failing',
    ok: h.error ? undefined : c.ok,
  }));
}

export function ControlPlanePanel({
  snapshot,
  width,
  height,
}: {
  snapshot: ClusterSnapshot;
  width: number;
  height: number;
}) {
  const rows = controlPlaneRows(snapshot);
  const p = snapshot.profile;
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  return (
    <TitledPanel title={[{ text: 'Control plane', bold: true }]} width={width} height={height}>
      {rows.slice(0, Math.max(0, height - 4)).map((r) => (
        <Text key={r.name} wrap="truncate-end">
          <Text color={r.ok === undefined ? 'yellow' : r.ok ? 'green' : 'red'}>● </Text>
          {r.name.padEnd(nameWidth)} <Text dimColor={r.ok === true}>{r.state}</Text>
        </Text>
      ))}
      <Text wrap="truncate-end" dimColor>
        profile {p.name}
        {snapshot.profilePublished ? '' : ' (assumed)'} · lease {p.leaseRenewIntervalMs / 1000}s
      </Text>
      <Text wrap="truncate-end" dimColor>
        NotReady {p.nodeMonitorGracePeriodMs / 1000}s · evict +{p.defaultUnreachableTolerationSeconds}s
      </Text>
    </TitledPanel>
  );
}
