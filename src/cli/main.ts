#!/usr/bin/env node
// The `kubelab` program. Exit codes: 0 ok, 1 the work failed, 2 the command was misused.
import { isMainThread, workerData } from 'node:worker_threads';
import { Command, CommanderError } from 'commander';
import { describeServerError } from '../api/server-error-report.js';
import { StatusError } from '../api/status-error.js';
import type { GlobalOptions } from './cli-context.js';
import { registerAgent } from './commands/agent.js';
import { registerApply } from './commands/apply.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerEvents } from './commands/events.js';
import { registerExec } from './commands/exec.js';
import { registerGet } from './commands/get.js';
import { registerImages } from './commands/images.js';
import { registerKubeconfig } from './commands/kubeconfig.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLogs } from './commands/logs.js';
import { registerNode } from './commands/node.js';
import { registerNodeAdmin } from './commands/node-admin.js';
import { registerRollout } from './commands/rollout.js';
import { registerScale } from './commands/scale.js';
import { registerServer } from './commands/server.js';
import { registerSetImage } from './commands/set-image.js';
import { registerTop } from './commands/top.js';
import { registerTui } from './commands/tui.js';
import { runComponentThread } from './control-plane-threads.js';
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
registerKubeconfig(program, globals);
registerServer(program);
registerAgent(program);
registerNode(program);
registerImages(program);
registerApply(program, globals);
registerGet(program, globals);
registerDescribe(program, globals);
registerLogs(program, globals);
registerExec(program, globals);
registerTop(program, globals);
registerDelete(program, globals);
registerNodeAdmin(program, globals);
registerEvents(program, globals);
registerRollout(program, globals);
registerScale(program, globals);
registerSetImage(program, globals);
registerTui(program, globals);
registerDashboard(program, globals);

// Program options (-n, --kubeconfig) are accepted after the subcommand too, as kubectl
// allows: commander recognises them anywhere unless positional options are enabled.
for (const cmd of program.commands) cmd.exitOverride();

// `kubelab get pods | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// `kubelab server` runs its scheduler and controller manager on threads of this same program.
if (!isMainThread && workerData?.kubelabComponent) {
  await runComponentThread(workerData.kubelabComponent);
} else {
  await runCli();
}

async function runCli(): Promise<void> {
  // `kubelab` alone in a terminal opens the TUI; piped or scripted, it prints the usage as before.
  const argv =
    process.argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY
      ? [...process.argv, 'tui']
      : process.argv;
  try {
    await program.parseAsync(argv);
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
}
