#!/usr/bin/env node
// The `kubelab` program. Exit codes: 0 ok, 1 the work failed, 2 the command was misused.
import { Command, CommanderError } from 'commander';
import { StatusError } from '../api/status-error.js';
import type { GlobalOptions } from './cli-context.js';
import { registerApply } from './commands/apply.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerGet } from './commands/get.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerServer } from './commands/server.js';
import { describeServerError } from './server-errors.js';
import { UsageError } from './usage-error.js';

const program = new Command('kubelab')
  .description('A small, real Kubernetes-style orchestrator and a hands-on lab around it')
  .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then the current kubelab cluster)')
  .option('--context <name>', 'kubeconfig context to use')
  .option('-n, --namespace <ns>', 'namespace for this request')
  .showSuggestionAfterError()
  .exitOverride();

const globals = () => program.opts<GlobalOptions>();

registerLifecycle(program);
registerServer(program);
registerApply(program, globals);
registerGet(program, globals);
registerDescribe(program, globals);
registerDelete(program, globals);

// Program options (-n, --kubeconfig) are accepted after the subcommand too, as kubectl
// allows: commander recognises them anywhere unless positional options are enabled.
for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof StatusError) {
    process.stderr.write(`${describeServerError(e)}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`error: ${(e as Error).message ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
