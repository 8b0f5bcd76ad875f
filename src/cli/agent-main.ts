#!/usr/bin/env -S node --max-semi-space-size=1
// Entry of the `kubelab-agent.mjs` bundle that bootstrap uploads to a worker machine: the
// same agent as `kubelab agent`, without the rest of the CLI. The agent runs beside the pods
// on every worker, so it trades a little GC time for memory: a 1 MB young generation (V8's
// default lets it grow to 16 MB per semi-space) keeps its resident set ~4 MB smaller.
// The flags on the first line are the agent's: whoever starts the bundle passes them too.
import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.js';
import { UsageError } from './usage-error.js';

const program = new Command('kubelab-agent').exitOverride();
registerAgent(program);
for (const cmd of program.commands) cmd.exitOverride();
// `kubelab-agent agent --node-name N` works too, so callers can treat both programs alike.
const args = process.argv.slice(2);
if (args[0] === 'agent') args.shift();
try {
  await program.parseAsync(['node', 'kubelab-agent', 'agent', ...args]);
} catch (e) {
  if (!(e instanceof CommanderError)) process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = e instanceof CommanderError || e instanceof UsageError ? 2 : 1;
  if (e instanceof CommanderError && e.exitCode === 0) process.exitCode = 0;
}
