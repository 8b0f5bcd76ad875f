// `kubelab get`: kubectl's get. Tables come from the API server (server-side printing), so
// `kubelab get` and real kubectl print the same columns; -o yaml|json|name print objects.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/kube-object.js';
import { type ResourceInfo, resolveResourceName, resources } from '../../api/resources.js';
import type { Table } from '../../api/table/types.js';
import type { ApiClient } from '../../client/rest-client.js';
import { WatchDecoder } from '../../client/watch.js';
import { connect, type GlobalOptions } from '../cli-context.js';
import { type ObjectFormat, printObjects } from '../printers/object-printer.js';
import { printTable, WatchTablePrinter } from '../printers/table-printer.js';
import { UsageError } from '../usage-error.js';

export const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface Target {
  resource: ResourceInfo;
  names: string[];
}

/** Parses kubectl's target forms: `pods`, `pods web db`, `pod/web deploy/api`, `pods,svc`, `all`. */
export function parseTargets(args: string[]): Target[] {
  if (args.length === 0)
    throw new UsageError('you must specify the type of resource to get, e.g. `kubelab get pods`');
  const resolve = (typed: string): ResourceInfo => {
    const r = resolveResourceName(typed);
    if (!r) throw new UsageError(`the server doesn't have a resource type "${typed}"`);
    return r;
  };
  if (args.every((a) => a.includes('/'))) {
    const targets: Target[] = [];
    for (const a of args) {
      const [type, name] = a.split('/', 2) as [string, string];
      const r = resolve(type);
      const existing = targets.find((t) => t.resource === r);
      if (existing) existing.names.push(name);
      else targets.push({ resource: r, names: [name] });
    }
    return targets;
  }
  const [types, ...names] = args as [string, ...string[]];
  if (names.some((n) => n.includes('/')))
    throw new UsageError(
      'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form',
    );
  const list = types
    .split(',')
    .flatMap((t) => (t === 'all' ? resources.filter((r) => r.categories.includes('all')) : [resolve(t)]));
  if (names.length && list.length > 1) throw new UsageError('names can only be given for one resource type');
  return list.map((resource) => ({ resource, names }));
}

interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
}

function listPath(client: ApiClient, r: ResourceInfo, namespace: string | undefined): string {
  return client.resource(r, namespace).path();
}

async function getTable(
  client: ApiClient,
  r: ResourceInfo,
  namespace: string | undefined,
  names: string[],
  o: GetOptions,
): Promise<Table> {
  const query = { labelSelector: o.selector, fieldSelector: o.fieldSelector };
  if (names.length === 0) {
    return client.request<Table>('GET', listPath(client, r, namespace), { query, accept: tableAccept });
  }
  const tables = await Promise.all(
    names.map((n) =>
      client.request<Table>('GET', client.resource(r, namespace).path(n), { accept: tableAccept }),
    ),
  );
  return { ...tables[0]!, rows: tables.flatMap((t) => t.rows) };
}

async function getObjects(
  client: ApiClient,
  r: ResourceInfo,
  namespace: string | undefined,
  names: string[],
  o: GetOptions,
): Promise<KubeObject[]> {
  const rc = client.resource<KubeObject>(r, namespace);
  if (names.length === 0)
    return (await rc.listAll({ labelSelector: o.selector, fieldSelector: o.fieldSelector })).items;
  return Promise.all(names.map((n) => rc.get(n)));
}

async function watchTable(
  client: ApiClient,
  targets: Target[],
  namespace: string | undefined,
  o: GetOptions,
): Promise<void> {
  if (targets.length !== 1) throw new UsageError('you may only watch one resource type at a time');
  const { resource: r, names } = targets[0]!;
  const printer = new WatchTablePrinter({
    showNamespace: o.allNamespaces,
    showLabels: o.showLabels,
    noHeaders: o.noHeaders,
    wide: o.output === 'wide',
  });
  let resourceVersion: string | undefined;
  if (!o.watchOnly) {
    const first = await getTable(client, r, namespace, names, o);
    resourceVersion = first.metadata.resourceVersion;
    process.stdout.write(printer.print(first));
  }
  const fieldSelector =
    [o.fieldSelector, names.length === 1 ? `metadata.name=${names[0]}` : undefined]
      .filter(Boolean)
      .join(',') || undefined;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const res = await client.stream(
    listPath(client, r, namespace),
    {
      watch: 1,
      resourceVersion: resourceVersion ?? '0',
      labelSelector: o.selector,
      fieldSelector,
    },
    controller.signal,
    { accept: tableAccept },
  );
  const decoder = new WatchDecoder();
  for await (const chunk of res) {
    for (const event of decoder.push(chunk as Buffer)) {
      if (event.type === 'ERROR' || event.type === 'BOOKMARK') continue;
      process.stdout.write(printer.print(event.object as unknown as Table));
    }
  }
}

export function registerGet(program: Command, globals: () => GlobalOptions): void {
  program
    .command('get')
    .description('Display one or many resources (kubectl get)')
    .argument('[target...]', 'TYPE [NAME...] | TYPE/NAME ... | all')
    .option('-o, --output <format>', 'wide | yaml | json | name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('--field-selector <selector>', 'field selector, e.g. spec.nodeName=worker-1')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .option('--show-labels', 'add a LABELS column')
    .option('--no-headers', 'omit the header row')
    .action(async (args: string[], o: GetOptions & { headers?: boolean }) => {
      o.noHeaders = o.headers === false;
      const targets = parseTargets(args);
      const formats = ['wide', 'yaml', 'json', 'name'];
      if (o.output && !formats.includes(o.output))
        throw new UsageError(
          `unable to match a printer suitable for the output format "${o.output}", allowed formats are: ${formats.join(',')}`,
        );
      const g = globals();
      const { client, namespace } = await connect(g);
      const ns = o.allNamespaces ? undefined : namespace;
      try {
        if (o.watch || o.watchOnly) return await watchTable(client, targets, ns, o);
        if (o.output && o.output !== 'wide') {
          const objs = (
            await Promise.all(targets.map((t) => getObjects(client, t.resource, ns, t.names, o)))
          ).flat();
          const single = targets.length === 1 && targets[0]!.names.length === 1;
          process.stdout.write(printObjects(objs, o.output as ObjectFormat, { asList: !single }));
          return;
        }
        const several = targets.length > 1;
        let printed = false;
        for (const t of targets) {
          const table = await getTable(client, t.resource, ns, t.names, o);
          const text = printTable(table, {
            wide: o.output === 'wide',
            noHeaders: o.noHeaders,
            showNamespace: o.allNamespaces && t.resource.namespaced,
            showLabels: o.showLabels,
            showKind: several ? t.resource : undefined,
          });
          if (text) {
            if (printed) process.stdout.write('\n');
            process.stdout.write(text);
            printed = true;
          }
        }
        if (!printed) {
          process.stderr.write(
            o.allNamespaces || targets.every((t) => !t.resource.namespaced)
              ? 'No resources found\n'
              : `No resources found in ${ns} namespace.\n`,
          );
        }
      } finally {
        client.close();
      }
    });
}
