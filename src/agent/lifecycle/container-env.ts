// Step helper: a container's environment as the kubelet builds it (makeEnvironmentVariables):
// envFrom first (configMaps and secrets, with prefix; keys that are not valid variable names
// are skipped), then env in order, each value with $(VAR) references to earlier variables
// expanded; valueFrom reads configMap and secret keys and the pod's own fields. A missing
// object or key that is not optional is the error the kubelet reports as
// CreateContainerConfigError, with the kubelet's message.
import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Secret } from 'kubernetes-types/core/v1.js';
import { resource } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import type { PodStepContext } from './step-context.js';

/** What the kubelet reports as CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Reads configMaps and secrets of the pod's namespace, each once per step. */
export class PodObjectReader {
  private readonly cache = new Map<string, Promise<Record<string, string> | undefined>>();

  constructor(private readonly ctx: PodStepContext) {}

  /** Data of a configMap (binaryData decoded) or secret (base64 decoded); undefined when missing. */
  data(kind: 'configmap' | 'secret', name: string): Promise<Record<string, string> | undefined> {
    const key = `${kind}/${name}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.read(kind, name);
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** Like data(), but a missing object that is not optional is a ContainerConfigError. */
  async required(kind: 'configmap' | 'secret', name: string, optional?: boolean) {
    const data = await this.data(kind, name);
    if (!data && !optional) throw new ContainerConfigError(`${kind} "${name}" not found`);
    return data;
  }

  private async read(kind: 'configmap' | 'secret', name: string) {
    const ns = this.ctx.pod.metadata?.namespace;
    try {
      if (kind === 'configmap') {
        const cm = await this.ctx.client.resource<ConfigMap>(resource.configMaps, ns).get(name);
        const binary = Object.entries(cm.binaryData ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]);
        return { ...cm.data, ...Object.fromEntries(binary) };
      }
      const secret = await this.ctx.client.resource<Secret>(resource.secrets, ns).get(name);
      const decoded = Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]);
      return { ...Object.fromEntries(decoded), ...secret.stringData };
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }
}

/** $(VAR) becomes the variable's value when it is defined; $$ is a literal $ (Kubernetes' expansion). */
export function expandVariables(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) =>
    m === '$$' ? '$' : name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m,
  );
}

function fieldValue(ctx: PodStepContext, ref: ObjectFieldSelector): string {
  const { pod } = ctx;
  const path = ref.fieldPath;
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (labelOrAnnotation) {
    const map = labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[labelOrAnnotation[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.record.sandbox?.ip ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.status?.hostIP ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

async function envVarValue(
  ctx: PodStepContext,
  reader: PodObjectReader,
  v: EnvVar,
  vars: Map<string, string>,
): Promise<string | undefined> {
  const from = v.valueFrom;
  if (!from) return expandVariables(v.value ?? '', vars);
  if (from.fieldRef) return fieldValue(ctx, from.fieldRef);
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const kind = from.configMapKeyRef ? 'configmap' : 'secret';
    const data = await reader.required(kind, ref.name ?? '', ref.optional);
    if (!data) return undefined;
    if (!(ref.key in data)) {
      if (ref.optional) return undefined;
      const ns = ctx.pod.metadata?.namespace;
      throw new ContainerConfigError(
        `couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`,
      );
    }
    return data[ref.key];
  }
  return '';
}

export async function containerEnv(
  ctx: PodStepContext,
  spec: Container,
  reader = new PodObjectReader(ctx),
): Promise<Map<string, string>> {
  const vars = new Map<string, string>();
  for (const source of spec.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const data = await reader.required(
      source.configMapRef ? 'configmap' : 'secret',
      ref?.name ?? '',
      ref?.optional,
    );
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = `${source.prefix ?? ''}${k}`;
      if (envName.test(name)) vars.set(name, v);
    }
  }
  for (const v of spec.env ?? []) {
    const value = await envVarValue(ctx, reader, v, vars);
    if (value !== undefined) vars.set(v.name, value);
  }
  return vars;
}
