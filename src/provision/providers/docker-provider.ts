// The `docker` provider: machines are container-nodes (docker-machines.ts) of the node image,
// which is built first when this computer has none (`kubelab images build node`, ~2 min once,
// then cached). Poweroff and partition are Docker operations on the machine's container.
import Docker from 'dockerode';
import { buildNodeImage } from '../../images/index.js';
import {
  destroyDockerMachine,
  ensureDockerMachine,
  listDockerMachines,
  partitionDockerMachine,
  powerOffDockerMachine,
  recoverDockerMachine,
} from './docker-machines.js';
import type {
  MachineFailureMode,
  MachinePlan,
  MachineProvider,
  ProviderProgress,
  ProvisionedMachine,
} from './machine-provider.js';

export class DockerProvider implements MachineProvider {
  readonly name = 'docker';

  constructor(private readonly docker = new Docker()) {}

  async ensureMachines(plan: MachinePlan, progress: ProviderProgress): Promise<ProvisionedMachine[]> {
    const image = await this.nodeImage(progress);
    return Promise.all(
      plan.machines.map(async ({ name, role }) => {
        progress(name, 'container-node', 'started');
        const m = await ensureDockerMachine(this.docker, {
          cluster: plan.cluster,
          name,
          role,
          image,
          publicKey: plan.sshKey.publicKey,
        });
        progress(name, 'container-node', 'done', `${m.address} (${m.containerId.slice(0, 12)})`);
        return {
          name,
          role,
          address: m.address,
          ssh: {
            address: m.address,
            port: m.sshPort,
            user: m.user,
            privateKeyPath: plan.sshKey.privateKeyPath,
          },
        };
      }),
    );
  }

  private async nodeImage(progress: ProviderProgress): Promise<string> {
    const label = 'node image';
    progress(label, 'kubelab/node', 'started');
    const image = await buildNodeImage({
      docker: this.docker,
      onProgress: (e) => {
        if (e.state === 'started' || e.state === 'detail')
          progress(label, 'kubelab/node', 'detail', `${e.step}${e.detail ? `: ${e.detail}` : ''}`);
      },
    });
    if (!image.dockerImage) throw new Error('the node image was built without its Docker image');
    progress(label, 'kubelab/node', 'done', image.dockerImage);
    return image.dockerImage;
  }

  async destroyMachines(cluster: string): Promise<void> {
    for (const m of await listDockerMachines(this.docker, cluster))
      await destroyDockerMachine(this.docker, cluster, m.name);
  }

  async failMachine(cluster: string, machine: ProvisionedMachine, mode: MachineFailureMode): Promise<void> {
    if (mode === 'poweroff') await powerOffDockerMachine(this.docker, machine.name);
    else await partitionDockerMachine(this.docker, cluster, machine.name);
  }

  async recoverMachine(cluster: string, machine: ProvisionedMachine): Promise<void> {
    await recoverDockerMachine(this.docker, cluster, machine.name, machine.address);
  }
}
