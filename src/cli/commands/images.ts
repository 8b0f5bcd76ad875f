// `kubelab images build` and `kubelab images list`: the lab workload images
// (vm-images/workloads/) in the local Docker Engine.
import type { Command } from 'commander';
import {
  buildWorkloadImages,
  type ImageBuildProgress,
  listWorkloadImages,
} from '../../provision/images/index.js';
import { tableTabwriter, tabwrite } from '../printers/tabwriter.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Docker's own size notation (`docker images`: 1.99MB). */
function dockerSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** One line per key, rewritten in place (cursor up, clear line) as its state changes. */
class LiveLines {
  private readonly keys: string[] = [];
  constructor(private readonly out: NodeJS.WriteStream) {}

  set(key: string, text: string): void {
    const index = this.keys.indexOf(key);
    if (index === -1) {
      this.keys.push(key);
      this.out.write(`${text}\n`);
      return;
    }
    const up = this.keys.length - index;
    this.out.write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
  }
}

/** What a finished (done) event reads as; in-progress steps only show on a terminal. */
function finishedLine(event: ImageBuildProgress, elapsedMs: number): string {
  switch (event.step) {
    case 'built':
      return `building ${event.image} ... done (${seconds(elapsedMs)})`;
    case 'saved':
      return `saving ${event.image} ... done (${seconds(elapsedMs)})`;
    default:
      return `${event.image} ${event.step}`;
  }
}

async function buildCommand(): Promise<void> {
  const startedAt = performance.now();
  const firstSeen = new Map<string, number>();
  const live = process.stdout.isTTY ? new LiveLines(process.stdout) : undefined;
  const onProgress = (event: ImageBuildProgress) => {
    if (!firstSeen.has(event.image)) firstSeen.set(event.image, performance.now());
    const elapsed = performance.now() - (firstSeen.get(event.image) ?? 0);
    if (event.done) {
      const line = finishedLine(event, elapsed);
      if (live) live.set(event.image, line);
      else process.stdout.write(`${line}\n`);
    } else live?.set(event.image, `${event.image} ... ${event.step}`);
  };
  const images = await buildWorkloadImages({ onProgress });
  const built = images.filter((i) => i.built).length;
  process.stdout.write(
    `${images.length} images: ${built} built, ${images.length - built} up to date (${seconds(performance.now() - startedAt)})\n`,
  );
}

async function listCommand(): Promise<void> {
  const rows = ['IMAGE\tSTATUS\tSIZE\tIMAGE ID\tDESCRIPTION'];
  for (const image of await listWorkloadImages()) {
    const id = image.id ? image.id.replace(/^sha256:/, '').slice(0, 12) : '<none>';
    const size = image.sizeBytes === undefined ? '<none>' : dockerSize(image.sizeBytes);
    rows.push([image.tag, image.state, size, id, image.description].join('\t'));
  }
  process.stdout.write(tabwrite(`${rows.join('\n')}\n`, tableTabwriter));
}

export function registerImages(program: Command): void {
  const images = program
    .command('images')
    .description('Lab workload images (vm-images/workloads/), built offline into the local Docker Engine');
  images
    .command('build')
    .description(
      'Build the lab workload images that are missing or changed, and save them for loading into nodes',
    )
    .action(buildCommand);
  images
    .command('list')
    .description('The lab workload images and whether each is built and current')
    .action(listCommand);
}
