// `kubelab events [--for KIND/NAME] [-A] [-w]`: kubectl events — the cluster's events,
// oldest first, with kubectl's LAST SEEN / TYPE / REASON / OBJECT / MESSAGE columns.
import type { Command } from 'commander';
import type { Event } from 'kubernetes-types/core/v1.js';
import { resolveResourceName, resource } from '../../api/resources.js';
import { toTable } from '../../api/table/to-table.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { printTable, WatchTablePrinter } from '../printers/table-printer.js';
import { UsageError } from '../usage-error.js';

function lastSeen(e: Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

function forSelector(target: string | undefined): string | undefined {
  if (!target) return undefined;
  const [type, name] = target.split('/', 2);
  const r = type ? resolveResourceName(type) : undefined;
  if (!r || !name) throw new UsageError(`--for must be KIND/NAME (e.g. pod/web-1), got "${target}"`);
  return `involvedObject.kind=${r.kind},involvedObject.name=${name}`;
}

export function registerEvents(program: Command, globals: () => GlobalOptions): void {
  program
    .command('events')
    .description('List events, oldest first (kubectl events)')
    .option('-A, --all-namespaces', 'events of every namespace')
    .option('--for <kind/name>', 'only events about this object')
    .option('--types <types>', 'only these types, e.g. Warning')
    .option('-w, --watch', 'keep printing new events')
    .action(async (o: { allNamespaces?: boolean; for?: string; types?: string; watch?: boolean }) => {
      const { client, namespace } = await connect(globals());
      const ns = o.allNamespaces ? undefined : namespace;
      const fieldSelector = forSelector(o.for);
      const types = o.types?.split(',').map((t) => t.trim().toLowerCase());
      const keep = (e: Event) => !types || types.includes((e.type ?? '').toLowerCase());
      const opts = { showNamespace: o.allNamespaces };
      try {
        const list = await client.resource<Event>(resource.events, ns).listAll({ fieldSelector });
        const items = list.items.filter(keep).sort((a, b) => lastSeen(a) - lastSeen(b));
        if (!o.watch) {
          const text = printTable(toTable(resource.events, items, { now: Date.now() }), opts);
          if (text) process.stdout.write(text);
          else process.stderr.write(ns ? `No events found in ${ns} namespace.\n` : 'No events found.\n');
          return;
        }
        const printer = new WatchTablePrinter(opts);
        process.stdout.write(printer.print(toTable(resource.events, items, { now: Date.now() })));
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        const watcher = client.resource<Event>(resource.events, ns).watch(
          { resourceVersion: list.resourceVersion, fieldSelector },
          (ev) => {
            if (ev.type === 'DELETED' || ev.type === 'BOOKMARK' || !keep(ev.object as Event)) return;
            process.stdout.write(printer.print(toTable(resource.events, [ev.object], { now: Date.now() })));
          },
          { signal: controller.signal },
        );
        await watcher.done.catch(() => undefined);
      } finally {
        client.close();
      }
    });
}
