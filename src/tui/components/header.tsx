// The top line: which cluster and namespace, whether the API server is reachable (connected,
// disconnected with the reason, reconnecting while the caches resync), and where you are.
import { Text } from 'ink';
import { humanDuration } from '../../api/table/human-duration.js';
import type { ConnectionPhase, ConnectionStatus } from '../data/cluster-snapshot.js';

const phaseColor: Record<ConnectionPhase, string> = {
  connecting: 'yellow',
  connected: 'green',
  disconnected: 'red',
  reconnecting: 'yellow',
};

export interface HeaderProps {
  clusterLabel: string;
  namespace?: string;
  connection: ConnectionStatus;
  now: number;
  breadcrumb: string;
  width: number;
}

export function Header({ clusterLabel, namespace, connection, now, breadcrumb, width }: HeaderProps) {
  const since = connection.phase === 'connected' ? '' : ` ${humanDuration(now - connection.since)}`;
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">
        kubelab
      </Text>
      <Text dimColor> │ </Text>
      {clusterLabel}
      <Text dimColor> │ ns </Text>
      {namespace ?? 'all'}
      <Text dimColor> │ </Text>
      <Text color={phaseColor[connection.phase]}>
        ● {connection.phase}
        {since}
      </Text>
      {connection.error ? (
        <Text color="red"> {connection.error.slice(0, Math.max(0, width - 60))}</Text>
      ) : null}
      <Text dimColor> │ </Text>
      <Text bold>{breadcrumb}</Text>
    </Text>
  );
}
