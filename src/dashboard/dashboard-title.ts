// The wall's top line: which cluster (and its provider), whether its nodes are SIMULATED,
// whether the API server can be reached (and why not, while it cannot), the namespace shown,
// the time of the frame and how to quit. Segments with colours; the screen turns them into
// blessed tags.
import type { Node } from 'kubernetes-types/core/v1.js';
import { humanDuration } from '../api/table/human-duration.js';
import type { ConnectionStatus } from '../client/connection-tracker.js';
import { clockTime, isSimulatedNode } from './usage-history.js';

export type TitleColor = 'cyan' | 'green' | 'yellow' | 'red' | 'gray';

export interface TitleSegment {
  text: string;
  color?: TitleColor;
  bold?: boolean;
}

export interface TitleInput {
  /** The kubelab cluster's name, or the server URL for a --kubeconfig cluster. */
  cluster: string;
  /** The kubelab provider (sim, docker, ...) when the cluster is a kubelab one. */
  provider?: string;
  namespace?: string;
  connection: ConnectionStatus;
  nodes: readonly Node[];
  now: number;
}

/** "SIMULATED nodes", "SIMULATED: 2 of 3 nodes", or undefined when no node is simulated. */
export function simulatedText(provider: string | undefined, nodes: readonly Node[]): string | undefined {
  const simulated = nodes.filter(isSimulatedNode).length;
  if (simulated > 0 && simulated < nodes.length) return `SIMULATED: ${simulated} of ${nodes.length} nodes`;
  // The sim provider's nodes are all simulated, even before the first list arrives.
  if (simulated > 0 || provider === 'sim') return 'SIMULATED nodes';
  return undefined;
}

function connectionSegments(c: ConnectionStatus, now: number): TitleSegment[] {
  const since = humanDuration(now - c.since);
  switch (c.phase) {
    case 'connected':
      return [{ text: '● connected', color: 'green' }];
    case 'connecting':
      return [{ text: `● connecting (${since})`, color: 'yellow' }];
    case 'reconnecting':
      return [{ text: `● API back, resyncing (${since})`, color: 'yellow' }];
    case 'disconnected':
      return [
        { text: `● API unreachable, retrying (${since})`, color: 'red', bold: true },
        ...(c.error ? [{ text: c.error, color: 'red' as const }] : []),
      ];
  }
}

const separator: TitleSegment = { text: '│', color: 'gray' };

export function dashboardTitle(input: TitleInput): TitleSegment[] {
  const simulated = simulatedText(input.provider, input.nodes);
  const [state, ...why] = connectionSegments(input.connection, input.now);
  // The error is last: on a narrow terminal it is what gets cut, not the state.
  return [
    { text: 'kubelab dashboard', color: 'cyan', bold: true },
    separator,
    { text: input.provider ? `${input.cluster} (${input.provider})` : input.cluster, bold: true },
    ...(simulated ? [{ text: simulated, color: 'cyan' as const, bold: true }] : []),
    separator,
    state!,
    separator,
    { text: `ns ${input.namespace ?? 'all'}` },
    { text: clockTime(input.now), color: 'gray' },
    { text: 'q quit', color: 'gray' },
    ...why,
  ];
}
