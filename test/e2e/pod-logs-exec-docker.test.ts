// pods/{name}/log and pods/{name}/exec on a real Docker Engine: the API server proxies to the
// agent's HTTPS endpoint (KubeletServer), which streams `docker logs` of the pod's container,
// demultiplexed, or relays a WebSocket to `docker exec`. kubelab/counter prints `count: N`
// every second; kubelab/crash prints two lines and exits 1. Clients: the API directly, the
// built `kubelab` CLI, real kubectl, and a terminal (tmux) for `exec -it`.
// Every container carries the test run's label and is removed at the end.
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { type DockerTestNode, startDockerTestNode } from '../helpers/docker-test-node.js';
import { holdLockForFile } from '../helpers/e2e-fixtures.js';
import { raw } from '../helpers/raw-request.js';
import { kubelab, kubelabCli, runCommand } from '../helpers/run-command.js';
import type { TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const execPath = (pod: string, query = '') => `/api/v1/namespaces/default/pods/${pod}/exec${query}`;
const nodeName = 'logs-docker-e2e';
const runId = Math.random().toString(16).slice(2, 10);
const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

let t: DockerTestNode;
let server: TestServer;
let client: ApiClient;

const pods = () => t.pods();
const logPath = (pod: string, query = '') => `/api/v1/namespaces/default/pods/${pod}/log${query}`;

holdLockForFile('host-docker', 'shared');

beforeAll(async () => {
  t = await startDockerTestNode(nodeName, { kubelet: true, backoff: { initialMs: 500, maxMs: 2_000 } });
  server = t.server;
  client = t.client;
  const pod = await pods().create({
    metadata: { name: 'logs', namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'counter', image: 'kubelab/counter:latest' },
        { name: 'crash', image: 'kubelab/crash:latest', env: [{ name: 'CRASH_AFTER_SECONDS', value: '1' }] },
      ],
    },
  });
  expect(pod.spec?.nodeName).toBe(nodeName);
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

describe('pods/{name}/log on Docker Engine', () => {
  it('shows a container log, selected with container=, with tail and timestamps', async () => {
    const text = await until('three counts', async () => {
      const r = await raw(server, 'GET', logPath('logs', '?container=counter'));
      return r.status === 200 && r.text.includes('count: 3\n') && r.text;
    });
    // The image's HTTP listener and its counter start together: their first lines may interleave.
    expect(text).toContain('listening on :8080 (pod logs)\n');
    expect(
      text
        .split('\n')
        .filter((l) => l.startsWith('count: '))
        .slice(0, 3),
    ).toEqual(['count: 1', 'count: 2', 'count: 3']);
    expect(text).not.toContain('kubelab/crash');
    const tail = await raw(server, 'GET', logPath('logs', '?container=counter&tailLines=2'));
    expect(tail.text).toMatch(/^count: \d+\ncount: \d+\n$/);
    const stamped = await raw(
      server,
      'GET',
      logPath('logs', '?container=counter&tailLines=1&timestamps=true'),
    );
    expect(stamped.text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z count: \d+\n$/);
    const ambiguous = await raw(server, 'GET', logPath('logs'));
    expect(ambiguous.json.message).toBe(
      'a container name must be specified for pod logs, choose one of: [counter crash]',
    );
  });

  it('follows the log: a new line arrives while the stream is open', async () => {
    const ca = loadKubeconfig(server.kubeconfigPath).caData;
    let text = '';
    const req = request(new URL(logPath('logs', '?container=counter&follow=true&tailLines=1'), server.url), {
      headers: { authorization: `Bearer ${server.token}` },
      ca,
    });
    const status = await new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
        });
        res.on('error', () => {});
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const first = Number(
      (await until('the tail line', async () => /count: (\d+)\n/.exec(text) ?? undefined))[1],
    );
    await until('a newer line', async () => text.includes(`count: ${first + 1}\n`), 10_000);
    req.destroy();
  });

  it("shows the crashed container's output, and its previous instance after a restart (--previous)", async () => {
    const lines = await until('the crash output', async () => {
      const r = await raw(server, 'GET', logPath('logs', '?container=crash'));
      return r.status === 200 && r.text.includes('crashing now') && r.text;
    });
    expect(lines).toContain('kubelab/crash on');
    // The agent keeps the exited instance when it starts the next one (the kubelet's container
    // GC keeps one dead container per name), so --previous reads it.
    await until('a restart', async () => {
      const p = await pods().get('logs');
      return (p.status?.containerStatuses?.find((c) => c.name === 'crash')?.restartCount ?? 0) >= 1;
    });
    const previous = await raw(server, 'GET', logPath('logs', '?container=crash&previous=true'));
    expect(previous.status).toBe(200);
    expect(previous.text).toContain('crashing now');
    // The counter never restarted: kube's words for a previous instance that does not exist.
    const none = await raw(server, 'GET', logPath('logs', '?container=counter&previous=true'));
    expect(none.status).toBe(400);
    expect(none.json.message).toBe('previous terminated container "counter" in pod "logs" not found');
  });

  it('works with real kubectl', async () => {
    if (!kubectlPath) throw new Error('kubectl is required for this test (/usr/bin/kubectl)');
    const r = await runCommand(kubectlPath, [
      '--kubeconfig',
      server.kubeconfigPath,
      'logs',
      'logs',
      '-c',
      'counter',
      '--tail=3',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^(count: \d+\n){3}$/);
  });
});

