// What the e2e files share while they run side by side, served by the e2e project's global
// setup (test/e2e/global-setup.ts) on a loopback port: named readers-writer locks over what
// this machine has only one of (its Docker Engine, the node image's Docker tag, the lab images,
// the CPU that emulated VMs need), and the shared docker-provider cluster, made on first ask
// and taken down at the end. A lock is held as long as the asking request stays open, so a
// test process that dies lets go of everything it held.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildNodeImage } from '../../src/images/index.js';
import { clusterLabel } from '../../src/provision/providers/docker-machines.js';
import { e2eRunKey, firstFiles } from './e2e-sequencer.js';
import { kubelab } from './run-command.js';

/**
 * What a lock stands for. Files take them in this order (never one of these while waiting for
 * an earlier one), so no two files wait for each other:
 * - `qemu`: this machine's CPU for emulated VMs (under TCG each vCPU keeps a host core busy).
 *   Exclusive for a file that runs a qemu cluster (one at a time); shared by a file that
 *   measures CPU use and needs a core free.
 * - `host-docker`: this machine's Docker Engine. Exclusive for a file that freezes or restarts
 *   dockerd, or removes lab images that other files' pods use; shared by every other file
 *   that uses it, for the whole file.
 * - `machines`: this machine's CPU for a cluster of container-nodes being made and exercised
 *   (each with systemd, a Docker Engine and kubelab's agent on lab timers: a node that misses
 *   4 s of heartbeats is NotReady). Exclusive for a file that makes its own multi-node
 *   cluster or a node image, and for the shared cluster's `up`: one at a time, beside the
 *   qemu chain and the lighter files.
 * - `node-image`: the node image's Docker tag. Exclusive while a test removes it; shared while
 *   container-nodes are created from it (`kubelab up`, the docker provider's machines).
 * - `lab-images`: the lab workload images on this Docker Engine. Exclusive while a test removes
 *   one to watch it come back; shared by `kubelab up` (which builds them all, cached).
 * - `docker-cluster`: the shared docker-provider cluster. Shared by the files that use it;
 *   exclusive while a test cuts one of its nodes off.
 */
export const lockNames = [
  'qemu',
  'host-docker',
  'machines',
  'node-image',
  'lab-images',
  'docker-cluster',
] as const;
export type LockName = (typeof lockNames)[number];
export type LockMode = 'shared' | 'exclusive';

interface Waiter {
  mode: LockMode;
  holder: string;
  grant: () => void;
}

/**
 * Readers-writer locks granted in arrival order: a waiting writer holds back later readers.
 * Before any of that, the files that change what every other file uses (`first`, by holder:
 * they restart Docker Engine, or remove lab images) run, and are granted their locks among
 * themselves; nobody else is granted anything until each of them has let go of all it held.
 * Otherwise a long reader that came first (a qemu cluster's `up`, minutes) would hold their
 * writes back, and with them every file that asked after them.
 */
export class ReadersWriterLocks {
  private readonly locks = new Map<LockName, { readers: number; writer: boolean; queue: Waiter[] }>();
  /** Called when a writer lets go, with the lock's name. */
  onExclusiveReleased: (name: LockName) => void = () => {};
  private firstPending: Set<string> | undefined;
  private readonly heldBy = new Map<string, number>();
  /** Resolves once the first files are done. */
  readonly firstDone: Promise<void>;
  private openGate = () => {};

  /**
   * `first`: the holders that go before anything else, asked on the first request (the run's
   * files are known by then); the others wait for them at most `firstForMs`.
   */
  constructor(
    private readonly first: () => string[] = () => [],
    private readonly firstForMs = 15 * 60_000,
  ) {
    this.firstDone = new Promise<void>((resolve) => {
      this.openGate = resolve;
    });
  }

  /** Whether the first files are done (asks who they are, if nobody asked yet). */
  firstFilesDone(): Promise<void> {
    this.pendingFirst();
    return this.firstDone;
  }

  private pendingFirst(): Set<string> {
    if (!this.firstPending) {
      this.firstPending = new Set(this.first());
      if (this.firstPending.size === 0) this.openGate();
      else setTimeout(() => this.openGate(), this.firstForMs).unref();
    }
    return this.firstPending;
  }

  private held(holder: string, by: 1 | -1): void {
    const n = (this.heldBy.get(holder) ?? 0) + by;
    this.heldBy.set(holder, n);
    const pending = this.pendingFirst();
    if (n === 0 && pending.delete(holder) && pending.size === 0) this.openGate();
  }

  private lock(name: LockName) {
    let l = this.locks.get(name);
    if (!l) {
      l = { readers: 0, writer: false, queue: [] };
      this.locks.set(name, l);
    }
    return l;
  }

