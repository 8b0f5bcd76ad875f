// The e2e files' side of test/helpers/e2e-fixture-server.ts: locks over what this machine has
// only one of, held for a file, a test or a call, and the shared docker-provider cluster.
// e2e files run side by side (vitest.config.ts): whatever one of them changes on this machine
// that another could see goes through a lock here. See LockName for what each stands for.
import { request } from 'node:http';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { StatusError } from '../../src/api/status-error.js';
import { ApiClient } from '../../src/client/rest-client.js';
import type { LockMode, LockName, SharedDockerCluster } from './e2e-fixture-server.js';
import { kubelabIn } from './machine-cluster.js';
import { until } from './until.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The e2e fixture server's address (test/e2e/global-setup.ts). */
    e2eFixtures: string;
  }
}

export type { LockMode, LockName, SharedDockerCluster };

/** A wait for another file's lock can last as long as that file (the qemu cluster: ~10 min). */
const lockWaitMs = 60 * 60_000;

function whoAsks(): string {
  const path = expect.getState().testPath ?? `pid ${process.pid}`;
  return path.replace(/^.*\/test\//, 'test/');
}

/** Waits for the lock; call the returned function to let go. */
export function acquireLock(name: LockName, mode: LockMode): Promise<() => void> {
  const url = new URL('/lock', inject('e2eFixtures'));
  const holder = whoAsks();
  url.search = new URLSearchParams({ name, mode, holder }).toString();
  const askedAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => reject(new Error(`lock ${name}: ${res.statusCode} ${body}`)));
        return;
      }
      // The request stays open while the lock is held; closing it lets go.
      res.once('data', () => {
        const waitedMs = performance.now() - askedAt;
        // Said, so a slow run shows where its files waited for one another.
        if (waitedMs > 1_000)
          process.stderr.write(`${holder}: waited ${(waitedMs / 1000).toFixed(1)} s for ${name} (${mode})\n`);
        resolve(() => req.destroy());
      });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end();
  });
}

export async function withLock<T>(name: LockName, mode: LockMode, body: () => Promise<T>): Promise<T> {
  const release = await acquireLock(name, mode);
  try {
    return await body();
  } finally {
    release();
  }
}

/**
 * Call at the top level of a test file, before its own hooks: the lock is held from before its
 * first beforeAll until after its last afterAll.
 */
export function holdLockForFile(name: LockName, mode: LockMode): void {
  let release: (() => void) | undefined;
  beforeAll(async () => {
    release = await acquireLock(name, mode);
  }, lockWaitMs);
  afterAll(() => {
    release?.();
  });
}

/**
 * `kubelab ARGS` with this KUBELAB_HOME (as kubelabIn), where `up` holds the locks it needs:
 * it creates machines from the node image and builds the lab images.
 */
export function lockedKubelabIn(home: string) {
  const cli = kubelabIn(home);
  const locked = <T>(args: string[], run: () => Promise<T>): Promise<T> =>
    args[0] === 'up' ? withLock('node-image', 'shared', () => withLock('lab-images', 'shared', run)) : run();
  return {
    run: (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
      locked(args, () => cli.run(args, options)),
    ok: (args: string[], timeoutMs = 60_000) => locked(args, () => cli.ok(args, timeoutMs)),
  };
}

/** POSTs to the fixture server and resolves with the answer's body (rejects unless 200). */
function ask(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, inject('e2eFixtures')), { method: 'POST', agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(body))));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Resolves once the node image is in this machine's cache (built once for all files) and, with
 * `docker`, imported into Docker Engine (hold `host-docker` for that).
 */
export async function nodeImageBuilt(o: { docker: boolean }): Promise<void> {
  await ask(`/node-image${o.docker ? '?docker=1' : ''}`);
}

export interface SharedDockerClusterUse {
  /** The cluster (from the first beforeAll on). */
  readonly cluster: SharedDockerCluster;
  /**
   * Runs `body` with the cluster to this file alone (no other file's tests run on it
   * meanwhile): for tests that power off, partition or stop a node. `body` leaves every node
   * Ready again.
   */
  exclusively<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * Call at the top level of a test file that runs on the shared docker-provider cluster, before
 * its own hooks. The file keeps to a namespace of its own and removes what it made.
 */
export function sharedDockerClusterForFile(): SharedDockerClusterUse {
  let cluster: SharedDockerCluster | undefined;
  let release: (() => void) | undefined;
  holdLockForFile('host-docker', 'shared');
  beforeAll(async () => {
    cluster = JSON.parse(await ask('/docker-cluster')) as SharedDockerCluster;
    release = await acquireLock('docker-cluster', 'shared');
  }, lockWaitMs);
  afterAll(() => {
    release?.();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('the shared docker cluster is there from the first beforeAll on');
      return cluster;
    },
    async exclusively(body) {
      release?.();
      release = undefined;
      const releaseExclusive = await acquireLock('docker-cluster', 'exclusive');
      try {
        return await body();
      } finally {
        releaseExclusive();
        release = await acquireLock('docker-cluster', 'shared');
      }
    },
  };
}

/**
 * An admin client on the shared cluster and the file's own namespace: created before the
 * file's tests, deleted after them and waited for, so the next file sees the cluster as it was.
 * Call at the top level, after sharedDockerClusterForFile().
 */
export function namespaceOnSharedCluster(
  shared: SharedDockerClusterUse,
  namespace: string,
): { readonly admin: ApiClient } {
  let admin: ApiClient | undefined;
  beforeAll(async () => {
    admin = ApiClient.fromKubeconfig(shared.cluster.kubeconfig);
    await admin.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
  });
  afterAll(async () => {
    if (!admin) return;
    const client = admin;
    await client.request('DELETE', `/api/v1/namespaces/${namespace}`);
    await until(
      `namespace ${namespace} gone`,
      () =>
        client.request('GET', `/api/v1/namespaces/${namespace}`).then(
          () => false,
          (e: unknown) => e instanceof StatusError && e.code === 404,
        ),
      120_000,
      500,
    );
    client.close();
  }, 180_000);
  return {
    get admin() {
      if (!admin) throw new Error('the admin client is there from the first beforeAll on');
      return admin;
    },
  };
}
