// Issue 12's evidence: a node that rewrites its addresses gets no token and no request from
// the API server. A node, with its own credential, points status.addresses and
// daemonEndpoints at listeners that record every request: a server with a certificate of
// another CA, a server with the cluster CA's certificate of ANOTHER node, the other node's
// real kubelet, and the API server's own port. An admin's `logs`, `exec` and `top` through
// the API server then reach none of them: the TLS handshake fails on the API server's side
// (not the node's certificate), so no HTTP request and no Authorization header ever leaves,
// and the admin gets a 503 Status naming the node and why (or, for metrics, no metrics for
// it), never a 500. The honest node's own logs still work, as the control; and a listener
// that does hold the rogue node's own certificate gets the API server's request, as the API
// server (its client certificate), without the admin's Authorization header.
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SimNodeHost } from '../../src/agent/hosts/sim-node-host.js';
import { requestServingCertificate } from '../../src/agent/kubelet-serving-cert.js';
import { profiles } from '../../src/api/profiles.js';
import { resource } from '../../src/api/resources.js';
import { ensureServingPki } from '../../src/apiserver/pki.js';
import type { ApiClient } from '../../src/client/rest-client.js';
import { raw } from '../helpers/raw-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

/** An HTTPS server that records every request it gets (none should arrive). */
interface RecordingListener {
  name: string;
  port: number;
  /** Each request with the common name of the client certificate it came with. */
  requests: { url: string; headers: IncomingHttpHeaders; clientCertificate?: string | string[] }[];
  server: Server;
}

async function recordingListener(name: string, cert: { certPem: string; keyPem: string }) {
  const listener: RecordingListener = { name, port: 0, requests: [], server: undefined as never };
  const tls = { cert: cert.certPem, key: cert.keyPem, requestCert: true, rejectUnauthorized: false };
  listener.server = createServer(tls, (req, res) => {
    const clientCertificate = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
    listener.requests.push({ url: req.url ?? '', headers: req.headers, clientCertificate });
    res.end('recorded');
  });
  await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
  listener.port = (listener.server.address() as AddressInfo).port;
  return listener;
}

let server: TestServer;
let rogue: ApiClient;
let honestClient: ApiClient;
let honest: SimNodeHost;
let foreignDir: string;
const listeners: RecordingListener[] = [];

beforeAll(async () => {
  server = await startTestServer();
  rogue = await server.nodeClient('rogue');
  honestClient = await server.nodeClient('honest');
  honest = await SimNodeHost.start({
    client: honestClient,
    nodeNames: ['honest'],
    kubelet: { clusterCaPem: server.caPem },
    profile: profiles.lab,
    readyDelayMs: 50,
    log: () => {},
  });
  // A serving certificate for 127.0.0.1 from a CA that is not this cluster's.
  foreignDir = await mkdtemp(join(tmpdir(), 'kubelab-foreign-pki-'));
  listeners.push(await recordingListener('another CA', await ensureServingPki(foreignDir, [])));
  // The cluster CA's certificate, but the honest node's (as a node that stole or shares it).
  listeners.push(
    await recordingListener(
      "another node's certificate",
      await requestServingCertificate(honestClient, 'honest', ['127.0.0.1', 'honest']),
    ),
  );

  // The rogue node registers itself, with its own credential, and gets a pod bound to it
  // whose container it reports running (what a node may write about its own pods).
  await rogue.resource<Node>(resource.nodes).create({ metadata: { name: 'rogue' } });
  expect(
    (
      await raw(server, 'POST', '/api/v1/namespaces/default/pods', {
        body: {
          metadata: { name: 'victim' },
          spec: { nodeName: 'rogue', containers: [{ name: 'main', image: 'kubelab/web:1' }] },
        },
      })
    ).status,
  ).toBe(201);
  const now = new Date().toISOString();
  await rogue.resource<Pod>(resource.pods, 'default').patch(
    'victim',
    {
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'main',
            image: 'kubelab/web:1',
            imageID: '',
            containerID: 'sim://victim-main',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: now } },
          },
        ],
      },
    },
    'merge',
    { subresource: 'status' },
  );
});

afterAll(async () => {
  for (const l of listeners) {
    l.server.closeAllConnections();
    await new Promise((r) => l.server.close(r));
  }
  await honest?.stop();
  rogue?.close();
  honestClient?.close();
  await server?.stop();
  await rm(foreignDir, { recursive: true, force: true });
});

/** The rogue node, with its own credential, says its kubelet is at 127.0.0.1:port. */
async function pointRogueAt(port: number): Promise<void> {
  await rogue.resource<Node>(resource.nodes).patch(
    'rogue',
    {
      status: {
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: 'rogue' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: port } },
      },
    },
    'merge',
    { subresource: 'status' },
  );
}

