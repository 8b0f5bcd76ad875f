// Bootstrap's pure parts: the machines a cluster plans (kind's names), the systemd units a
// machine gets (exactly the command lines that run there), the API server URL this computer
// uses, and the progress lines `kubelab up` prints when it is not in a terminal.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { apiServerUrl } from '../../src/provision/bootstrap/cluster-bootstrap.js';
import { ProgressReporter } from '../../src/provision/bootstrap/progress-reporter.js';
import { agentUnit, serverUnit } from '../../src/provision/bootstrap/systemd-units.js';
import { planMachines } from '../../src/provision/cluster-provider.js';

describe('planMachines', () => {
  it('names the control plane and workers as kind does', () => {
    expect(planMachines('lab', 3)).toEqual([
      { name: 'lab-control-plane', role: 'control-plane' },
      { name: 'lab-worker', role: 'worker' },
      { name: 'lab-worker2', role: 'worker' },
      { name: 'lab-worker3', role: 'worker' },
    ]);
    expect(planMachines('x', 0)).toEqual([{ name: 'x-control-plane', role: 'control-plane' }]);
  });
});

describe('systemd units', () => {
  it('the server unit serves 6443 on every address with the SANs it is reached by, once each', () => {
    const unit = serverUnit({
      nodePath: '/opt/kubelab/node/bin/node',
      clusterName: 'lab',
      profile: 'lab',
      sans: ['172.28.1.2', 'lab-control-plane', '172.28.1.2'],
    });
    expect(unit).toContain(
      'ExecStart=/opt/kubelab/node/bin/node --max-semi-space-size=16 --heap-growing-percent=30 /opt/kubelab/bin/kubelab-server.mjs --data-dir /var/lib/kubelab/server --listen 0.0.0.0:6443 --cluster-name lab --profile lab --san 172.28.1.2 --san lab-control-plane\n',
    );
    expect(unit).toContain('Restart=always');
    expect(unit).toContain('WantedBy=multi-user.target');
  });

  it('the agent unit joins with the bootstrap kubeconfig, advertises the machine address and runs host-gw', () => {
    const unit = agentUnit({ nodePath: '/usr/bin/node', nodeName: 'lab-worker', nodeIP: '10.10.0.3' });
    expect(unit).toContain(
      'ExecStart=/usr/bin/node --max-semi-space-size=1 /opt/kubelab/bin/kubelab-agent.mjs --kubeconfig /etc/kubelab/kubelet.kubeconfig --bootstrap-kubeconfig /etc/kubelab/bootstrap.kubeconfig --node-name lab-worker --runtime docker --node-ip 10.10.0.3 --pod-network host-gw --data-dir /var/lib/kubelab/agent\n',
    );
    expect(unit).toContain('After=docker.service');
    // Stopping the agent must not take the pods' containers with it.
    expect(unit).toContain('KillMode=process');
  });

  it('quotes what the shell would split', () => {
    expect(agentUnit({ nodePath: '/opt/my node/node', nodeName: 'n', nodeIP: '10.0.0.1' })).toContain(
      "ExecStart='/opt/my node/node' ",
    );
  });
});

describe('apiServerUrl', () => {
  const machine = {
    name: 'cp',
    role: 'control-plane' as const,
    address: '10.0.0.2',
    ssh: { address: '10.0.0.2', port: 22, user: 'root', privateKeyPath: '/k' },
  };
  it('is the machine address on 6443, or the forwarded endpoint when the provider has one', () => {
    expect(apiServerUrl(machine)).toBe('https://10.0.0.2:6443');
    expect(apiServerUrl({ ...machine, apiEndpoint: { host: '127.0.0.1', port: 40123 } })).toBe(
      'https://127.0.0.1:40123',
    );
  });
});

describe('ProgressReporter (not a terminal)', () => {
  it('prints a line when a step starts and ends, details at most every few seconds, and keeps timings', () => {
    let text = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    let now = 0;
    const progress = new ProgressReporter(out, () => now);
    progress.step('w1', 'Node runtime', 'started');
    now = 1000;
    progress.step('w1', 'Node runtime', 'detail', '10 MB of 120 MB');
    now = 3500;
    progress.step('w1', 'Node runtime', 'detail', '60 MB of 120 MB');
    progress.step('cp', 'start the control plane', 'started');
    now = 5000;
    progress.step('w1', 'Node runtime', 'done', 'uploaded');
    progress.step('cp', 'start the control plane', 'failed', 'timed out');
    expect(text.split('\n')).toEqual([
      'w1: Node runtime...',
      'w1: Node runtime: 60 MB of 120 MB',
      'cp: start the control plane...',
      'w1: Node runtime done in 5.0 s (uploaded)',
      'cp: start the control plane FAILED in 1.5 s (timed out)',
      '',
    ]);
    expect(progress.timings).toEqual([{ machine: 'w1', step: 'Node runtime', ms: 5000 }]);
  });
});
