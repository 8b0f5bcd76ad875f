// Step: the pod's volumes on the host, under `<podsDir>/<pod uid>/volumes/<plugin>/<name>` as
// the kubelet lays them out. emptyDir is a fresh directory removed with the pod; hostPath is
// the host's own path (created for the *OrCreate types); configMap and secret volumes are
// written the way the kubelet's atomic writer does it — files in a `..<hash>` directory, a
// `..data` symlink swapped in one rename, and one symlink per top-level entry — so a change
// of the object reaches running containers whole, never half-written. A volume that cannot be
// set up yet (kubelet's FailedMount) keeps the container ContainerCreating. Running containers
// see configMap/secret changes: the files are re-synced every few seconds (the kubelet: about a
// minute), and a missing object keeps the old files. Dropping the pod removes its directory.
// A projected volume joins configMap, secret, downward API and ServiceAccount token sources in
// one directory (the kube-api-access-* volume admission gives every pod): the token is asked
// for through TokenRequest, bound to the pod, and asked for again before 80% of its life is
// gone, as the kubelet's token manager does, so a running container never reads a stale one.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  Container,
  KeyToPath,
  ProjectedVolumeSource,
  ServiceAccountTokenProjection,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { resource } from '../../api/resources.js';
import { defaultServiceAccountName } from '../../api/service-accounts.js';
import { resourcePath } from '../../client/rest-client.js';
import { volumeFieldValue } from '../pod-fields.js';
import { type PodObjectKind, PodObjectReader } from '../pod-object-reader.js';
import {
  type ContainerStepContext,
  containerRetryMs,
  type PodStep,
  type PodStepContext,
} from '../pod-step.js';
import type { Mount } from '../runtime/runtime.js';

class VolumeSetupError extends Error {}

/** How often configMap and secret volumes are compared with their objects. */
const projectedVolumeResyncMs = 3_000;

const defaultFileMode = 0o644;

