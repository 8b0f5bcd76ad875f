// Turns a provider's machines into a cluster, the same way for every provider, as a person
// would by hand: on every machine at once, Docker Engine, a Node runtime, kubelab's programs
// and the lab images (machine-setup.ts); on the control-plane machine the server as a systemd
// service; once it answers, a join token that each machine's agent exchanges for its own
// credential (a node may then change only its own Node, Lease and pods); then wait until every
// Node is Ready. The control-plane machine is a node too, labelled and tainted as kubeadm does
// (node-role.kubernetes.io/control-plane, NoSchedule), so workloads land on the workers.
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { isNodeReady } from '../../api/node-state.js';
import { resource } from '../../api/resources.js';
import { buildKubeconfig, parseKubeconfig } from '../../client/kubeconfig.js';
import { ApiClient } from '../../client/rest-client.js';
import type { ProvisionedMachine } from '../providers/machine-provider.js';
import { MachineStepError } from '../ssh/index.js';
import { kubelabBundles } from './kubelab-bundles.js';
import { type ImagesArchive, MachineSetup, step } from './machine-setup.js';
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

export interface ClusterBootstrapOptions {
  cluster: string;
  profile: string;
  machines: ProvisionedMachine[];
  knownHostsPath: string;
  images?: ImagesArchive;
  progress: ProgressSink;
  /** How long Nodes may take to be Ready after their agents start (default 120 s; TCG is slow). */
  readyTimeoutMs?: number;
}

export interface ClusterBootstrapResult {
  /** The admin kubeconfig, pointing at the API server as this computer reaches it. */
  kubeconfig: string;
  server: string;
}

