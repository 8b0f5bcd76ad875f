// Turns a provider's machines into a cluster, the same way for every machine provider, as a
// person would by hand: on every machine at once, Docker Engine, a Node runtime, kubelab's
// programs and the lab images (machine-setup.ts); on the control-plane machine the server as a
// systemd service; once it answers, a join token that each machine's agent exchanges for its own
// credential (a node may then change only its own Node, Lease and pods); then wait until every
// Node is Ready. The control-plane machine is a node too, labelled and tainted as kubeadm does
// (node-role.kubernetes.io/control-plane, NoSchedule), so workloads land on the workers.
import Docker from 'dockerode';
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { isNodeReady } from '../../api/node-state.js';
import { resource } from '../../api/resources.js';
import { buildKubeconfig, parseKubeconfig } from '../../client/kubeconfig.js';
import { ApiClient } from '../../client/rest-client.js';
import { buildWorkloadImages, workloadArchiveName, workloadImagesDir } from '../../images/index.js';
import { readyz, readyzPassed } from '../api-server-health.js';
import type { ClusterBootstrap, ControlPlaneAccess } from '../cluster-provider.js';
import type { MachineRecord } from '../cluster-records.js';
import { bootstrapKubeconfig, issueJoinToken } from '../join-token.js';
import type { ProvisionedMachine } from '../providers/machine-provider.js';
import { MachineStepError } from '../ssh/index.js';
import { kubelabBundles } from './kubelab-bundles.js';
import { type ImagesArchive, MachineSetup, readImagesArchive, step } from './machine-setup.js';
import type { ProgressSink } from './progress-reporter.js';
import {
  agentUnit,
  agentUnitName,
  apiServerPort,
  bootstrapKubeconfigPath,
  nodeKubeconfigPath,
  serverAdminKubeconfigPath,
  serverUnit,
  serverUnitName,
} from './systemd-units.js';

export const controlPlaneRole = 'node-role.kubernetes.io/control-plane';
const controlPlaneTaint: Taint = { key: controlPlaneRole, effect: 'NoSchedule' };

/** `https://host:port` where this computer reaches the control plane's API server. */
export function apiServerUrl(controlPlane: ProvisionedMachine): string {
  const host = controlPlane.apiEndpoint?.host ?? controlPlane.address;
  const port = controlPlane.apiEndpoint?.port ?? apiServerPort;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A machine provider's record is the ProvisionedMachine it returned: how to reach it over SSH. */
export function provisionedMachine(m: MachineRecord): ProvisionedMachine {
  if (!m.ssh || !m.address)
    throw new Error(`the record of machine ${m.name} has no SSH endpoint: run \`kubelab up\` again`);
  return { ...m, address: m.address, ssh: m.ssh };
}

/** The lab images archive, built here when this computer has Docker Engine (else nodes build on demand). */
async function labImages(progress: ProgressSink): Promise<ImagesArchive | undefined> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch {
    progress.say('lab images: no Docker Engine on this computer; nodes build them when a pod needs one');
    return undefined;
  }
  progress.step('lab images', 'build (cached)', 'started');
  await buildWorkloadImages({
    docker,
    onProgress: (e) => progress.step('lab images', 'build (cached)', 'detail', `${e.image}: ${e.step}`),
  });
  progress.step('lab images', 'build (cached)', 'done');
  return readImagesArchive(workloadImagesDir(), workloadArchiveName);
}

interface PreparedMachine {
  setup: MachineSetup;
  nodePath: string;
  changed: { server: boolean; agent: boolean };
  /** Loads while the control plane starts; the agent waits for it, so no pod waits for (or builds) a lab image. */
  imagesLoaded: Promise<void>;
}

export interface SshBootstrapOptions {
  cluster: string;
  profile: string;
  knownHostsPath: string;
  progress: ProgressSink;
}

/** How long a Node may take to be Ready after its agent starts: long, since emulated (TCG) VMs are slow. */
const nodeReadyTimeoutMs = 120_000;

