// `kubelab images build [workloads|node|all]`, `kubelab images list` and `kubelab images load
// IMAGE...` (into a cluster's nodes over SSH): the lab workload
// images (vm-images/workloads/) in the local Docker Engine, and the node image
// (vm-images/node/): a Docker image for container-nodes and a qemu disk.
import { basename } from 'node:path';
import { Argument, type Command } from 'commander';
import Dockerode from 'dockerode';
import { tableTabwriter, tabwrite } from '../../api/table/tabwriter.js';
import {
  buildNodeImage,
  buildWorkloadImages,
  type ImageBuildProgress,
  listNodeImage,
  listWorkloadImages,
  type NodeImageProgress,
  type NodeImageStep,
  nodeImageRepository,
} from '../../images/index.js';
import { currentClusterName, readClusterRecord } from '../../provision/cluster-records.js';
import { loadImagesIntoNodes } from '../../provision/machine-cluster.js';
import { UsageError } from '../usage-error.js';

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

async function buildWorkloads(): Promise<void> {
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

const nodeStepLabels: Record<NodeImageStep, string> = {
  'node image': 'node image',
  debootstrap: 'node image: debootstrap',
  configure: 'node image: configure',
  'rootfs archive': 'node image: root filesystem archive',
  'qemu disk': 'node image: qemu disk',
  'docker image': 'node image: docker image',
};

/**
 * Node image progress: on a terminal one line per step, rewritten with the step's latest
 * output (debootstrap names each package); otherwise a plain line when a step starts and ends.
 */
function nodeProgressPrinter(): (event: NodeImageProgress) => void {
  const out = process.stdout;
  const live = out.isTTY ? new LiveLines(out) : undefined;
  const startedAt = new Map<NodeImageStep, number>();
  // A line wider than the terminal wraps, and LiveLines could no longer find it to rewrite it.
  const fitWidth = (text: string) =>
    out.columns && text.length >= out.columns ? `${text.slice(0, out.columns - 2)}…` : text;
  const show = (step: NodeImageStep, text: string) => {
    if (live) live.set(step, fitWidth(text));
    else out.write(`${text}\n`);
  };
  return (event) => {
    const label = nodeStepLabels[event.step];
    switch (event.state) {
      case 'started':
        startedAt.set(event.step, performance.now());
        show(event.step, `${label} ...`);
        break;
      case 'detail':
        live?.set(event.step, fitWidth(`${label} ... ${event.detail}`));
        break;
      case 'done': {
        const elapsed = performance.now() - (startedAt.get(event.step) ?? performance.now());
        show(event.step, `${label} ... done (${seconds(elapsed)})${event.detail ? `: ${event.detail}` : ''}`);
        break;
      }
      case 'up to date':
        show(event.step, `${label}: up to date (${event.detail})`);
        break;
    }
  };
}

async function dockerIfReachable(): Promise<Dockerode | null> {
  const docker = new Dockerode();
  try {
    await docker.ping();
    return docker;
  } catch {
    return null;
  }
}

async function buildNode(): Promise<void> {
  const docker = await dockerIfReachable();
  if (!docker)
    process.stdout.write(
      'Docker Engine is not reachable: building the qemu disk only (start it with `bash scripts/install-docker.sh` and build again for the container-node image)\n',
    );
  const image = await buildNodeImage({ docker, onProgress: nodeProgressPrinter() });
  const hash = image.recipeHash.slice(0, 12);
  const state = image.built ? `built in ${seconds(image.durationMs)}` : 'up to date';
  const lines = [`node image ${hash}: ${state}`];
  if (image.dockerImage)
    lines.push(`  container-nodes: ${image.dockerImage} (also ${nodeImageRepository}:latest)`);
  const files = [image.disk, image.kernel, image.initrd].map((f) => basename(f)).join(', ');
  lines.push(`  qemu VMs: ${files} (kernel ${image.manifest.kernelVersion}) in`, `    ${image.dir}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const buildSets = ['workloads', 'node', 'all'] as const;

async function buildCommand(set: (typeof buildSets)[number]): Promise<void> {
  if (set !== 'node') await buildWorkloads();
  if (set !== 'workloads') await buildNode();
}

const shortId = (id: string | undefined): string => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '<none>');

async function listCommand(): Promise<void> {
  const rows = ['IMAGE\tSTATUS\tSIZE\tIMAGE ID\tDESCRIPTION'];
  for (const image of await listWorkloadImages()) {
    const size = image.sizeBytes === undefined ? '<none>' : dockerSize(image.sizeBytes);
    rows.push([image.tag, image.state, size, shortId(image.id), image.description].join('\t'));
  }
  const node = await listNodeImage();
  const hash = node.recipeHash.slice(0, 12);
  if (node.docker) {
    const size = node.docker.sizeBytes === undefined ? '<none>' : dockerSize(node.docker.sizeBytes);
    const what = 'Node machine for container-nodes (`kubelab images build node`)';
    rows.push([node.docker.tag, node.docker.state, size, shortId(node.docker.id), what].join('\t'));
  }
  const disk = node.cached
    ? [
        `node disk ${hash}`,
        'built',
        dockerSize(node.cached.diskBytes),
        '<none>',
        `qemu disk: ${node.cached.disk}`,
      ]
    : [`node disk ${hash}`, 'missing', '<none>', '<none>', 'qemu disk (`kubelab images build node`)'];
  rows.push(disk.join('\t'));
  process.stdout.write(tabwrite(`${rows.join('\n')}\n`, tableTabwriter));
}

export function registerImages(program: Command): void {
  const images = program
    .command('images')
    .description(
      'Lab workload images (vm-images/workloads/) and the node image (vm-images/node/), built offline',
    );
  images
    .command('build')
    .description(
      'Build what is missing or changed: the lab workload images (saved for loading into nodes), ' +
        'or the node image (Debian from its packages, as a Docker image and a qemu disk; needs root)',
    )
    .addArgument(
      new Argument('[set]', 'workloads, node (the machine image) or all')
        .choices(buildSets)
        .default('workloads'),
    )
    .action(buildCommand);
  images
    .command('list')
    .description('The lab workload images and the node image, and whether each is built and current')
    .action(listCommand);
  images
    .command('load')
    .description(
      "Copy images from this computer's Docker Engine into every node of the current cluster (docker save | ssh docker load; no registry needed)",
    )
    .argument('<image...>', 'image references, e.g. kubelab/web:2 nginx:1.27')
    .option('--cluster <name>', 'cluster (default: the current cluster)')
    .action(async (refs: string[], o: { cluster?: string }) => {
      const name = o.cluster ?? (await currentClusterName());
      if (!name)
        throw new UsageError('no cluster selected: pass --cluster N or create one with `kubelab up`');
      const record = await readClusterRecord(name);
      if (!record) throw new UsageError(`no cluster named "${name}" (see \`kubelab clusters\`)`);
      if (record.provider === 'sim')
        throw new UsageError(
          `cluster "${name}" has SIMULATED nodes (provider sim): they run no images, so there is nothing to load`,
        );
      await loadImagesIntoNodes(record, refs);
      process.stdout.write(`loaded ${refs.join(', ')} into ${record.machines.length} node(s) of ${name}\n`);
    });
  for (const cmd of images.commands) cmd.exitOverride();
}