/** `https://host:port` where this computer reaches the control plane's API server. */
export function apiServerUrl(controlPlane: ProvisionedMachine): string {
  const host = controlPlane.apiEndpoint?.host ?? controlPlane.address;
  const port = controlPlane.apiEndpoint?.port ?? apiServerPort;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function bootstrapCluster(o: ClusterBootstrapOptions): Promise<ClusterBootstrapResult> {
  const controlPlane = o.machines.find((m) => m.role === 'control-plane');
  if (!controlPlane) throw new Error('the cluster has no control-plane machine');
  const bundles = kubelabBundles();
  const server = apiServerUrl(controlPlane);
  const setups: MachineSetup[] = [];
  let admin: ApiClient | undefined;

  // Every machine is prepared at once; the control plane's server starts as soon as its own
  // machine is ready, and each agent joins as soon as both it and the server are.
  let serverReady!: (v: { admin: ApiClient; caData: string; token: string }) => void;
  let serverFailed!: (e: unknown) => void;
  const serverUp = new Promise<{ admin: ApiClient; caData: string; token: string }>((resolve, reject) => {
    serverReady = resolve;
    serverFailed = reject;
  });
  serverUp.catch(() => undefined);

  const prepare = async (m: ProvisionedMachine) => {
    const setup = await MachineSetup.connect(m, o.knownHostsPath, o.progress);
    setups.push(setup);
    await setup.ensureDocker();
    const nodePath = await setup.ensureNodeRuntime();
    const changed = await setup.uploadPrograms(bundles, m.role === 'control-plane');
    // Loaded while the control plane starts; an agent starts only once they are in, so no pod
    // ever waits for (or tries to build) a lab image.
    const imagesLoaded = o.images ? setup.loadImages(o.images) : Promise.resolve();
    imagesLoaded.catch(() => undefined);
    return { setup, nodePath, changed, imagesLoaded };
  };

  const runControlPlane = async () => {
    try {
      const prepared = await prepare(controlPlane);
      const { setup, nodePath, changed } = prepared;
      await step(o.progress, controlPlane.name, 'start the control plane', async () => {
        const sans = [
          controlPlane.address,
          controlPlane.name,
          controlPlane.apiEndpoint?.host ?? controlPlane.address,
        ];
        const unitChanged = await setup.writeFile(
          `/etc/systemd/system/${serverUnitName}`,
          serverUnit({ nodePath, clusterName: o.cluster, profile: o.profile, sans }),
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
        const kubeconfig = buildKubeconfig({
          server,
          caData: onMachine.caData,
          token: onMachine.token,
          clusterName: o.cluster,
          userName: `${o.cluster}-admin`,
        });
        admin = new ApiClient(parseKubeconfig(kubeconfig));
        const client = admin;
        await waitFor(
          async () => {
            const text = await client
              .requestText('GET', '/readyz', { query: { verbose: 1 }, timeoutMs: 3_000 })
              .catch(() => undefined);
            return text?.includes('readyz check passed') ? text : undefined;
          },
          90_000,
          () =>
            setup.connection.error(
              'start the control plane',
              'timeout',
              `the API server at ${server} was not ready within 90 s: see \`journalctl -u ${serverUnitName}\` on the machine`,
            ),
        );
        serverReady({ admin: client, caData: onMachine.caData, token: onMachine.token });
        return { detail: server };
      });
      return prepared;
    } catch (e) {
      serverFailed(e);
      throw e;
    }
  };

  let joinToken: Promise<string> | undefined;
  const startAgent = async (
    m: ProvisionedMachine,
    prepared: Promise<Awaited<ReturnType<typeof prepare>>>,
  ) => {
    const { setup, nodePath, changed, imagesLoaded } = await prepared;
    const { admin: client, caData } = await serverUp;
    await imagesLoaded;
    await step(o.progress, m.name, 'join and start the agent', async () => {
      const joined = await setup.fileExists(nodeKubeconfigPath);
      if (!joined) {
        // One token for the whole run, asked for only when some machine still has to join.
        joinToken ??= client
          .request<{ token: string }>('POST', '/apis/join.kubelab.dev/v1/jointokens', {
            body: { ttlSeconds: 3600 },
          })
          .then((r) => r.token);
        await setup.writeFile(
          bootstrapKubeconfigPath,
          buildKubeconfig({
            // The agent reaches the API server across the cluster network, not through this computer.
            server: `https://${controlPlane.address}:${apiServerPort}`,
            caData,
            token: await joinToken,
            clusterName: o.cluster,
            userName: `bootstrap-${m.name}`,
          }),
          0o600,
        );
      }
      const unitChanged = await setup.writeFile(
        `/etc/systemd/system/${agentUnitName}`,
        agentUnit({ nodePath, nodeName: m.name, nodeIP: m.address }),
        0o644,
      );
      await setup.startUnit(agentUnitName, unitChanged || changed.agent);
      return { detail: joined ? 'already joined' : 'joined with a join token' };
    });
    await step(o.progress, m.name, 'Node Ready', async () => {
      const nodes = client.resource<Node>(resource.nodes);
      const ready = await waitFor(
        async () => {
          const node = await nodes.get(m.name).catch(() => undefined);
          return isNodeReady(node) ? node : undefined;
        },
        o.readyTimeoutMs ?? 120_000,
        () =>
          setup.connection.error(
            'Node Ready',
            'timeout',
            `node ${m.name} did not become Ready: see \`journalctl -u ${agentUnitName}\` on the machine`,
          ),
      );
      if (m.role === 'control-plane') await markControlPlane(client, ready);
      return { detail: ready.spec?.podCIDR ? `pod CIDR ${ready.spec.podCIDR}` : undefined };
    });
  };

  try {
    const cp = runControlPlane();
    const work = o.machines.map((m) => startAgent(m, m.role === 'control-plane' ? cp : prepare(m)));
    const outcomes = await Promise.allSettled([cp, ...work]);
    const failures = [
      ...new Set(outcomes.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))),
    ];
    if (failures.length > 0) throw bootstrapFailure(failures);
    const controlPlaneConfig = await serverUp;
    return {
      kubeconfig: buildKubeconfig({
        server,
        caData: controlPlaneConfig.caData,
        token: controlPlaneConfig.token,
        clusterName: o.cluster,
        userName: `${o.cluster}-admin`,
      }),
      server,
    };
  } finally {
    o.progress.close();
    admin?.close();
    for (const s of setups) s.close();
  }
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
