// Deployments and their rollouts: a bar of desired replicas split into the new ReplicaSet's
// pods (`#`, green) and old ReplicaSets' pods (`=`, yellow), the updated / ready / available
// counts, the revision, and each ReplicaSet's share while a rollout is under way. Each
// deployment is one precomposed string (see paint.ts).
import { Text } from 'ink';
import type { DeploymentSummary, RolloutPhase } from '../data/deployment-summary.js';
import { type Color, dim, fitWidth, paint } from './paint.js';
import { TitledPanel } from './panel.js';

const phaseLook: Record<RolloutPhase, { text: string; color: Color }> = {
  complete: { text: '✓ complete', color: 'green' },
  progressing: { text: '⟳ rolling out', color: 'yellow' },
  paused: { text: '‖ paused', color: 'magenta' },
  stalled: { text: '✗ stalled', color: 'red' },
};

function splitBar(d: DeploymentSummary, width: number): string {
  const oldPods = d.oldReplicaSets.reduce((s, r) => s + r.replicas, 0);
  const total = Math.max(d.desired, (d.newReplicaSet?.replicas ?? 0) + oldPods, 1);
  const cells = (n: number) => Math.round((width * n) / total);
  const fresh = Math.min(width, cells(d.newReplicaSet?.replicas ?? 0));
  const old = Math.min(width - fresh, cells(oldPods));
  return `[${paint('green', '#'.repeat(fresh))}${paint('yellow', '='.repeat(old))}${dim('.'.repeat(width - fresh - old))}]`;
}

/** Lines one deployment takes: its row, plus one for the ReplicaSet split while old pods remain. */
export function deploymentLines(d: DeploymentSummary): number {
  return d.oldReplicaSets.length > 0 ? 2 : 1;
}

function deploymentText(
  d: DeploymentSummary,
  width: number,
  selected: boolean,
  showNamespace: boolean,
): string {
  const look = phaseLook[d.phase];
  const nameWidth = Math.min(24, Math.max(8, Math.floor(width / 5)));
  const barWidth = Math.max(6, Math.min(20, Math.floor(width / 6)));
  const name = fitWidth(showNamespace ? `${d.namespace}/${d.name}` : d.name, nameWidth);
  const counts = `${d.updated}/${d.ready}/${d.available} of ${d.desired}`.padEnd(13);
  const row = `${paint(undefined, name, { bold: true, inverse: selected })} ${dim(`rev ${String(d.revision).padEnd(3)}`)}${splitBar(d, barWidth)} ${counts} ${paint(look.color, look.text)} ${dim(d.images.join(','))}`;
  if (d.oldReplicaSets.length === 0) return row;
  const fresh = d.newReplicaSet
    ? `new ${d.newReplicaSet.name} (rev ${d.newReplicaSet.revision}) ${d.newReplicaSet.ready}/${d.newReplicaSet.replicas}`
    : 'new (not created yet)';
  const old = d.oldReplicaSets
    .map((rs) => `  old ${rs.name} (rev ${rs.revision}) ${rs.ready}/${rs.replicas}`)
    .join('');
  return `${row}\n  ${paint('green', fresh)}${paint('yellow', old)}`;
}

export interface DeploymentsPanelProps {
  deployments: readonly DeploymentSummary[];
  width: number;
  height: number;
  /** Index of the selected deployment, when the panel has the focus. */
  selected?: number;
  showNamespace: boolean;
}

export function DeploymentsPanel({
  deployments,
  width,
  height,
  selected,
  showNamespace,
}: DeploymentsPanelProps) {
  const room = height - 2;
  // Keep the selected deployment in view: start the window so it fits.
  let first = 0;
  if (selected !== undefined) {
    let used = 0;
    for (let i = selected; i >= 0; i--) {
      used += deploymentLines(deployments[i]!);
      if (used > room) break;
      first = i;
    }
  }
  const rows: DeploymentSummary[] = [];
  let used = 0;
  for (const d of deployments.slice(first)) {
    if (used + deploymentLines(d) > room) break;
    rows.push(d);
    used += deploymentLines(d);
  }
  const hidden = deployments.length - rows.length;
  return (
    <TitledPanel
      title={[
        { text: 'Deployments', bold: true },
        { text: ' updated/ready/available · # new pods = old pods', color: 'gray' },
        ...(hidden > 0 ? [{ text: ` (${hidden} more)`, color: 'gray' as const }] : []),
      ]}
      width={width}
      height={height}
      borderColor={selected !== undefined ? 'cyan' : 'gray'}
    >
      {deployments.length === 0 ? (
        <Text dimColor>no deployments (try :deploy, or kubelab apply -f examples/web.yaml)</Text>
      ) : null}
      {rows.map((d, i) => (
        // Rows hold the user's image names: Ink cuts them at the panel's width.
        <Text key={d.key} wrap="truncate-end">
          {deploymentText(d, width - 4, selected === first + i, showNamespace)}
        </Text>
      ))}
    </TitledPanel>
  );
}
