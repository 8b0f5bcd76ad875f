#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=30
// Entry of the `kubelab-server.mjs` bundle that bootstrap uploads to a control-plane machine:
// the same server as `kubelab server`, without the rest of the CLI. The flags on the first line
// are the server's (serverNodeFlags in src/provision/bootstrap/systemd-units.ts says why).
import { isMainThread, workerData } from 'node:worker_threads';
import { Command } from 'commander';
import { registerServer } from './commands/server.js';
import { runComponentThread } from './control-plane-threads.js';

if (!isMainThread && workerData?.kubelabComponent) {
  // The scheduler and controller manager threads run this same bundle.
  await runComponentThread(workerData.kubelabComponent);
} else {
  const program = new Command('kubelab-server');
  registerServer(program);
  await program.parseAsync(['node', 'kubelab-server', 'server', ...process.argv.slice(2)]);
}
