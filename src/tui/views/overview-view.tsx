// The overview: control plane and deployments on top, the nodes as cards with their pods in
// the middle, events and (room for) traffic at the bottom. Arrows move between node cards;
// tab moves the focus to the deployments panel and back; the keys of whatever is selected
// act on it.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { ControlPlanePanel } from '../components/control-plane-panel.js';
import { DeploymentsPanel } from '../components/deployments-panel.js';
import { EventStream } from '../components/event-stream.js';
import { NodeCard, nodeCardHeight, nodeCardText } from '../components/node-card.js';
import { TrafficPanel } from '../components/traffic-panel.js';
import { clamp } from '../components/window.js';
import { resourceOfKind } from '../data/cluster-model.js';
import { summarizeDeployments } from '../data/deployment-summary.js';
import { type NodeSummary, summarizeNodes } from '../data/node-summary.js';
import { push, update } from '../input/intents.js';
import type { KeyBinding } from '../input/key-bindings.js';
import { listScreen, type ScreenOf, type ScreenProps } from '../navigation.js';
import { useScreenKeys, useSnapshot, useTui } from '../tui-context.js';
import { actionKeys, inspectKeys, refOf } from './object-keys.js';

type OverviewScreen = ScreenOf<'overview'>;

const minCardWidth = 38;

export interface OverviewLayout {
  topHeight: number;
  bottomHeight: number;
  nodesHeight: number;
  perRow: number;
  cardWidth: number;
  podLines: number;
  /** Card rows that fit. */
  visibleRows: number;
}

/**
 * Splits the screen: fixed panels top and bottom, the rest for node cards. Cards get as many
 * pod lines as lets every node fit; when even one pod line each is too many, the card rows
 * are windowed around the selected node.
 */
export function overviewLayout(width: number, height: number, nodes: readonly NodeSummary[]): OverviewLayout {
  const topHeight = height >= 24 ? 9 : 7;
  const bottomHeight = height >= 36 ? 8 : height >= 24 ? 6 : 0;
  const nodesHeight = Math.max(nodeCardHeight(1), height - topHeight - bottomHeight);
  const perRow = Math.max(1, Math.floor(width / minCardWidth));
  const cardWidth = Math.floor(width / perRow);
  const rows = Math.max(1, Math.ceil(nodes.length / perRow));
  const chipsPerLine = Math.max(1, Math.floor((cardWidth - 4) / 22));
  const mostPods = Math.max(1, ...nodes.map((n) => n.pods.length));
  const wanted = Math.ceil(mostPods / chipsPerLine);
  const fitting = Math.floor(nodesHeight / rows) - nodeCardHeight(0);
  const podLines = clamp(Math.min(wanted, fitting), 1, Math.max(1, wanted));
  let visibleRows = Math.max(1, Math.floor(nodesHeight / nodeCardHeight(podLines)));
  // Rows that do not fit leave a line saying so.
  if (visibleRows < rows) visibleRows = Math.max(1, Math.floor((nodesHeight - 1) / nodeCardHeight(podLines)));
  return { topHeight, bottomHeight, nodesHeight, perRow, cardWidth, podLines, visibleRows };
}