/** `up`'s steps over SSH, on the machines of any machine provider. */
export class SshClusterBootstrap implements ClusterBootstrap {
  private readonly setups: MachineSetup[] = [];
  private readonly prepared = new Map<string, PreparedMachine>();
  private admin?: ApiClient;
  /** How the agents reach the API server: across the cluster network, not through this computer. */
  private forNodes?: { server: string; caData: string };
  /** One token for the whole run, asked for only when some machine still has to join. */
  private joinToken?: Promise<string>;

  constructor(private readonly o: SshBootstrapOptions) {}

  async prepare(machines: MachineRecord[]): Promise<void> {
    const images = await labImages(this.o.progress);
    const bundles = kubelabBundles();
    await onEveryMachine(machines, async (m) => {
      const setup = await MachineSetup.connect(provisionedMachine(m), this.o.knownHostsPath, this.o.progress);
      this.setups.push(setup);
      await setup.ensureDocker();
      const nodePath = await setup.ensureNodeRuntime();
      const changed = await setup.uploadPrograms(bundles, m.role === 'control-plane');
      const imagesLoaded = images ? setup.loadImages(images) : Promise.resolve();
      imagesLoaded.catch(() => undefined);
      this.prepared.set(m.name, { setup, nodePath, changed, imagesLoaded });
    });
  }

  async startControlPlane(controlPlanes: MachineRecord[]): Promise<ControlPlaneAccess> {
    if (controlPlanes.length !== 1)
      throw new Error(`kubelab runs one control-plane machine, this cluster plans ${controlPlanes.length}`);
    const [access] = await onEveryMachine(controlPlanes, (m) => this.startServer(provisionedMachine(m)));
    return access as ControlPlaneAccess;
  }

  private startServer(controlPlane: ProvisionedMachine): Promise<ControlPlaneAccess> {
    const { setup, nodePath, changed } = this.machine(controlPlane.name);
    const server = apiServerUrl(controlPlane);
    return step(this.o.progress, controlPlane.name, 'start the control plane', async () => {
      const sans = [
        controlPlane.address,
        controlPlane.name,
        controlPlane.apiEndpoint?.host ?? controlPlane.address,
      ];
      const unitChanged = await setup.writeFile(
        `/etc/systemd/system/${serverUnitName}`,
        serverUnit({ nodePath, clusterName: this.o.cluster, profile: this.o.profile, sans }),
        0o644,
      );
      await setup.startUnit(serverUnitName, unitChanged || changed.server);
      const adminText = await waitFor(
        async () =>
          (await setup.fileExists(serverAdminKubeconfigPath))
            ? setup.readFile(serverAdminKubeconfigPath)
            : undefined,
        60_000,
        () =>
          setup.connection.error(
            'start the control plane',
            'timeout',
            `${serverAdminKubeconfigPath} did not appear within 60 s: see \`journalctl -u ${serverUnitName}\` on the machine`,
          ),
      );
      const onMachine = parseKubeconfig(adminText, {
        path: `${controlPlane.name}:${serverAdminKubeconfigPath}`,
      });
      if (!onMachine.caData || !onMachine.token)
        throw setup.connection.error(
          'start the control plane',
          'command-failed',
          `${serverAdminKubeconfigPath} has no CA or token`,
        );
      this.forNodes = {
        server: `https://${controlPlane.address}:${apiServerPort}`,
        caData: onMachine.caData,
      };
      const access = {
        server,
        kubeconfig: buildKubeconfig({
          server,
          caData: onMachine.caData,
          token: onMachine.token,
          clusterName: this.o.cluster,
          userName: `${this.o.cluster}-admin`,
        }),
      };
      const client = this.client(access);
      await waitFor(
        async () => {
          const text = await readyz(client);
          return readyzPassed(text) ? text : undefined;
        },
        90_000,
        () =>
          setup.connection.error(
            'start the control plane',
            'timeout',
            `the API server at ${server} was not ready within 90 s: see \`journalctl -u ${serverUnitName}\` on the machine`,
          ),
      );
      return { result: access, detail: server };
    });
  }

