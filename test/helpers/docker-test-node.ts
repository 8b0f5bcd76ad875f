// One real node on the local Docker Engine for e2e tests: an in-process API server, a
// DockerNode (the agent) registered with it, and cleanup that removes every container the run
// created (all carry the run's label) and the agent's data folder.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { DockerNode, type DockerNodeOptions } from '../../src/agent/hosts/docker-node-host.js';
import { testRunLabel } from '../../src/agent/runtime/docker-labels.js';
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { ApiClient, type ResourceClient } from '../../src/client/rest-client.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface DockerTestNode {
  server: TestServer;
  client: ApiClient;
  docker: Docker;
  nodeName: string;
  /** The running agent (replaced by startAgent). */
  node: DockerNode;
  pods(namespace?: string): ResourceClient<Pod>;
  /** Starts another agent for the same node (after `node.stop()`: an agent restart). */
  startAgent(): Promise<DockerNode>;
  stop(): Promise<void>;
}

type AgentOptions = Partial<Omit<DockerNodeOptions, 'client' | 'nodeName' | 'dataDir' | 'kubelet'>> & {
  /** Serve logs, exec and usage on a free port (the kubelet endpoint). */
  kubelet?: boolean;
};

export async function startDockerTestNode(
  nodeName: string,
  options: AgentOptions = {},
): Promise<DockerTestNode> {
  const runId = randomBytes(4).toString('hex');
  const docker = new Docker();
  const server = await startTestServer();
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  const dataDir = await mkdtemp(join(tmpdir(), `kubelab-${nodeName}-`));
  const { kubelet, ...rest } = options;
  // The agent runs with its node's own credential, as a joined node does.
  const nodeClient = await server.nodeClient(nodeName);
  const startAgent = () =>
    DockerNode.start({
      client: nodeClient,
      nodeName,
      dataDir,
      runtime: { extraLabels: { [testRunLabel]: runId } },
      profile: { ...profiles.lab, leaseRenewIntervalMs: 500, nodeStatusReportIntervalMs: 2_000 },
      log: () => {},
      ...rest,
      ...(kubelet ? { kubelet: { clusterCaPem: server.caPem, port: 0 } } : {}),
    });
  const harness: DockerTestNode = {
    server,
    client,
    docker,
    nodeName,
    node: await startAgent(),
    pods: (namespace = 'default') => client.resource<Pod>(resource.pods, namespace),
    async startAgent() {
      harness.node = await startAgent();
      return harness.node;
    },
    async stop() {
      await harness.node.stop();
      const mine = await docker.listContainers({
        all: true,
        filters: { label: [`${testRunLabel}=${runId}`] },
      });
      for (const c of mine) await docker.getContainer(c.Id).remove({ force: true });
      client.close();
      nodeClient.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