export function OverviewView({ screen, width, height }: ScreenProps<OverviewScreen>) {
  const tui = useTui();
  const snapshot = useSnapshot();
  const nodes = useMemo(() => summarizeNodes(snapshot), [snapshot]);
  const deployments = useMemo(() => summarizeDeployments(snapshot, tui.namespace), [snapshot, tui.namespace]);
  const shownNodes = useMemo(
    () =>
      tui.namespace === undefined
        ? nodes
        : nodes.map((n) => ({ ...n, pods: n.pods.filter((p) => p.metadata?.namespace === tui.namespace) })),
    [nodes, tui.namespace],
  );
  const layout = overviewLayout(width, height, shownNodes);
  const nodeIndex = clamp(screen.node, 0, Math.max(0, shownNodes.length - 1));
  const deploymentIndex = clamp(screen.deployment, 0, Math.max(0, deployments.length - 1));
  const focusNodes = screen.focus === 'nodes' || deployments.length === 0;
  const selectedNode = shownNodes[nodeIndex];
  const selectedDeployment = deployments[deploymentIndex];

  // Moves are relative to the screen as it is when the key is handled, so keys that arrive
  // together add up.
  const step = (field: 'node' | 'deployment', delta: number, count: number) =>
    update((s) => {
      const last = Math.max(0, count - 1);
      return { [field]: clamp(clamp((s as OverviewScreen)[field], 0, last) + delta, 0, last) };
    });
  const bindings: KeyBinding[] = [];
  if (focusNodes) {
    const n = shownNodes.length;
    bindings.push(
      { keys: ['left'], label: 'previous node', does: step('node', -1, n), helpOnly: true },
      { keys: ['right'], label: 'next node', does: step('node', 1, n), helpOnly: true },
      { keys: ['up'], label: 'node above', does: step('node', -layout.perRow, n), helpOnly: true },
      { keys: ['down'], label: 'node below', does: step('node', layout.perRow, n), helpOnly: true },
    );
    if (selectedNode) {
      const nodeInfo = resourceOfKind('Node');
      bindings.push(
        {
          keys: ['enter'],
          label: 'pods on node',
          does: push(listScreen(resourceOfKind('Pod'), { by: 'node', node: selectedNode.name })),
        },
        ...inspectKeys(refOf(nodeInfo, selectedNode.node)),
        ...actionKeys(nodeInfo, selectedNode.node),
      );
    }
  } else if (selectedDeployment) {
    const d = selectedDeployment.deployment;
    const deploymentInfo = resourceOfKind('Deployment');
    bindings.push(
      {
        keys: ['up'],
        label: 'previous deployment',
        does: step('deployment', -1, deployments.length),
        helpOnly: true,
      },
      {
        keys: ['down'],
        label: 'next deployment',
        does: step('deployment', 1, deployments.length),
        helpOnly: true,
      },
      {
        keys: ['enter'],
        label: 'its pods',
        does: push(
          listScreen(resourceOfKind('Pod'), {
            by: 'selector',
            namespace: d.metadata?.namespace ?? '',
            selector: d.spec?.selector ?? {},
            owner: `deployment/${d.metadata?.name}`,
          }),
        ),
      },
      ...inspectKeys(refOf(deploymentInfo, d)),
      ...actionKeys(deploymentInfo, d),
    );
  }
  if (deployments.length > 0)
    bindings.unshift({
      keys: ['tab'],
      label: focusNodes ? 'to deployments' : 'to nodes',
      does: update({ focus: focusNodes ? 'deployments' : 'nodes' }),
    });
  useScreenKeys(screen, bindings);

  const selectedRow = Math.floor(nodeIndex / layout.perRow);
  const totalRows = Math.ceil(shownNodes.length / layout.perRow);
  const firstRow = clamp(
    selectedRow - layout.visibleRows + 1,
    0,
    Math.max(0, totalRows - layout.visibleRows),
  );
  const rows: NodeSummary[][] = [];
  for (let r = firstRow; r < Math.min(totalRows, firstRow + layout.visibleRows); r++)
    rows.push(shownNodes.slice(r * layout.perRow, (r + 1) * layout.perRow));
  const hiddenNodes = shownNodes.length - rows.reduce((s, r) => s + r.length, 0);
  const controlWidth = Math.min(40, Math.max(34, Math.floor(width / 4)));
  const eventsWidth = Math.max(20, width - Math.min(40, Math.floor(width / 3)));

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box height={layout.topHeight}>
        <ControlPlanePanel snapshot={snapshot} width={controlWidth} height={layout.topHeight} />
        <DeploymentsPanel
          deployments={deployments}
          width={width - controlWidth}
          height={layout.topHeight}
          selected={focusNodes ? undefined : deploymentIndex}
          showNamespace={tui.namespace === undefined}
        />
      </Box>
      <Box flexDirection="column" height={layout.nodesHeight}>
        {shownNodes.length === 0 ? (
          <Text dimColor>{snapshot.synced ? 'no nodes have joined this cluster yet' : 'listing nodes…'}</Text>
        ) : null}
        {rows.map((row) => (
          <Box key={row[0]!.name}>
            {row.map((n) => (
              <NodeCard
                key={n.name}
                {...nodeCardText(n, {
                  width: layout.cardWidth,
                  podLines: layout.podLines,
                  selected: focusNodes && n === selectedNode,
                  now: snapshot.now,
                })}
                width={layout.cardWidth}
                podLines={layout.podLines}
              />
            ))}
          </Box>
        ))}
        {hiddenNodes > 0 ? (
          <Text dimColor>{hiddenNodes} more node(s): ↑↓ to scroll, or :nodes for the list</Text>
        ) : null}
      </Box>
      {layout.bottomHeight > 0 ? (
        <Box height={layout.bottomHeight}>
          <EventStream
            events={
              tui.namespace === undefined
                ? snapshot.events
                : snapshot.events.filter((e) => e.metadata?.namespace === tui.namespace)
            }
            width={eventsWidth}
            height={layout.bottomHeight}
            now={snapshot.now}
          />
          <TrafficPanel width={width - eventsWidth} height={layout.bottomHeight} />
        </Box>
      ) : null}
    </Box>
  );
}
