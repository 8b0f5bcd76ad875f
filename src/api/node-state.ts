// A node's state as every component reads it: its Ready condition (set by the agent,
// turned Unknown by the node lifecycle controller when the heartbeat stops).
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';

export function nodeReadyCondition(node: Node | undefined): NodeCondition | undefined {
  return node?.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isNodeReady(node: Node | undefined): boolean {
  return nodeReadyCondition(node)?.status === 'True';
}
