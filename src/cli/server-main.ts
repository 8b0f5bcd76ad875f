#!/usr/bin/env node
// Entry of the `kubelab-server.mjs` bundle that bootstrap uploads to a control-plane machine:
// the same server as `kubelab server`, without the rest of the CLI.
import { Command } from 'commander';
import { registerServer } from './commands/server.js';

const program = new Command('kubelab-server');
registerServer(program);
await program.parseAsync(['node', 'kubelab-server', 'server', ...process.argv.slice(2)]);
