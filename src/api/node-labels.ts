// Labels kubelab's agents put on their Node, read by the API server, the CLI and the TUI.

/** On every SIMULATED node: its pods are not real processes (no logs, exec or usage). */
export const simulatedNodeLabel = 'node.kubelab.dev/simulated';
