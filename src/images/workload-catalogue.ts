// The lab workload images: what each one is made of (recipe folders under
// vm-images/workloads/, layered in order) and how it runs. The scripts themselves live in
// the recipe folders; this list only says which folders and which settings make an image.

export interface WorkloadImage {
  /** Docker's full reference, `repository:tag` (an unversioned image is `:latest`). */
  tag: string;
  description: string;
  /** Recipe folders, in order; a later folder's file replaces an earlier one's. */
  layers: readonly string[];
  cmd: readonly string[];
  env?: Readonly<Record<string, string>>;
  exposedPorts?: readonly number[];
}

const httpLayers = ['base', 'http', 'web'] as const;
const web = (version: string, colour: string, env: Record<string, string> = {}): WorkloadImage => ({
  tag: `kubelab/web:${version}`,
  description: `HTTP on :8080 answering version ${version} in ${colour}; /ready and /healthz for probes`,
  layers: httpLayers,
  cmd: ['/bin/http-serve'],
  env: { WEB_VERSION: version, WEB_COLOUR: colour, PORT: '8080', ...env },
  exposedPorts: [8080],
});

export const workloadImages: readonly WorkloadImage[] = [
  {
    tag: 'kubelab/pause:1',
    description: "The pod sandbox: holds the pod's network namespace, sleeps, stops on SIGTERM",
    layers: ['base', 'pause'],
    cmd: ['/bin/pause'],
  },
  web('1', 'blue'),
  web('2', 'green'),
  web('3', 'orange'),
  {
    ...web('broken', 'red', { WEB_BROKEN: '1' }),
    description: 'Serves / but /ready and /healthz always answer 500: never becomes ready',
  },
  {
    ...web('slow', 'purple', { READY_AFTER_SECONDS: '20' }),
    tag: 'kubelab/slow:latest',
    description: 'Serves like kubelab/web, but /ready answers 200 only READY_AFTER_SECONDS (20) after start',
  },
  {
    tag: 'kubelab/crash:latest',
    description: 'Prints a line and exits 1 after CRASH_AFTER_SECONDS (3)',
    layers: ['base', 'crash'],
    cmd: ['/bin/crash'],
    env: { CRASH_AFTER_SECONDS: '3' },
  },
  {
    tag: 'kubelab/counter:latest',
    description: 'Adds one to /data/count every second (mount a volume at /data); serves the count on :8080',
    layers: [...httpLayers, 'counter'],
    cmd: ['/bin/counter'],
    env: { PORT: '8080' },
    exposedPorts: [8080],
  },
  {
    ...web('load', 'grey'),
    tag: 'kubelab/load:latest',
    description: 'HTTP on :8080; GET /burn?ms=N keeps a CPU busy for N ms (for autoscaling)',
    layers: [...httpLayers, 'load'],
  },
];

/**
 * Docker's normal form of an image reference as a pod names it: `kubelab/crash` is
 * `kubelab/crash:latest`, and `docker.io/` is the default registry.
 */
export function normalizeImageReference(reference: string): string {
  const withoutRegistry = reference.replace(/^docker\.io\//, '');
  const lastSegment = withoutRegistry.slice(withoutRegistry.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@')
    ? withoutRegistry
    : `${withoutRegistry}:latest`;
}

export function findWorkloadImage(reference: string): WorkloadImage | undefined {
  const tag = normalizeImageReference(reference);
  return workloadImages.find((image) => image.tag === tag);
}