describe('pods/{name}/exec on Docker Engine', () => {
  const kubectl = (args: string[], input?: string) => {
    if (!kubectlPath) throw new Error('kubectl is required for this test (/usr/bin/kubectl)');
    return runCommand(kubectlPath, ['--kubeconfig', server.kubeconfigPath, ...args], { input });
  };
  const cli = (args: string[], input?: string) =>
    kubelab(['--kubeconfig', server.kubeconfigPath, ...args], { input });

  it.each([
    ['kubelab', cli],
    ['kubectl', kubectl],
  ])('%s exec runs a command: stdout, stderr, its exit code; -i passes stdin and its end', async (_, run) => {
    const r = await run([
      'exec',
      'logs',
      '-c',
      'counter',
      '--',
      'sh',
      '-c',
      'echo out $HOSTNAME; echo err >&2; exit 3',
    ]);
    expect(r.stdout).toBe('out logs\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3\n');
    expect(r.code).toBe(3);
    const ok = await run(['exec', 'logs', '-c', 'counter', '--', 'cat', '/etc/hostname']);
    expect(ok).toEqual({ code: 0, stdout: 'logs\n', stderr: '' });
    // The command reads to the end of its input, so it must see stdin close.
    const piped = await run(
      ['exec', '-i', 'logs', '-c', 'counter', '--', 'sh', '-c', 'tr a-z A-Z; wc -l </dev/null'],
      'hello\n',
    );
    expect(piped).toMatchObject({ code: 0, stdout: 'HELLO\n0\n' });
  });

  it.each([
    ['kubelab', `${process.execPath} ${kubelabCli}`],
    ['kubectl', kubectlPath ?? 'kubectl'],
  ])('%s exec -it gives a terminal: raw keys, prompt, window size (in tmux)', async (name, program) => {
    const session = `kubelab-exec-${name}-${runId}`;
    const tmux = (...args: string[]) => runCommand('tmux', args);
    await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30');
    try {
      await tmux(
        'send-keys',
        '-t',
        session,
        `${program} --kubeconfig ${server.kubeconfigPath} exec -it logs -c counter -- sh; echo "exit=$?"`,
        'Enter',
      );
      const screen = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;
      // capture-pane drops trailing blanks: busybox's prompt "/ # " reads "/ #".
      await until('the shell prompt', async () => /^\/ #$/m.test(await screen()), 20_000);
      await tmux('send-keys', '-t', session, 'echo $((6*7)); stty size; tty', 'Enter');
      const text = await until('the answers', async () => {
        const s = await screen();
        // All three lines: on a busy machine the screen may be read between two of them.
        return /^42$/m.test(s) && /^30 100$/m.test(s) && /^\/dev\/pts\/\d+$/m.test(s) && s;
      });
      expect(text).toMatch(/^\/dev\/pts\/\d+$/m);
      await tmux('send-keys', '-t', session, 'exit 5', 'Enter');
      await until('the exit code in the local shell', async () => /^exit=5$/m.test(await screen()));
    } finally {
      await tmux('kill-session', '-t', session);
    }
  });

  it("refuses what cannot run, with kube's messages", async () => {
    const plain = await raw(server, 'GET', execPath('logs', '?command=true&container=counter'));
    expect(plain.status).toBe(400);
    expect(plain.json.message).toBe('Upgrade request required');
    const unknown = await cli(['exec', 'logs', '-c', 'nope', '--', 'true']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('container nope is not valid for pod logs');
    const missing = await cli(['exec', 'ghost', '--', 'true']);
    expect(missing.stderr).toContain('pods "ghost" not found');
    const notFound = await cli(['exec', 'logs', '-c', 'counter', '--', 'no-such-command']);
    // Docker Engine reports a command it cannot start in the output stream, exit code 126.
    expect(notFound.code).toBe(126);
    expect(notFound.stdout).toContain('"no-such-command": executable file not found in $PATH');
    // A node that is SIMULATED has no processes to exec into; the message says so.
    await client.resource<Node>(resource.nodes).create({
      metadata: { name: 'sim-exec', labels: { 'node.kubelab.dev/simulated': 'true' } },
    });
    await pods().create({
      metadata: { name: 'on-sim', namespace: 'default' },
      spec: { nodeName: 'sim-exec', containers: [{ name: 'c', image: 'kubelab/web:1' }] },
    });
    // As a sim agent would report it: running (the API server checks that before the node).
    await pods().patch(
      'on-sim',
      {
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'c',
              image: 'kubelab/web:1',
              imageID: '',
              ready: true,
              restartCount: 0,
              state: { running: {} },
            },
          ],
        },
      },
      'merge',
      { subresource: 'status' },
    );
    const sim = await kubectl(['exec', 'on-sim', '--', 'true']);
    expect(sim.code).not.toBe(0);
    expect(sim.stderr).toContain('node "sim-exec" is SIMULATED');
  });
});
