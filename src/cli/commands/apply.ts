// `kubelab apply -f FILE|DIR|- [-R] [--prune -l SEL]`: kubectl's client-side apply (the work
// itself is src/client/apply.ts, shared with the TUI); one `NAME created|configured|unchanged`
// line per document, errors on stderr with file and line, exit 1 if anything failed.
import type { Command } from 'commander';
import { applyDocuments, prune } from '../../client/apply.js';
import { readManifests } from '../../client/manifest-files.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { UsageError } from '../usage-error.js';

export function registerApply(program: Command, globals: () => GlobalOptions): void {
  program
    .command('apply')
    .description('Create or update objects from manifest files (kubectl apply)')
    .option('-f, --filename <path...>', 'file, folder or - for stdin (repeatable)')
    .option('-R, --recursive', 'process folders recursively', false)
    .option('--prune', 'delete previously applied objects (matching -l) that are no longer in the files')
    .option('-l, --selector <selector>', 'with --prune: only objects with these labels')
    .action(async (opts: { filename?: string[]; recursive: boolean; prune?: boolean; selector?: string }) => {
      if (!opts.filename?.length) throw new UsageError('must specify -f FILE|DIR|-');
      if (opts.prune && !opts.selector) {
        throw new UsageError(
          '--prune needs -l SELECTOR, so that only objects you mean to manage can be deleted',
        );
      }
      const { client, namespace } = await connect(globals());
      let failed = false;
      const fail = (message: string) => {
        failed = true;
        process.stderr.write(`${message}\n`);
      };
      const docs = await readManifests(opts.filename, opts.recursive, (e) => fail(`error: ${e.message}`));
      try {
        const run = await applyDocuments(client, docs, namespace, {
          applied: ({ name, result }) => process.stdout.write(`${name} ${result}\n`),
          failed: fail,
        });
        if (opts.prune && failed) {
          process.stderr.write(
            'not pruning: some manifests failed to apply, and pruning now could delete what they describe\n',
          );
        } else if (opts.prune) {
          for (const name of await prune(client, run.applied, run.namespaces, opts.selector!))
            process.stdout.write(`${name} pruned\n`);
        }
      } finally {
        client.close();
      }
      if (docs.length === 0 && !failed) fail('error: no objects passed to apply');
      if (failed) process.exitCode = 1;
    });
}
