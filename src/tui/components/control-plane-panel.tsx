// The control plane's components and their health as /readyz reports them (the API server
// itself is healthy when it answers at all), cluster DNS as a kubectl user checks it, and the
// timing profile behind the countdowns.
import { Text } from 'ink';
import { selectorFromSet } from '../../api/labels.js';
import { isPodActive, isPodReady } from '../../api/pod-state.js';
import type { ClusterSnapshot } from '../data/cluster-snapshot.js';
import { TitledPanel } from './panel.js';

/** readyz check names as a learner knows the components. */
const componentNames: Record<string, string> = {
  ping: 'apiserver',
  store: 'store (sqlite)',
  scheduler: 'scheduler',
  'controller-manager': 'controller-manager',
};

type Row = { name: string; state: string; ok: boolean | undefined };

/**
 * Cluster DNS is not an API server check but an add-on: the `kube-dns` Service in kube-system
 * (CoreDNS keeps that name) and the pods it selects, healthy when at least one is Ready.
 * Shown short ("ok 1/2": ready of its pods; "none": no such Service): the panel is narrow.
 */
function dnsRow(snapshot: ClusterSnapshot): Row {
  const service = snapshot.services.find(
    (s) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === 'kube-dns',
  );
  if (!service) return { name: 'DNS', state: 'none', ok: undefined };
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0)
    return { name: 'DNS', state: 'no pods', ok: undefined };
  const chosen = selectorFromSet(selector);
  const pods = snapshot.pods.filter(
    (p) => p.metadata?.namespace === 'kube-system' && isPodActive(p) && chosen.matches(p.metadata?.labels),
  );
  const ready = pods.filter(isPodReady).length;
  return {
    name: 'DNS',
    state: `${ready ? 'ok' : 'down'} ${ready}/${pods.length}`,
    ok: ready > 0,
  };
}

export function controlPlaneRows(snapshot: ClusterSnapshot): Row[] {
  const h = snapshot.health;
  if (!h) return [{ name: 'apiserver', state: 'asking /readyz…', ok: undefined }];
  if (h.error && h.checks.length === 0) return [{ name: 'apiserver', state: 'unreachable', ok: false }];
  return [
    ...h.checks.map((c) => ({
      name: componentNames[c.name] ?? c.name,
      state: h.error ? 'unknown (no answer)' : c.ok ? 'ok' : 'failing',
      ok: h.error ? undefined : c.ok,
    })),
    dnsRow(snapshot),
  ];
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
