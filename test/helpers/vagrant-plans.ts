// Machine plans for the vagrant provider's tests: a fake SSH key (nothing reads the files) and
// the machines kubelab plans for a cluster with K workers.
import type { MachinePlan } from '../../src/provision/providers/machine-provider.js';
import { vagrantMachineNames } from '../../src/provision/providers/vagrant-plan.js';

export const testSshKey = { privateKeyPath: '/k/id_ed25519', publicKey: 'ssh-ed25519 AAAA test' };

export const vagrantTestPlan = (cluster: string, workers: number): MachinePlan => ({
  cluster,
  machines: vagrantMachineNames(cluster, workers),
  sshKey: testSshKey,
});