/** The admin's `kubectl exec`: a WebSocket upgrade of pods/exec on the API server. */
function adminExec(): Promise<{ status: number; body: string }> {
  const url = `${server.url.replace(/^https/, 'wss')}/api/v1/namespaces/default/pods/victim/exec?command=id&stdout=true`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], {
      headers: { Authorization: `Bearer ${server.token}` },
      ca: server.caPem,
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('exec was connected'));
    });
    ws.on('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

describe('a node that rewrites its addresses gets no token and no request from the API server', () => {
  it('the listeners record requests that do reach them (the control)', async () => {
    for (const l of listeners) {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: l.port, path: '/probe', rejectUnauthorized: false },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(l.requests.map((r) => r.url)).toEqual(['/probe']);
      l.requests.length = 0;
    }
  });

  it("the honest node's kubelet answers the API server", async () => {
    const pods = honestClient.resource<Pod>(resource.pods, 'default');
    expect(
      (
        await raw(server, 'POST', '/api/v1/namespaces/default/pods', {
          body: {
            metadata: { name: 'honest-pod' },
            spec: { nodeName: 'honest', containers: [{ name: 'main', image: 'kubelab/web:1' }] },
          },
        })
      ).status,
    ).toBe(201);
    await until(
      'the honest pod running',
      async () => (await pods.get('honest-pod')).status?.containerStatuses?.[0]?.state?.running,
    );
    const log = await raw(server, 'GET', '/api/v1/namespaces/default/pods/honest-pod/log');
    expect(log.status).toBe(200);
    expect(log.text).toContain('SIMULATED container main');
  });

  const targets: { name: string; port: () => number; why: RegExp }[] = [
    { name: 'a server with another CA', port: () => listeners[0]!.port, why: /not issued by the cluster CA/ },
    {
      name: "a server with another node's certificate",
      port: () => listeners[1]!.port,
      why: /belongs to "system:node:honest", not to system:node:rogue/,
    },
    {
      name: "the other node's real kubelet",
      port: () => honest.kubeletPort!,
      why: /belongs to "system:node:honest", not to system:node:rogue/,
    },
    {
      name: "the API server's own port",
      port: () => Number(new URL(server.url).port),
      why: /belongs to "kubelab-apiserver", not to system:node:rogue/,
    },
  ];
  for (const target of targets) {
    it(`logs, exec and top refuse ${target.name}, naming the node`, async () => {
      await pointRogueAt(target.port());

      const logs = await raw(server, 'GET', '/api/v1/namespaces/default/pods/victim/log');
      expect(logs.status).toBe(503);
      expect(logs.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
      expect(logs.json.message).toContain(`the kubelet of node "rogue" at 127.0.0.1:${target.port()}`);
      expect(logs.json.message).toMatch(target.why);

      const exec = await adminExec();
      expect(exec.status).toBe(503);
      const execStatus = JSON.parse(exec.body);
      expect(execStatus.message).toContain('the kubelet of node "rogue"');
      expect(execStatus.message).toMatch(target.why);

      // metrics-server's way: a node it cannot scrape has no metrics, as its pods have none.
      const top = await raw(server, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes/rogue');
      expect(top.status).toBe(404);
      expect(top.json.message).toContain('"rogue" not found');
      const podTop = await raw(server, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
      expect(podTop.status).toBe(200);
      expect(podTop.json.items.map((p: Pod) => p.metadata?.name)).not.toContain('victim');

      for (const l of listeners) expect(l.requests, `${l.name} got a request`).toEqual([]);
    });
  }

  it('logs give up on an address that never completes a handshake, naming the node', async () => {
    // Reads the ClientHello and never answers it.
    const silent = createNetServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await pointRogueAt((silent.address() as AddressInfo).port);
      const logs = await raw(server, 'GET', '/api/v1/namespaces/default/pods/victim/log');
      expect(logs.status).toBe(503);
      expect(logs.json.message).toContain('the kubelet of node "rogue"');
      expect(logs.json.message).toContain('no verified TLS connection within 10 s');
    } finally {
      await new Promise((r) => silent.close(r));
    }
  }, 30_000);

  it("even the node's own listener, with its own certificate, gets the API server's request and not the admin's token", async () => {
    const own = await recordingListener(
      "rogue's own certificate",
      await requestServingCertificate(rogue, 'rogue', ['127.0.0.1', 'rogue']),
    );
    try {
      await pointRogueAt(own.port);
      const logs = await raw(server, 'GET', '/api/v1/namespaces/default/pods/victim/log');
      expect(logs.status).toBe(200);
      expect(logs.text).toBe('recorded');
      expect(own.requests).toHaveLength(1);
      expect(own.requests[0]).toMatchObject({
        url: '/containerLogs/default/victim/main',
        clientCertificate: 'kube-apiserver-kubelet-client',
      });
      expect(own.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      own.server.closeAllConnections();
      await new Promise((r) => own.server.close(r));
    }
  });
});
