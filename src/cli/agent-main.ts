#!/usr/bin/env node
// Entry of the `kubelab-agent.mjs` bundle that bootstrap uploads to a worker machine: the
// same agent as `kubelab agent`, without the rest of the CLI.
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
