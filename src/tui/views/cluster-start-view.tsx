// The screen before there is a cluster: the offer to start one (what `kubelab up` will make
// and where), then its progress per machine — the step each machine is on with its elapsed
// time and latest detail, the steps it finished with their durations — and, if it fails, what
// failed and what to do next.
import { Box, Text } from 'ink';
import type { MachineProgress, ProvisionSnapshot } from '../data/provision-progress.js';

export type StartPhase = 'offer' | 'starting' | 'failed';

export interface ClusterStartViewProps {
  phase: StartPhase;
  progress: ProvisionSnapshot;
  /** When the start began (for the elapsed time), and now. */
  startedAt?: number;
  now: number;
  error?: string;
  width: number;
  height: number;
}

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

function MachineRows({ m, now, width }: { m: MachineProgress; now: number; width: number }) {
  const state = m.failed ? 'failed' : m.running.length ? 'working' : 'idle';
  const mark = m.failed ? '✗' : m.running.length ? '◌' : '✓';
  const color = m.failed ? 'red' : m.running.length ? 'yellow' : 'green';
  const current = m.failed
    ? `${m.failed.step} failed${m.failed.detail ? `: ${m.failed.detail}` : ''}`
    : m.running
        .map((r) => `${r.step} ${seconds(now - r.startedAt)}${r.detail ? `  ${r.detail}` : ''}`)
        .join('   ') || 'done';
  const finished = m.done.map((d) => `✓ ${d.step} ${seconds(d.ms)}`).join(' · ');
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text color={color} bold>
          {mark} {m.name.padEnd(22)}
        </Text>
        <Text dimColor>{`${m.done.length} step(s) done  `}</Text>
        <Text color={state === 'failed' ? 'red' : undefined}>{current}</Text>
      </Text>
      <Text wrap="truncate-start" dimColor>
        {`   ${finished || (m.failed ? '' : 'starting…')}`}
      </Text>
    </Box>
  );
}

export function ClusterStartView({
  phase,
  progress,
  startedAt,
  now,
  error,
  width,
  height,
}: ClusterStartViewProps) {
  const title =
    phase === 'offer'
      ? 'no cluster yet'
      : phase === 'starting'
        ? `starting a cluster  ${seconds(now - (startedAt ?? now))}`
        : 'starting the cluster failed';
  const errorLines = error ? error.split('\n') : [];
  // Room left for the machines once the title, the notes and the key line are drawn.
  const machineRoom = Math.max(2, height - 6 - Math.min(progress.lines.length, 6) - errorLines.length);
  const machines = progress.machines.slice(0, Math.floor(machineRoom / 2));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          kubelab
        </Text>
        <Text dimColor> │ </Text>
        <Text bold color={phase === 'failed' ? 'red' : undefined}>
          {title}
        </Text>
      </Text>
      {phase === 'offer' ? (
        <Box flexDirection="column" paddingX={1} paddingY={1}>
          <Text>There is no kubelab cluster yet. Start one now?</Text>
          <Text> </Text>
          <Text wrap="wrap">
            A control-plane machine and 2 workers, on the default provider: docker when a Docker Engine
            answers (each node a container with its own systemd and Docker), else qemu VMs, else SIMULATED
            nodes (local processes, no containers).
          </Text>
          <Text>
            <Text dimColor>same as: </Text>
            <Text color="cyan">kubelab up</Text>
            <Text dimColor> (kubelab up --help lists providers and sizes)</Text>
          </Text>
        </Box>
      ) : (
        <Box flexDirection="column">
          {progress.lines.slice(-6).map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the last lines of a log, in order
            <Text key={i} wrap="truncate-end" dimColor>
              {line}
            </Text>
          ))}
          {machines.map((m) => (
            <MachineRows key={m.name} m={m} now={now} width={width} />
          ))}
          {progress.machines.length > machines.length ? (
            <Text dimColor>… {progress.machines.length - machines.length} more (enlarge the terminal)</Text>
          ) : null}
          {errorLines.map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one error, in order
            <Text key={i} color="red" wrap="truncate-end">
              {line}
            </Text>
          ))}
          {phase === 'failed' ? (
            <Text wrap="wrap">
              What was made is kept: `kubelab up` tries again from where this stopped, `kubelab down` removes
              it.
            </Text>
          ) : null}
        </Box>
      )}
      <Box flexGrow={1} />
      <Text wrap="truncate-end">
        {phase === 'offer' ? (
          <>
            <Text bold color="yellow">
              y
            </Text>{' '}
            start it{'   '}
            <Text bold>n</Text>/<Text bold>q</Text> quit
          </>
        ) : phase === 'starting' ? (
          <Text dimColor>
            ctrl+c stops waiting (what is made is kept: kubelab up resumes it, kubelab down removes it)
          </Text>
        ) : (
          <>
            <Text bold>q</Text> quit
          </>
        )}
      </Text>
    </Box>
  );
}