function podDir(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

function volumePath(podsDir: string, uid: string, plugin: string, name: string): string {
  return join(podDir(podsDir, uid), 'volumes', plugin, name);
}

/** True when the pod has volumes whose content follows an API object (re-synced periodically). */
function hasProjectedVolumes(ctx: PodStepContext): boolean {
  return (ctx.pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.projected);
}

/** kube's default when a token projection names no lifetime. */
const defaultTokenExpirationSeconds = 3600;
/** kubelet's token manager: a token is renewed after 80% of its life, or after a day at most. */
const tokenRefreshFraction = 0.8;
const maxTokenAgeMs = 24 * 3600_000;

interface FileEntry {
  path: string;
  content: string;
  mode: number;
}

function projectedFiles(
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
  defaultMode: number | undefined,
  volume: string,
): FileEntry[] {
  const mode = defaultMode ?? defaultFileMode;
  if (!items?.length) return Object.entries(data).map(([k, content]) => ({ path: k, content, mode }));
  return items.flatMap((item) => {
    const content = data[item.key];
    if (content === undefined) {
      throw new VolumeSetupError(`configuration for volume "${volume}" has no key "${item.key}"`);
    }
    return [{ path: item.path, content, mode: item.mode ?? mode }];
  });
}

/** Atomic writer: nothing is rewritten when the content (and modes) did not change. */
async function writeProjected(dir: string, files: FileEntry[]): Promise<void> {
  const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const dataDir = `..${hash}`;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  if (previous === dataDir) return;
  for (const f of files) {
    const target = join(dir, dataDir, f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    await chmod(target, f.mode);
  }
  await mkdir(join(dir, dataDir), { recursive: true });
  await rm(join(dir, '..data_tmp'), { force: true });
  await symlink(dataDir, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  const tops = new Set(files.map((f) => f.path.split('/')[0] ?? f.path));
  for (const top of tops) {
    await rm(join(dir, top), { force: true, recursive: true });
    await symlink(join('..data', top), join(dir, top));
  }
  if (previous) await rm(join(dir, previous), { recursive: true, force: true });
}

async function hostPathVolume(v: Volume): Promise<string> {
  const hp = v.hostPath!;
  if (hp.type === 'DirectoryOrCreate') await mkdir(hp.path, { recursive: true, mode: 0o755 });
  if (hp.type === 'FileOrCreate') {
    await mkdir(dirname(hp.path), { recursive: true });
    await writeFile(hp.path, '', { flag: 'a' });
  }
  return hp.path;
}

/** Sets up (or refreshes) every volume; resolves to volume name -> host path. */
async function preparePodVolumes(ctx: PodStepContext): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  const podsDir = ctx.podsDir;
  if (!podsDir) return paths;
  const uid = ctx.record.uid;
  const reader = new PodObjectReader(ctx.client, ctx.pod.metadata?.namespace);
  for (const v of ctx.pod.spec?.volumes ?? []) {
    if (v.hostPath) paths.set(v.name, await hostPathVolume(v));
    else if (v.emptyDir) {
      const dir = volumePath(podsDir, uid, 'kubernetes.io~empty-dir', v.name);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      paths.set(v.name, dir);
    } else if (v.configMap || v.secret) {
      const kind = v.configMap ? 'configmap' : 'secret';
      const name = v.configMap?.name ?? v.secret?.secretName ?? '';
      const source = v.configMap ?? v.secret!;
      const dir = volumePath(
        podsDir,
        uid,
        `kubernetes.io~${kind === 'configmap' ? 'configmap' : 'secret'}`,
        v.name,
      );
      await writeProjected(dir, await objectFiles(reader, kind, name, source, source.defaultMode, v.name));
      paths.set(v.name, dir);
    } else if (v.projected) {
      const dir = volumePath(podsDir, uid, 'kubernetes.io~projected', v.name);
      await writeProjected(dir, await projectedVolumeFiles(ctx, reader, v.name, v.projected));
      paths.set(v.name, dir);
    }
  }
  return paths;
}

/** A configMap's or secret's files; one that is missing and not optional cannot be mounted yet. */
async function objectFiles(
  reader: PodObjectReader,
  kind: PodObjectKind,
  name: string,
  source: { items?: KeyToPath[]; optional?: boolean },
  defaultMode: number | undefined,
  volume: string,
): Promise<FileEntry[]> {
  const data = await reader.data(kind, name);
  if (!data && !source.optional)
    throw new VolumeSetupError(
      `MountVolume.SetUp failed for volume "${volume}" : ${kind} "${name}" not found`,
    );
  return projectedFiles(data ?? {}, source.items, defaultMode, volume);
}

/** Every source's files, in one list; sources are written together, as one volume. */
async function projectedVolumeFiles(
  ctx: PodStepContext,
  reader: PodObjectReader,
  volume: string,
  projected: ProjectedVolumeSource,
): Promise<FileEntry[]> {
  const mode = projected.defaultMode ?? defaultFileMode;
  const files: FileEntry[] = [];
  for (const source of projected.sources ?? []) {
    const object = source.configMap ?? source.secret;
    if (object) {
      const kind = source.configMap ? 'configmap' : 'secret';
      files.push(...(await objectFiles(reader, kind, object.name ?? '', object, mode, volume)));
    }
    for (const item of source.downwardAPI?.items ?? []) {
      const path = item.fieldRef?.fieldPath ?? '';
      const content = volumeFieldValue(ctx.pod, path);
      if (content === undefined)
        throw new VolumeSetupError(
          `MountVolume.SetUp failed for volume "${volume}" : unsupported fieldPath: ${path}`,
        );
      files.push({ path: item.path, content, mode: item.mode ?? mode });
    }
    if (source.serviceAccountToken)
      files.push({
        path: source.serviceAccountToken.path,
        content: await serviceAccountToken(ctx, volume, source.serviceAccountToken),
        mode,
      });
  }
  return files;
}

/** The pod's token for this projection: the one the agent holds, or a new one when it is due. */
async function serviceAccountToken(
  ctx: PodStepContext,
  volume: string,
  projection: ServiceAccountTokenProjection,
): Promise<string> {
  const expirationSeconds = projection.expirationSeconds ?? defaultTokenExpirationSeconds;
  const key = `${projection.audience ?? ''}/${expirationSeconds}`;
  ctx.record.serviceAccountTokens ??= new Map();
  const held = ctx.record.serviceAccountTokens.get(key);
  const now = ctx.clock.now();
  if (held && now < held.refreshAtMs) return held.token;
  const meta = ctx.pod.metadata ?? {};
  const serviceAccount = ctx.pod.spec?.serviceAccountName || defaultServiceAccountName;
  let status: { token: string; expirationTimestamp: string };
  try {
    ({ status } = await ctx.client.request<{ status: typeof status }>(
      'POST',
      resourcePath(resource.serviceAccounts, meta.namespace, serviceAccount, 'token'),
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: projection.audience ? [projection.audience] : [],
            expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: meta.name, uid: meta.uid },
          },
        },
      },
    ));
  } catch (e) {
    throw new VolumeSetupError(
      `MountVolume.SetUp failed for volume "${volume}" : failed to fetch token: ${(e as Error).message}`,
    );
  }
  const lifeMs = Date.parse(status.expirationTimestamp) - now;
  const refreshAtMs = now + Math.min(lifeMs * tokenRefreshFraction, maxTokenAgeMs);
  ctx.record.serviceAccountTokens.set(key, { token: status.token, refreshAtMs });
  return status.token;
}

/** The container's volumeMounts as host binds; configMap, secret and projected volumes are read-only. */
function containerMounts(ctx: PodStepContext, spec: Container, paths: Map<string, string>): Mount[] {
  const volumes = new Map((ctx.pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (spec.volumeMounts ?? []).flatMap((m) => {
    const hostPath = paths.get(m.name);
    if (!hostPath) return [];
    const v = volumes.get(m.name);
    return [
      {
        hostPath: m.subPath ? join(hostPath, m.subPath) : hostPath,
        containerPath: m.mountPath,
        readOnly: m.readOnly === true || Boolean(v?.configMap || v?.secret || v?.projected),
      },
    ];
  });
}

async function mountVolumes(ctx: ContainerStepContext): Promise<boolean> {
  let paths: Map<string, string>;
  try {
    paths = await preparePodVolumes(ctx);
  } catch (e) {
    if (!(e instanceof VolumeSetupError)) throw e;
    ctx.container.waiting = undefined;
    ctx.recorder.event(ctx.pod, 'Warning', 'FailedMount', e.message);
    ctx.requeueAfter(containerRetryMs);
    return false;
  }
  ctx.launch.mounts = containerMounts(ctx, ctx.spec, paths);
  return true;
}

export const podVolumesStep: PodStep = {
  name: 'pod-volumes',
  async update(ctx) {
    if (!ctx.podsDir || !ctx.record.sandbox || !hasProjectedVolumes(ctx)) return;
    await preparePodVolumes(ctx).catch(() => undefined);
    ctx.requeueAfter(projectedVolumeResyncMs);
  },
  prestart: mountVolumes,
  async kill(node, remains) {
    if (node.podsDir && remains.uid)
      await rm(podDir(node.podsDir, remains.uid), { recursive: true, force: true });
  },
};
