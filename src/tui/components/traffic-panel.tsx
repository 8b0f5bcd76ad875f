// Room for the traffic panel (requests per second by version, failures) that a later issue
// fills from the traffic generator; until then it says so rather than drawing made-up numbers.
import { Text } from 'ink';
import { TitledPanel } from './panel.js';

export function TrafficPanel({ width, height }: { width: number; height: number }) {
  return (
    <TitledPanel title={[{ text: 'Traffic', bold: true }]} width={width} height={height}>
      <Text dimColor wrap="wrap">
        requests/s by version and failures appear here once the traffic generator arrives
      </Text>
    </TitledPanel>
  );
}
