// Step: a container's environment as the kubelet builds it (makeEnvironmentVariables):
// envFrom first (configMaps and secrets, with prefix; keys that are not valid variable names
// are skipped), then env in order, each value with $(VAR) references to earlier variables
// expanded; valueFrom reads configMap and secret keys and the pod's own fields. A missing
// object or key that is not optional is the error the kubelet reports as
// CreateContainerConfigError, with the kubelet's message. The command and args get the
// same $(VAR) expansion.
import type { Container, EnvVar, ObjectFieldSelector } from 'kubernetes-types/core/v1.js';
import { envFieldValue } from '../pod-fields.js';
import { type PodObjectKind, PodObjectReader } from '../pod-object-reader.js';
import {
  type ContainerStepContext,
  containerFailed,
  containerRetryMs,
  type PodStep,
  type PodStepContext,
} from '../pod-step.js';

/** What the kubelet reports as CreateContainerConfigError. */
class ContainerConfigError extends Error {}

const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A missing object that is not optional is a ContainerConfigError. */
async function requiredData(reader: PodObjectReader, kind: PodObjectKind, name: string, optional?: boolean) {
  const data = await reader.data(kind, name);
  if (!data && !optional) throw new ContainerConfigError(`${kind} "${name}" not found`);
  return data;
}

/** $(VAR) becomes the variable's value when it is defined; $$ is a literal $ (Kubernetes' expansion). */
function expandVariables(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) =>
    m === '$$' ? '$' : name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m,
  );
}

function fieldValue(ctx: PodStepContext, ref: ObjectFieldSelector): string {
  const value = envFieldValue(
    { pod: ctx.pod, nodeName: ctx.nodeName, podIP: ctx.record.sandbox?.ip },
    ref.fieldPath,
  );
  if (value === undefined) throw new ContainerConfigError(`unsupported fieldPath: ${ref.fieldPath}`);
  return value;
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
    const data = await requiredData(reader, kind, ref.name ?? '', ref.optional);
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

async function containerEnv(ctx: PodStepContext, spec: Container): Promise<Map<string, string>> {
  const reader = new PodObjectReader(ctx.client, ctx.pod.metadata?.namespace);
  const vars = new Map<string, string>();
  for (const source of spec.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const data = await requiredData(
      reader,
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

async function prepareEnv(ctx: ContainerStepContext): Promise<boolean> {
  let env: Map<string, string>;
  try {
    env = await containerEnv(ctx, ctx.spec);
  } catch (e) {
    if (!(e instanceof ContainerConfigError)) throw e;
    containerFailed(ctx, 'CreateContainerConfigError', e.message);
    ctx.requeueAfter(containerRetryMs);
    return false;
  }
  ctx.launch.env = env;
  ctx.launch.command = ctx.spec.command?.map((s) => expandVariables(s, env));
  ctx.launch.args = ctx.spec.args?.map((s) => expandVariables(s, env));
  return true;
}

export const containerEnvStep: PodStep = { name: 'container-env', prestart: prepareEnv };
