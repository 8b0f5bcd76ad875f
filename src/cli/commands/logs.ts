// `kubelab logs [-f] [-c C] [--tail N] [-p] [--timestamps] [--since D] (POD | TYPE/NAME)`:
// kubectl logs. Streams pods/{name}/log to stdout; TYPE/NAME (deploy/web, sts/db, ...)
// means the first pod of that workload's selector, as kubectl's logs does.
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { connect, type GlobalOptions } from '../cli-context.js';
import { defaultContainer, podOfTarget } from '../pod-target.js';
import { UsageError } from '../usage-error.js';

const usage = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.";

interface LogsFlags {
  follow?: boolean;
  container?: string;
  tail: string;
  previous?: boolean;
  timestamps?: boolean;
  since?: string;
}

/** kubectl's --since: a Go duration in whole seconds or more (5s, 2m, 1h30m). */
function sinceSeconds(text: string): number {
  const re = /(\d+)(h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as 'h' | 'm' | 's'];
    matched += m[0];
  }
  if (matched !== text || total <= 0)
    throw new UsageError(`invalid argument "${text}" for "--since" flag: use e.g. 10s, 5m, 1h`);
  return total;
}

export function registerLogs(program: Command, globals: () => GlobalOptions): void {
  program
    .command('logs')
    .description("Print the logs of a pod's container (kubectl logs)")
    .argument('[target]', 'POD or TYPE/NAME (e.g. deploy/web)')
    .option('-f, --follow', 'keep streaming new lines')
    .option('-c, --container <name>', 'the container (default: the only one, or the first)')
    .option('--tail <n>', 'only the last N lines (-1: all)', '-1')
    .option('-p, --previous', 'the previous, terminated instance of the container')
    .option('--timestamps', 'prefix each line with its RFC3339 time')
    .option('--since <duration>', 'only lines newer than this (5s, 2m, 1h)')
    .action(async (target: string | undefined, o: LogsFlags) => {
      if (!target)
        throw new UsageError(`${usage}\nPOD or TYPE/NAME is a required argument for the logs command`);
      const tail = Number(o.tail);
      if (!Number.isInteger(tail) || tail < -1)
        throw new UsageError(`invalid argument "${o.tail}" for "--tail" flag`);
      const { client, namespace } = await connect(globals());
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const podName = await podOfTarget(client, namespace, target, 'get the logs from', usage);
        const container = o.container ?? (await defaultContainer(client, namespace, podName));
        const res = await client.stream(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/log`,
          {
            container,
            follow: o.follow || undefined,
            previous: o.previous || undefined,
            timestamps: o.timestamps || undefined,
            tailLines: tail >= 0 ? tail : undefined,
            sinceSeconds: o.since ? sinceSeconds(o.since) : undefined,
          },
          controller.signal,
          { accept: 'text/plain' },
        );
        await pipeline(res, process.stdout, { end: false }).catch((e: Error) => {
          // Ctrl-C on `logs -f` ends the stream on purpose.
          if (!controller.signal.aborted) throw e;
        });
      } finally {
        process.off('SIGINT', stop);
        client.close();
      }
    });
}