  async join(nodes: MachineRecord[], controlPlane: ControlPlaneAccess): Promise<void> {
    const client = this.client(controlPlane);
    const forNodes = this.forNodes;
    if (!forNodes)
      throw new Error('the control plane has not started: bootstrap starts it before nodes join');
    await onEveryMachine(nodes, async (m) => {
      const { setup, nodePath, changed, imagesLoaded } = this.machine(m.name);
      await imagesLoaded;
      await step(this.o.progress, m.name, 'join and start the agent', async () => {
        const joined = await setup.fileExists(nodeKubeconfigPath);
        if (!joined) {
          this.joinToken ??= issueJoinToken(client);
          await setup.writeFile(
            bootstrapKubeconfigPath,
            bootstrapKubeconfig({
              ...forNodes,
              token: await this.joinToken,
              clusterName: this.o.cluster,
              nodeName: m.name,
            }),
            0o600,
          );
        }
        const unitChanged = await setup.writeFile(
          `/etc/systemd/system/${agentUnitName}`,
          agentUnit({ nodePath, nodeName: m.name, nodeIP: setup.machine.address }),
          0o644,
        );
        await setup.startUnit(agentUnitName, unitChanged || changed.agent);
        return { detail: joined ? 'already joined' : 'joined with a join token' };
      });
    });
  }

  async waitReady(nodes: MachineRecord[], controlPlane: ControlPlaneAccess): Promise<void> {
    const client = this.client(controlPlane);
    await onEveryMachine(nodes, (m) =>
      step(this.o.progress, m.name, 'Node Ready', async () => {
        const { setup } = this.machine(m.name);
        const ready = await waitFor(
          async () => {
            const node = await client
              .resource<Node>(resource.nodes)
              .get(m.name)
              .catch(() => undefined);
            return isNodeReady(node) ? node : undefined;
          },
          nodeReadyTimeoutMs,
          () =>
            setup.connection.error(
              'Node Ready',
              'timeout',
              `node ${m.name} did not become Ready: see \`journalctl -u ${agentUnitName}\` on the machine`,
            ),
        );
        if (m.role === 'control-plane') await markControlPlane(client, ready);
        return { detail: ready.spec?.podCIDR ? `pod CIDR ${ready.spec.podCIDR}` : undefined };
      }),
    );
  }

  close(): void {
    this.admin?.close();
    for (const setup of this.setups) setup.close();
  }

  private machine(name: string): PreparedMachine {
    const prepared = this.prepared.get(name);
    if (!prepared) throw new Error(`machine ${name} was not prepared (bootstrap runs prepare first)`);
    return prepared;
  }

  private client(access: ControlPlaneAccess): ApiClient {
    this.admin ??= new ApiClient(parseKubeconfig(access.kubeconfig));
    return this.admin;
  }
}

/** Runs one step on every machine at once; one error for all that failed, after all have settled. */
async function onEveryMachine<T>(
  machines: MachineRecord[],
  work: (m: MachineRecord) => Promise<T>,
): Promise<T[]> {
  const outcomes = await Promise.allSettled(machines.map(work));
  const failures = [
    ...new Set(outcomes.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))),
  ];
  if (failures.length > 0) throw bootstrapFailure(failures);
  return outcomes.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** kubeadm's label and taint for the control-plane node, added once (the agent keeps them). */
async function markControlPlane(client: ApiClient, node: Node): Promise<void> {
  const labelled = node.metadata?.labels?.[controlPlaneRole] !== undefined;
  const tainted = node.spec?.taints?.some((t) => t.key === controlPlaneRole);
  if (labelled && tainted) return;
  await client.resource<Node>(resource.nodes).patch(
    node.metadata?.name ?? '',
    {
      metadata: { labels: { [controlPlaneRole]: '' } },
      spec: { taints: tainted ? node.spec?.taints : [...(node.spec?.taints ?? []), controlPlaneTaint] },
    },
    'merge',
  );
}

/** One error for all failed machines: each line names a machine and its step. */
function bootstrapFailure(failures: Error[]): Error {
  // A machine that only waited for a failed control plane repeats its error: say it once.
  const lines = [...new Set(failures.map((e) => e.message))];
  const machines = failures.filter((e) => e instanceof MachineStepError).length;
  return new Error(
    `bootstrap failed on ${machines || failures.length} machine(s):\n  ${lines.join('\n  ')}\nFix what is named above and run \`kubelab up\` again: it keeps what is done and repairs the rest.`,
  );
}

async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  timeout: () => Error,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw timeout();
    await new Promise((r) => setTimeout(r, 250));
  }
}
