// A node as a card: condition colour, cordon and SIMULATED badges, heartbeat (or, once it
// stops, the countdowns to NotReady and to eviction), cpu and memory gauges, and the node's
// pods drawn inside it, so a rescheduling is seen as pods leaving one card for another.
// The card's text is composed here as strings, and the card is a memoised component of
// those strings: a frame redraws only the cards whose text changed.
import { Text } from 'ink';
import { memo } from 'react';
import type { NodeCondition, NodeSummary } from '../data/node-summary.js';
import { gaugeLine, percent } from './gauge.js';
import { type Color, dim, fitWidth, paint } from './paint.js';
import { Panel, type TitlePart, titleLine } from './panel.js';
import { podLook } from './pod-status-colors.js';

/** Borders plus the status line and the two gauges; pods take the lines beyond. */
const fixedLines = 5;
const minChipWidth = 22;

export function nodeCardHeight(podLines: number): number {
  return fixedLines + podLines;
}

export const conditionColor: Record<NodeCondition, Color> = {
  Ready: 'green',
  NotReady: 'red',
  Unknown: 'yellow',
};

const seconds = (ms: number) => `${Math.max(0, Math.ceil(ms / 1000))}s`;

/**
 * The three lines under the title. Normally heartbeat and the two gauges; once the heartbeat
 * stops, the countdowns take the first two lines and the gauges shrink to one, so the card
 * keeps its height and nothing else on the screen moves.
 */
function bodyLines(node: NodeSummary, width: number): string[] {
  const pods = `pods ${node.pods.length}/${node.podCapacity}`;
  const s = node.silence;
  if (!s) {
    const heartbeat =
      node.heartbeatAgeMs === undefined
        ? 'no heartbeat yet'
        : `heartbeat ${Math.floor(node.heartbeatAgeMs / 1000)}s ago`;
    return [
      dim(fitWidth(`${pods}, ${heartbeat}`, width)),
      gaugeLine('cpu', node.cpu, width),
      gaugeLine('mem', node.memory, width),
    ];
  }
  const silent = `✗ silent ${Math.floor(s.silentMs / 1000)}s`;
  const notReady = s.notReadyInMs > 0 ? `NotReady in ${seconds(s.notReadyInMs)}` : 'NotReady';
  const eviction = s.evictionInMs > 0 ? `pods evicted in ${seconds(s.evictionInMs)}` : 'pods evicted';
  const tainted = s.tainted ? ' (tainted)' : '';
  const load = `cpu ${percent(node.cpu.requested, node.cpu.allocatable)}%, mem ${percent(node.memory.requested, node.memory.allocatable)}%, ${pods}`;
  const first = `${silent} · ${notReady}`;
  const second = `${eviction}${tainted}`;
  return [
    first.length > width
      ? paint('red', fitWidth(first, width))
      : `${paint('red', silent, { bold: true })} · ${paint(s.notReadyInMs > 0 ? 'yellow' : 'red', notReady)}${' '.repeat(width - first.length)}`,
    second.length > width
      ? paint('red', fitWidth(second, width))
      : `${paint(s.evictionInMs > 0 ? 'yellow' : 'red', eviction)}${dim(tainted)}${' '.repeat(width - second.length)}`,
    dim(fitWidth(load, width)),
  ];
}

function podLines(node: NodeSummary, width: number, lines: number, now: number): string[] {
  if (lines <= 0) return [];
  if (node.pods.length === 0) return [dim(fitWidth('no pods', width))];
  const perLine = Math.max(1, Math.floor(width / minChipWidth));
  const chipWidth = Math.floor(width / perLine);
  const room = perLine * lines;
  const overflow = node.pods.length > room;
  const chips = (overflow ? node.pods.slice(0, room - 1) : node.pods).map((pod) => {
    const { color, glyph } = podLook(pod, now);
    return paint(color, fitWidth(`${glyph} ${pod.metadata?.name ?? ''}`.slice(0, chipWidth - 1), chipWidth));
  });
  if (overflow) chips.push(dim(fitWidth(`+${node.pods.length - (room - 1)} more`, chipWidth)));
  const out: string[] = [];
  for (let i = 0; i < chips.length; i += perLine) out.push(chips.slice(i, i + perLine).join(''));
  return out;
}

export interface NodeCardText {
  top: string;
  body: string;
  borderColor: Color;
}

/** Everything a card shows, as strings: what NodeCard draws and compares between frames. */
export function nodeCardText(
  node: NodeSummary,
  o: { width: number; podLines: number; selected: boolean; now: number },
): NodeCardText {
  const title: TitlePart[] = [
    { text: node.name, bold: true, inverse: o.selected },
    { text: ` ● ${node.condition}`, color: conditionColor[node.condition] },
  ];
  if (node.cordoned) title.push({ text: ' cordoned', color: 'magenta' });
  if (node.simulated) title.push({ text: ' SIMULATED', color: 'cyan' });
  const inner = o.width - 4;
  const borderColor: Color = o.selected
    ? 'cyan'
    : node.condition === 'Ready'
      ? 'gray'
      : conditionColor[node.condition];
  return {
    top: titleLine(title, o.width, borderColor),
    body: [...bodyLines(node, inner), ...podLines(node, inner, o.podLines, o.now)].join('\n'),
    borderColor,
  };
}

export interface NodeCardProps extends NodeCardText {
  width: number;
  podLines: number;
}

export const NodeCard = memo(function NodeCard({ top, body, borderColor, width, podLines }: NodeCardProps) {
  return (
    <Panel top={top} width={width} height={nodeCardHeight(podLines)} borderColor={borderColor}>
      <Text>{body}</Text>
    </Panel>
  );
});