  /** Resolves with `release` once granted; `cancel` gives up a request not yet granted. */
  acquire(
    name: LockName,
    mode: LockMode,
    holder: string,
  ): { granted: Promise<() => void>; cancel: () => void } {
    const l = this.lock(name);
    const first = this.pendingFirst().has(holder);
    let released = false;
    let cancelled = false;
    let waiter: Waiter | undefined;
    const release = () => {
      if (released) return;
      released = true;
      if (mode === 'exclusive') l.writer = false;
      else l.readers -= 1;
      this.grantWaiting(name);
      if (mode === 'exclusive') this.onExclusiveReleased(name);
      this.held(holder, -1);
    };
    const granted = (first ? Promise.resolve() : this.firstDone).then(
      () =>
        new Promise<() => void>((resolve) => {
          if (cancelled) return;
          waiter = {
            mode,
            holder,
            grant: () => {
              this.held(holder, 1);
              resolve(release);
            },
          };
          l.queue.push(waiter);
          this.grantWaiting(name);
        }),
    );
    const cancel = () => {
      cancelled = true;
      const i = waiter ? l.queue.indexOf(waiter) : -1;
      if (i >= 0) {
        l.queue.splice(i, 1);
        this.grantWaiting(name);
      }
    };
    return { granted, cancel };
  }

  private grantWaiting(name: LockName): void {
    const l = this.lock(name);
    for (;;) {
      const next = l.queue[0];
      if (!next || l.writer) return;
      if (next.mode === 'exclusive' && l.readers > 0) return;
      l.queue.shift();
      if (next.mode === 'exclusive') l.writer = true;
      else l.readers += 1;
      next.grant();
    }
  }

  /** Who holds or waits, for a report when something waits too long. */
  describe(): string {
    const first = [...(this.firstPending ?? [])].map((h) => `${h}: goes first`);
    const locks = [...this.locks.entries()].map(
      ([n, l]) =>
        `${n}: ${l.writer ? 'writer' : `${l.readers} reader(s)`}, waiting ${l.queue.map((w) => `${w.holder} (${w.mode})`).join(', ') || 'none'}`,
    );
    return [...first, ...locks].join('; ');
  }
}

/** The shared docker-provider cluster, as test files see it. */
export interface SharedDockerCluster {
  /** Its KUBELAB_HOME (the machine's image cache linked in). */
  home: string;
  name: string;
  kubeconfig: string;
  controlPlane: string;
  workers: string[];
  /** What `kubelab up` printed when it made the cluster from nothing. */
  upOutput: string;
  /** What the last repairing `kubelab up` printed, if one ran (after dockerd was restarted). */
  repairOutput?: string;
}

export const sharedDockerClusterName = 'e2e-shared';

/**
 * The node image in this machine's cache, built once for every file that needs it (a cold build
 * takes minutes; files asking at once would each run debootstrap), and imported into Docker
 * Engine once for the files that make container-nodes. Not while the files that take Docker
 * Engine to themselves run: their tests time a container's start and exit (within 5 s), and a
 * debootstrap beside them would take a good part of two cores.
 */
class NodeImageFixture {
  private cache: Promise<unknown> | undefined;
  private docker: Promise<unknown> | undefined;

  constructor(private readonly locks: ReadersWriterLocks) {}

  built(withDocker: boolean): Promise<unknown> {
    this.cache ??= this.retryable(
      async () => {
        await this.locks.firstFilesDone();
        return buildNodeImage({ docker: null });
      },
      () => {
        this.cache = undefined;
      },
    );
    if (!withDocker) return this.cache;
    this.docker ??= this.retryable(
      async () => {
        await this.built(false);
        return buildNodeImage({ docker: new Docker() });
      },
      () => {
        this.docker = undefined;
      },
    );
    return this.docker;
  }

  private retryable<T>(make: () => Promise<T>, forget: () => void): Promise<T> {
    const p = make();
    p.catch(forget);
    return p;
  }
}

/** `kubelab up --provider docker --workers 2` once, in a KUBELAB_HOME of its own. */
class SharedDockerClusterFixture {
  private made: Promise<SharedDockerCluster> | undefined;
  private home: string | undefined;
  /**
   * Counts the times a file had Docker Engine to itself (and may have restarted it, which stops
   * every container-node: they have no restart policy). The cluster is repaired on the next ask
   * when the count moved since its last `up` began.
   */
  dockerEngineTakeovers = 0;
  private upAtTakeover = -1;

  constructor(
    private readonly locks: ReadersWriterLocks,
    private readonly nodeImage: NodeImageFixture,
  ) {}

  private async up(home: string): Promise<string> {
    this.upAtTakeover = this.dockerEngineTakeovers;
    const machines = this.locks.acquire('machines', 'exclusive', 'shared cluster up');
    const releaseMachines = await machines.granted;
    // `up` creates container-nodes from the node image and builds the lab images.
    const node = this.locks.acquire('node-image', 'shared', 'shared cluster up');
    const releaseNode = await node.granted;
    const lab = this.locks.acquire('lab-images', 'shared', 'shared cluster up');
    const releaseLab = await lab.granted;
    try {
      const args = ['up', '--provider', 'docker', '--name', sharedDockerClusterName, '--workers', '2'];
      const r = await kubelab(args, { env: { KUBELAB_HOME: home }, timeoutMs: 900_000 });
      if (r.code !== 0)
        throw new Error(
          `shared cluster: kubelab ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`,
        );
      return r.stdout;
    } finally {
      releaseLab();
      releaseNode();
      releaseMachines();
    }
  }

