// The lab workload images against a real Docker Engine (started by scripts/install-docker.sh):
// built offline, labelled, skipped when current, and behaving as the labs expect.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorkloadImages,
  ensureImage,
  recipeHashLabel,
  workloadArchiveName,
  workloadImages,
} from '../../src/images/index.js';
import { holdLockForFile } from '../helpers/e2e-fixtures.js';

const docker = new Dockerode();
const testLabel = { 'dev.kubelab.test': 'images-e2e' };
const archiveDir = mkdtempSync(join(tmpdir(), 'kubelab-images-'));

async function removeTestContainers(): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: ['dev.kubelab.test=images-e2e'] },
  });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

async function removeImage(tag: string): Promise<void> {
  await docker
    .getImage(tag)
    .remove({ force: true })
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
}

// Lab images are removed and rebuilt here: no other file's pods or `kubelab up` meanwhile.
holdLockForFile('host-docker', 'exclusive');
beforeAll(removeTestContainers);
afterAll(async () => {
  await removeTestContainers();
  rmSync(archiveDir, { recursive: true, force: true });
});

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** GETs until the server answers at all (it starts within milliseconds of the container). */
async function getWhenServing(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await httpGet(url);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Starts an image with port 8080 published on an ephemeral loopback port. */
async function runHttpImage(image: string, env: string[] = []): Promise<{ base: string; startedMs: number }> {
  const startedAt = performance.now();
  const container = await docker.createContainer({
    Image: image,
    Env: env,
    Labels: testLabel,
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await container.start();
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
  if (!port) throw new Error(`${image}: port 8080 was not published`);
  const base = `http://127.0.0.1:${port}`;
  await getWhenServing(`${base}/healthz`);
  return { base, startedMs: performance.now() - startedAt };
}

describe('lab workload images on Docker Engine', () => {
  it('builds every image with its recipe-hash label, and skips them all the second time', async () => {
    // One image removed, so this run really builds whatever else is already present.
    await removeImage('kubelab/crash:latest');
    const startedAt = performance.now();
    const first = await buildWorkloadImages({ docker, archiveDir });
    const firstMs = performance.now() - startedAt;
    expect(first.map((i) => i.tag)).toEqual(workloadImages.map((i) => i.tag));
    expect(first.find((i) => i.tag === 'kubelab/crash:latest')?.built).toBe(true);
    for (const image of first) {
      const info = await docker.getImage(image.tag).inspect();
      expect(info.Config.Labels?.[recipeHashLabel]).toBe(image.recipeHash);
      expect(image.recipeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(image.sizeBytes).toBeLessThan(5_000_000);
    }
    const archive = join(archiveDir, workloadArchiveName);
    expect(existsSync(archive)).toBe(true);

    const steps: string[] = [];
    const second = await buildWorkloadImages({
      docker,
      archiveDir,
      onProgress: (e) => e.done && steps.push(e.step),
    });
    expect(second.every((i) => !i.built)).toBe(true);
    expect(second.map((i) => i.id)).toEqual(first.map((i) => i.id));
    expect(steps).toEqual([...workloadImages.map(() => 'up to date'), 'archive up to date']);
    const index = JSON.parse(readFileSync(archive.replace(/\.tar$/, '.json'), 'utf8')) as {
      images: { tag: string }[];
    };
    expect(index.images.map((i) => i.tag)).toEqual(workloadImages.map((i) => i.tag));
    console.log(
      `built ${first.filter((i) => i.built).length} images in ${(firstMs / 1000).toFixed(2)} s; sizes: ${first
        .map((i) => `${i.tag} ${(i.sizeBytes / 1e6).toFixed(2)} MB`)
        .join(', ')}`,
    );
  });

  it('ensureImage builds a missing image once, however many ask, and leaves a present one alone', async () => {
    await removeImage('kubelab/load:latest');
    const [a, b] = await Promise.all([
      ensureImage(docker, 'kubelab/load'),
      ensureImage(docker, 'kubelab/load'),
    ]);
    expect(a).toBe(b);
    expect(a.built).toBe(true);
    expect((await docker.getImage('kubelab/load:latest').inspect()).Id).toBe(a.id);
    const again = await ensureImage(docker, 'kubelab/load:latest');
    expect(again).toMatchObject({ built: false, id: a.id, recipeHash: a.recipeHash });
    await expect(ensureImage(docker, 'kubelab/nope:1')).rejects.toThrow(/not a kubelab workload image/);
  });

  it('kubelab/web:1 serves its version, pod name and colour, and answers its probes', async () => {
    const { base, startedMs } = await runHttpImage('kubelab/web:1', ['POD_NAME=web-e2e']);
    const root = await httpGet(`${base}/`);
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toEqual({ version: '1', pod: 'web-e2e', colour: 'blue' });
    expect((await httpGet(`${base}/ready`)).status).toBe(200);
    expect((await httpGet(`${base}/healthz`)).status).toBe(200);
    expect((await httpGet(`${base}/nowhere`)).status).toBe(404);
    console.log(`kubelab/web:1: create + start + first HTTP answer in ${startedMs.toFixed(0)} ms`);
  });

  it('kubelab/web:2 and :3 differ only in version and colour; PORT moves the server', async () => {
    const two = await runHttpImage('kubelab/web:2');
    expect(JSON.parse((await httpGet(`${two.base}/`)).body)).toMatchObject({ version: '2', colour: 'green' });
    const container = await docker.createContainer({
      Image: 'kubelab/web:3',
      Env: ['PORT=9090', 'POD_NAME=web-3'],
      Labels: testLabel,
      HostConfig: { PortBindings: { '9090/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      ExposedPorts: { '9090/tcp': {} },
    });
    await container.start();
    const port = (await container.inspect()).NetworkSettings.Ports['9090/tcp']?.[0]?.HostPort;
    const three = await getWhenServing(`http://127.0.0.1:${port}/`);
    expect(JSON.parse(three.body)).toEqual({ version: '3', pod: 'web-3', colour: 'orange' });
  });

  it('kubelab/web:broken serves / but fails /ready and /healthz with 500', async () => {
    const { base } = await runHttpImage('kubelab/web:broken');
    expect((await httpGet(`${base}/`)).status).toBe(200);
    expect((await httpGet(`${base}/ready`)).status).toBe(500);
    expect((await httpGet(`${base}/healthz`)).status).toBe(500);
  });

  it('kubelab/slow is ready only READY_AFTER_SECONDS after start', async () => {
    const { base } = await runHttpImage('kubelab/slow', ['READY_AFTER_SECONDS=2']);
    expect((await httpGet(`${base}/ready`)).status).toBe(503);
    const deadline = Date.now() + 5000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await httpGet(`${base}/ready`)).status;
    }
    expect(status).toBe(200);
  });

  it('kubelab/load burns CPU for the time asked', async () => {
    const { base } = await runHttpImage('kubelab/load');
    const startedAt = performance.now();
    const burn = await httpGet(`${base}/burn?ms=300`);
    expect(burn.status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(JSON.parse(burn.body)).toMatchObject({ burnedMs: 300 });
    expect((await httpGet(`${base}/burn?ms=lots`)).status).toBe(400);
  });

  it('kubelab/crash prints a line and exits 1 after about 3 s', async () => {
    const container = await docker.createContainer({ Image: 'kubelab/crash', Labels: testLabel });
    const startedAt = performance.now();
    await container.start();
    const exit = (await container.wait()) as { StatusCode: number };
    const elapsed = performance.now() - startedAt;
    expect(exit.StatusCode).toBe(1);
    expect(elapsed).toBeGreaterThan(2500);
    expect(elapsed).toBeLessThan(5000);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    expect(logs).toContain('exiting with status 1 in 3s');
  });

  it('kubelab/counter counts every second and serves the count', async () => {
    const { base } = await runHttpImage('kubelab/counter');
    const deadline = Date.now() + 5000;
    let count = 0;
    while (count < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      count = (JSON.parse((await httpGet(`${base}/`)).body) as { count: number }).count;
    }
    expect(count).toBeGreaterThanOrEqual(2);
  });

  it('kubelab/pause:1 runs without a network and stops within 2 s of docker stop', async () => {
    const container = await docker.createContainer({
      Image: 'kubelab/pause:1',
      Labels: testLabel,
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    expect((await container.inspect()).State.Running).toBe(true);
    const startedAt = performance.now();
    await container.stop({ t: 10 });
    expect(performance.now() - startedAt).toBeLessThan(2000);
    expect((await container.inspect()).State.ExitCode).toBe(0);
  });
});