  get(): Promise<SharedDockerCluster> {
    if (this.made && this.upAtTakeover !== this.dockerEngineTakeovers) {
      this.upAtTakeover = this.dockerEngineTakeovers;
      // `up` is idempotent and repairs: it starts the stopped machines and waits for Ready nodes.
      this.keep(this.made.then(async (c) => ({ ...c, repairOutput: await this.up(c.home) })));
    }
    if (!this.made) this.keep(this.make());
    return this.made!;
  }

  /** A failed attempt is not kept: the next file asks again (and says why it failed itself). */
  private keep(p: Promise<SharedDockerCluster>): void {
    this.made = p;
    p.catch(() => {
      if (this.made === p) this.made = undefined;
    });
  }

  private async make(): Promise<SharedDockerCluster> {
    const home = this.home ?? mkdtempSync(join(tmpdir(), 'kubelab-e2e-shared-'));
    if (!this.home) {
      this.home = home;
      symlinkSync(
        join(process.env.KUBELAB_HOME || join(homedir(), '.kubelab'), 'images'),
        join(home, 'images'),
      );
    }
    await this.nodeImage.built(true);
    const upOutput = await this.up(home);
    const name = sharedDockerClusterName;
    return {
      home,
      name,
      kubeconfig: join(home, 'clusters', name, 'kubeconfig'),
      controlPlane: `${name}-control-plane`,
      workers: [`${name}-worker`, `${name}-worker2`],
      upOutput,
    };
  }

  /** `kubelab down` and a check that nothing of it is left. */
  async down(): Promise<void> {
    if (!this.home) return;
    const home = this.home;
    this.home = undefined;
    try {
      const r = await kubelab(['down', '--name', sharedDockerClusterName], {
        env: { KUBELAB_HOME: home },
        timeoutMs: 180_000,
      });
      const docker = new Docker();
      const filters = { label: [`${clusterLabel}=${sharedDockerClusterName}`] };
      const left = [
        ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
        ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
        ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
      ];
      if (r.code !== 0 || left.length > 0)
        throw new Error(
          `shared cluster: kubelab down exited ${r.code}${left.length ? `, left ${left.join(', ')}` : ''}:\n${r.stdout}\n${r.stderr}`,
        );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
}

export interface E2eFixtureServer {
  url: string;
  close(): Promise<void>;
}

function isLockName(s: string | null): s is LockName {
  return lockNames.includes(s as LockName);
}

export async function startE2eFixtureServer(): Promise<E2eFixtureServer> {
  const locks = new ReadersWriterLocks(() => {
    // The sequencer (same process) wrote down this run's e2e files before any of them started.
    const run = ((globalThis as Record<string, unknown>)[e2eRunKey] as string[] | undefined) ?? [];
    return firstFiles.filter((f) => run.includes(f)).map((f) => `test/e2e/${f}.test.ts`);
  });
  const nodeImage = new NodeImageFixture(locks);
  const dockerCluster = new SharedDockerClusterFixture(locks, nodeImage);
  locks.onExclusiveReleased = (name) => {
    if (name === 'host-docker') dockerCluster.dockerEngineTakeovers += 1;
  };

  const handleLock = (url: URL, req: IncomingMessage, res: ServerResponse) => {
    const name = url.searchParams.get('name');
    const mode = url.searchParams.get('mode');
    const holder = url.searchParams.get('holder') ?? '?';
    if (!isLockName(name) || (mode !== 'shared' && mode !== 'exclusive')) {
      res.writeHead(400).end(`no lock ${name} (${mode}); locks: ${lockNames.join(', ')}`);
      return;
    }
    const { granted, cancel } = locks.acquire(name, mode, holder);
    let release: (() => void) | undefined;
    let gone = false;
    // The asker closing its request lets go (or gives up waiting).
    res.on('close', () => {
      gone = true;
      if (release) release();
      else cancel();
    });
    req.resume();
    granted.then((r) => {
      if (gone) {
        r();
        return;
      }
      release = r;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('granted\n');
    });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/lock') return handleLock(url, req, res);
    if (req.method === 'GET' && url.pathname === '/locks') {
      res.writeHead(200).end(locks.describe());
      return;
    }
    if (req.method === 'POST' && url.pathname === '/node-image') {
      req.resume();
      nodeImage.built(url.searchParams.get('docker') === '1').then(
        () => res.writeHead(200).end('built\n'),
        (e: unknown) => res.writeHead(500).end(e instanceof Error ? e.message : String(e)),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/docker-cluster') {
      req.resume();
      dockerCluster.get().then(
        (c) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(c)),
        (e: unknown) => res.writeHead(500).end(e instanceof Error ? e.message : String(e)),
      );
      return;
    }
    res.writeHead(404).end();
  });
  // Waits for a lock or a cluster last minutes: no server-side timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dockerCluster.down();
    },
  };
}
