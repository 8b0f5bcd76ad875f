// PodSpec validation (pkg/apis/core/validation): shared by Pod and by the pod template of every
// workload (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob), so a mistake in a
// template is reported at the template's own path (`spec.template.spec.containers[0].image`).

import type {
  Affinity,
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  KeyToPath,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinityTerm,
  PodSpec,
  PodTemplateSpec,
  Probe,
  SecurityContext,
  Toleration,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import { type FieldError, type FieldPath, fieldErrors } from '../field-errors.js';
import { isValidLabelValue } from '../label-rules.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isRelaxedEnvVarName,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  validateConfigMapName,
  validateNodeName,
  validateSecretName,
  validateServiceAccountName,
} from '../names.js';
import { validateLabelSelector } from './label-selector.js';
import {
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateNonnegativeField,
} from './object-meta.js';
import { validateResourceRequirements } from './resources.js';

const maxInt32 = 2147483647;
const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';

export const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'] as const;

export function validateDNS1123Label(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Label(value).map((msg) => fieldErrors.invalid(path, value, msg));
}

export function validateDNS1123Subdomain(value: string, path: FieldPath): FieldError[] {
  return isDNS1123Subdomain(value).map((msg) => fieldErrors.invalid(path, value, msg));
}

export function validatePortNumOrName(port: number | string | undefined, path: FieldPath): FieldError[] {
  if (typeof port === 'string')
    return isValidPortName(port).map((msg) => fieldErrors.invalid(path, port, msg));
  const n = port ?? 0;
  return isValidPortNum(n).map((msg) => fieldErrors.invalid(path, n, msg));
}

export function validateProtocol(protocol: string | undefined, path: FieldPath): FieldError[] {
  if (!protocol) return [fieldErrors.required(path, '')];
  if (!(supportedPortProtocols as readonly string[]).includes(protocol)) {
    return [fieldErrors.notSupported(path, protocol, supportedPortProtocols)];
  }
  return [];
}

// ---- volumes ----

/** Every volume source a Volume may carry; exactly one must be set. */
const volumeSourceKeys = [
  'hostPath',
  'emptyDir',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flexVolume',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'flocker',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'csi',
  'configMap',
  'projected',
  'scaleIO',
  'storageos',
  'ephemeral',
  'image',
] as const;

const hostPathTypes = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

function validatePathNoBacksteps(target: string, path: FieldPath): FieldError[] {
  return target.split(/[\\/]/).includes('..')
    ? [fieldErrors.invalid(path, target, "must not contain '..'")]
    : [];
}

function validateLocalDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(fieldErrors.invalid(path, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, path));
  return errs;
}

function validateLocalNonReservedPath(target: string, path: FieldPath): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..')) errs.push(fieldErrors.invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateFileMode(mode: number | undefined, path: FieldPath): FieldError[] {
  return mode !== undefined && (mode < 0 || mode > 0o777)
    ? [fieldErrors.invalid(path, mode, fileModeErrorMsg)]
    : [];
}

function validateKeyToPaths(items: KeyToPath[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((item, i) => {
    const p = path.index(i);
    if (!item.key) errs.push(fieldErrors.required(p.child('key'), ''));
    if (!item.path) errs.push(fieldErrors.required(p.child('path'), ''));
    else errs.push(...validateLocalNonReservedPath(item.path, p.child('path')));
    errs.push(...validateFileMode(item.mode, p.child('mode')));
  });
  return errs;
}

function validateVolumeSource(vol: Volume, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const present = volumeSourceKeys.filter((k) => (vol as unknown as Record<string, unknown>)[k] != null);
  if (present.length === 0) return [fieldErrors.required(path, 'must specify a volume type')];
  for (const extra of present.slice(1)) {
    errs.push(fieldErrors.forbidden(path.child(extra), 'may not specify more than 1 volume type'));
  }
  const kind = present[0]!;
  const p = path.child(kind);
  switch (kind) {
    case 'hostPath': {
      const hp = vol.hostPath!;
      if (!hp.path) errs.push(fieldErrors.required(p.child('path'), ''));
      else errs.push(...validatePathNoBacksteps(hp.path, p.child('path')));
      if (hp.type !== undefined && !hostPathTypes.includes(hp.type)) {
        errs.push(fieldErrors.notSupported(p.child('type'), hp.type, hostPathTypes));
      }
      break;
    }
    case 'secret':
      if (!vol.secret!.secretName) errs.push(fieldErrors.required(p.child('secretName'), ''));
      errs.push(...validateFileMode(vol.secret!.defaultMode, p.child('defaultMode')));
      errs.push(...validateKeyToPaths(vol.secret!.items, p.child('items')));
      break;
    case 'configMap':
      if (!vol.configMap!.name) errs.push(fieldErrors.required(p.child('name'), ''));
      errs.push(...validateFileMode(vol.configMap!.defaultMode, p.child('defaultMode')));
      errs.push(...validateKeyToPaths(vol.configMap!.items, p.child('items')));
      break;
    case 'persistentVolumeClaim':
      if (!vol.persistentVolumeClaim!.claimName) errs.push(fieldErrors.required(p.child('claimName'), ''));
      break;
    case 'nfs': {
      const nfs = vol.nfs!;
      if (!nfs.server) errs.push(fieldErrors.required(p.child('server'), ''));
      if (!nfs.path) errs.push(fieldErrors.required(p.child('path'), ''));
      else if (!nfs.path.startsWith('/'))
        errs.push(fieldErrors.invalid(p.child('path'), nfs.path, 'must be an absolute path'));
      break;
    }
    case 'downwardAPI':
      errs.push(...validateFileMode(vol.downwardAPI!.defaultMode, p.child('defaultMode')));
      (vol.downwardAPI!.items ?? []).forEach((item, i) => {
        const ip = p.child('items').index(i);
        if (!item.path) errs.push(fieldErrors.required(ip.child('path'), ''));
        else errs.push(...validateLocalNonReservedPath(item.path, ip.child('path')));
      });
      break;
    default:
      break;
  }
  return errs;
}

function validateVolumes(
  volumes: Volume[] | undefined,
  path: FieldPath,
): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((vol, i) => {
    const p = path.index(i);
    const namePath = p.child('name');
    errs.push(...validateVolumeSource(vol, p));
    if (!vol.name) errs.push(fieldErrors.required(namePath, ''));
    else errs.push(...validateDNS1123Label(vol.name, namePath));
    if (names.has(vol.name)) errs.push(fieldErrors.duplicate(namePath, vol.name));
    else names.add(vol.name);
  });
  return { errs, names };
}

// ---- containers ----

function validateContainerPorts(ports: ContainerPort[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = path.index(i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.push(...msgs.map((m) => fieldErrors.invalid(p.child('name'), port.name, m)));
      else if (names.has(port.name)) errs.push(fieldErrors.duplicate(p.child('name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(fieldErrors.required(p.child('containerPort'), ''));
    else {
      errs.push(
        ...isValidPortNum(port.containerPort).map((m) =>
          fieldErrors.invalid(p.child('containerPort'), port.containerPort, m),
        ),
      );
    }
    if (port.hostPort) {
      errs.push(
        ...isValidPortNum(port.hostPort).map((m) =>
          fieldErrors.invalid(p.child('hostPort'), port.hostPort, m),
        ),
      );
    }
    errs.push(...validateProtocol(port.protocol, p.child('protocol')));
  });
  return errs;
}

/** Host ports are shared by all containers of a pod, so a protocol/ip/port triple may be used once. */
function checkHostPortConflicts(containers: Container[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key))
        errs.push(fieldErrors.duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      seen.add(key);
    });
  });
  return errs;
}

const envFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];

function validateObjectFieldSelector(
  apiVersion: string | undefined,
  fieldPath: string | undefined,
  path: FieldPath,
): FieldError[] {
  if (!apiVersion) return [fieldErrors.required(path.child('apiVersion'), '')];
  if (!fieldPath) return [fieldErrors.required(path.child('fieldPath'), '')];
  const subscripted = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  if (subscripted) {
    const key = subscripted[1] === 'metadata.annotations' ? subscripted[2]!.toLowerCase() : subscripted[2]!;
    return validateLabelName(key, path);
  }
  if (
    !envFieldPaths.includes(fieldPath) &&
    fieldPath !== 'metadata.labels' &&
    fieldPath !== 'metadata.annotations'
  ) {
    return [fieldErrors.notSupported(path.child('fieldPath'), fieldPath, envFieldPaths)];
  }
  return [];
}

function validateKeySelector(
  ref: { name?: string; key?: string },
  path: FieldPath,
  nameFn: (n: string, prefix: boolean) => string[],
): FieldError[] {
  const errs = nameFn(ref.name ?? '', false).map((m) =>
    fieldErrors.invalid(path.child('name'), ref.name ?? '', m),
  );
  if (!ref.key) errs.push(fieldErrors.required(path.child('key'), ''));
  else errs.push(...isConfigMapKey(ref.key).map((m) => fieldErrors.invalid(path.child('key'), ref.key, m)));
  return errs;
}

function validateEnvVarValueFrom(ev: EnvVar, path: FieldPath): FieldError[] {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    errs.push(
      ...validateObjectFieldSelector(
        from.fieldRef.apiVersion,
        from.fieldRef.fieldPath,
        path.child('fieldRef'),
      ),
    );
  }
  if (from.resourceFieldRef) {
    sources++;
    if (!from.resourceFieldRef.resource)
      errs.push(fieldErrors.required(path.child('resourceFieldRef').child('resource'), ''));
  }
  if (from.configMapKeyRef) {
    sources++;
    errs.push(
      ...validateKeySelector(from.configMapKeyRef, path.child('configMapKeyRef'), validateConfigMapName),
    );
  }
  if (from.secretKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.secretKeyRef, path.child('secretKeyRef'), validateSecretName));
  }
  if (sources === 0) {
    errs.push(
      fieldErrors.invalid(
        path,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if (ev.value) {
    errs.push(fieldErrors.invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(fieldErrors.invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(vars: EnvVar[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = path.index(i);
    const name = ev.name ?? '';
    if (!name) errs.push(fieldErrors.required(p.child('name'), ''));
    errs.push(...isRelaxedEnvVarName(name).map((m) => fieldErrors.invalid(p.child('name'), name, m)));
    errs.push(...validateEnvVarValueFrom(ev, p.child('valueFrom')));
  });
  return errs;
}

function validateEnvFrom(sources: EnvFromSource[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (sources ?? []).forEach((src, i) => {
    const p = path.index(i);
    if (src.prefix)
      errs.push(
        ...isRelaxedEnvVarName(src.prefix).map((m) => fieldErrors.invalid(p.child('prefix'), src.prefix, m)),
      );
    let count = 0;
    if (src.configMapRef) {
      count++;
      const name = src.configMapRef.name ?? '';
      errs.push(
        ...validateConfigMapName(name, false).map((m) =>
          fieldErrors.invalid(p.child('configMapRef').child('name'), name, m),
        ),
      );
    }
    if (src.secretRef) {
      count++;
      const name = src.secretRef.name ?? '';
      errs.push(
        ...validateSecretName(name, false).map((m) =>
          fieldErrors.invalid(p.child('secretRef').child('name'), name, m),
        ),
      );
    }
    if (count === 0)
      errs.push(fieldErrors.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (count > 1)
      errs.push(fieldErrors.invalid(p, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(
  mounts: VolumeMount[] | undefined,
  volumes: Set<string>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = path.index(i);
    if (!m.name) errs.push(fieldErrors.required(p.child('name'), ''));
    if (!volumes.has(m.name)) errs.push(fieldErrors.notFound(p.child('name'), m.name ?? ''));
    if (!m.mountPath) errs.push(fieldErrors.required(p.child('mountPath'), ''));
    if (mountPoints.has(m.mountPath))
      errs.push(fieldErrors.invalid(p.child('mountPath'), m.mountPath, 'must be unique'));
    mountPoints.add(m.mountPath);
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, path.child('subPath')));
  });
  return errs;
}

type Handler = Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket' | 'grpc'> & { sleep?: { seconds?: number } };

/** A probe or lifecycle hook names exactly one way to act: exec, httpGet, tcpSocket, grpc or sleep. */
function validateHandler(h: Handler, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let handlers = 0;
  const one = (key: keyof Handler, check: () => FieldError[]) => {
    if (h[key] == null) return;
    if (handlers > 0)
      errs.push(fieldErrors.forbidden(path.child(key), 'may not specify more than 1 handler type'));
    else {
      handlers++;
      errs.push(...check());
    }
  };
  one('exec', () =>
    (h.exec!.command ?? []).length === 0
      ? [fieldErrors.required(path.child('exec').child('command'), '')]
      : [],
  );
  one('httpGet', () => {
    const g = h.httpGet!;
    const p = path.child('httpGet');
    const out: FieldError[] = [];
    if (!g.path) out.push(fieldErrors.required(p.child('path'), ''));
    out.push(...validatePortNumOrName(g.port, p.child('port')));
    if (g.scheme !== 'HTTP' && g.scheme !== 'HTTPS')
      out.push(fieldErrors.notSupported(p.child('scheme'), g.scheme ?? '', ['HTTP', 'HTTPS']));
    return out;
  });
  one('tcpSocket', () => validatePortNumOrName(h.tcpSocket!.port, path.child('tcpSocket').child('port')));
  one('grpc', () =>
    isValidPortNum(h.grpc!.port ?? 0).map((m) =>
      fieldErrors.invalid(path.child('grpc').child('port'), h.grpc!.port ?? 0, m),
    ),
  );
  one('sleep', () => validateNonnegativeField(h.sleep!.seconds ?? 0, path.child('sleep').child('seconds')));
  if (handlers === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: Probe, path: FieldPath): FieldError[] {
  const errs = validateHandler(probe, path);
  errs.push(...validateNonnegativeField(probe.initialDelaySeconds ?? 0, path.child('initialDelaySeconds')));
  errs.push(...validateNonnegativeField(probe.timeoutSeconds ?? 0, path.child('timeoutSeconds')));
  errs.push(...validateNonnegativeField(probe.periodSeconds ?? 0, path.child('periodSeconds')));
  errs.push(...validateNonnegativeField(probe.successThreshold ?? 0, path.child('successThreshold')));
  errs.push(...validateNonnegativeField(probe.failureThreshold ?? 0, path.child('failureThreshold')));
  if (probe.terminationGracePeriodSeconds != null && probe.terminationGracePeriodSeconds <= 0) {
    errs.push(
      fieldErrors.invalid(
        path.child('terminationGracePeriodSeconds'),
        probe.terminationGracePeriodSeconds,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

function validateContainerProbes(c: Container, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  // A liveness or startup probe that must pass twice in a row would only delay a restart.
  for (const kind of ['livenessProbe', 'startupProbe'] as const) {
    const probe = c[kind];
    if (!probe) continue;
    errs.push(...validateProbe(probe, path.child(kind)));
    if (probe.successThreshold !== 1) {
      errs.push(
        fieldErrors.invalid(
          path.child(kind).child('successThreshold'),
          probe.successThreshold ?? 0,
          'must be 1',
        ),
      );
    }
  }
  if (c.readinessProbe) {
    errs.push(...validateProbe(c.readinessProbe, path.child('readinessProbe')));
    if (c.readinessProbe.terminationGracePeriodSeconds != null) {
      errs.push(
        fieldErrors.invalid(
          path.child('readinessProbe').child('terminationGracePeriodSeconds'),
          c.readinessProbe.terminationGracePeriodSeconds,
          'must not be set for readinessProbes',
        ),
      );
    }
  }
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    const v = sc[key];
    if (v != null && (v < 0 || v > maxInt32))
      errs.push(fieldErrors.invalid(path.child(key), v, inclusiveRangeError(0, maxInt32)));
  }
  if (sc.privileged && sc.allowPrivilegeEscalation === false) {
    errs.push(
      fieldErrors.invalid(
        path,
        sc,
        'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      ),
    );
  }
  return errs;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];

function validateContainerCommon(c: Container, volumes: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fieldErrors.required(path.child('name'), ''));
  else errs.push(...validateDNS1123Label(c.name, path.child('name')));
  if (!c.image) errs.push(fieldErrors.required(path.child('image'), ''));
  if (!c.terminationMessagePolicy)
    errs.push(fieldErrors.required(path.child('terminationMessagePolicy'), ''));
  else if (c.terminationMessagePolicy !== 'File' && c.terminationMessagePolicy !== 'FallbackToLogsOnError') {
    errs.push(
      fieldErrors.notSupported(path.child('terminationMessagePolicy'), c.terminationMessagePolicy, [
        'File',
        'FallbackToLogsOnError',
      ]),
    );
  }
  errs.push(...validateContainerPorts(c.ports, path.child('ports')));
  errs.push(...validateEnv(c.env, path.child('env')));
  errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, path.child('volumeMounts')));
  if (!c.imagePullPolicy) errs.push(fieldErrors.required(path.child('imagePullPolicy'), ''));
  else if (!pullPolicies.includes(c.imagePullPolicy)) {
    errs.push(fieldErrors.notSupported(path.child('imagePullPolicy'), c.imagePullPolicy, pullPolicies));
  }
  errs.push(...validateResourceRequirements(c.resources, path.child('resources')));
  errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext')));
  for (const hook of ['postStart', 'preStop'] as const) {
    const h = c.lifecycle?.[hook];
    if (h) errs.push(...validateHandler(h, path.child('lifecycle').child(hook)));
  }
  return errs;
}

function validateContainers(
  containers: Container[] | undefined,
  volumes: Set<string>,
  path: FieldPath,
): FieldError[] {
  if (!containers || containers.length === 0) return [fieldErrors.required(path, '')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
    else names.add(c.name);
    errs.push(...validateContainerProbes(c, p));
    if (c.restartPolicy != null)
      errs.push(fieldErrors.forbidden(p.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(
  inits: Container[] | undefined,
  containers: Container[] | undefined,
  volumes: Set<string>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((containers ?? []).map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, p));
    const sidecar = c.restartPolicy === 'Always';
    if (c.restartPolicy != null && !sidecar) {
      errs.push(fieldErrors.notSupported(p.child('restartPolicy'), c.restartPolicy, ['Always']));
    }
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name'), c.name));
    else if (c.name) names.add(c.name);
    // Init containers run one at a time, so their host ports only conflict within themselves.
    errs.push(...checkHostPortConflicts([c], path));
    if (sidecar) {
      errs.push(...validateContainerProbes(c, p));
    } else {
      for (const key of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[key] != null)
          errs.push(
            fieldErrors.forbidden(
              p.child(key),
              'may not be set for init containers without restartPolicy=Always',
            ),
          );
      }
    }
  });
  return errs;
}

// ---- scheduling ----

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(
  effect: string | undefined,
  allowEmpty: boolean,
  path: FieldPath,
): FieldError[] {
  if (!allowEmpty && !effect) return [fieldErrors.required(path, '')];
  if (!taintEffects.includes(effect ?? ''))
    return [fieldErrors.notSupported(path, effect ?? '', taintEffects)];
  return [];
}

export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = path.index(i);
    if (t.key) errs.push(...validateLabelName(t.key, p.child('key')));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        fieldErrors.invalid(
          p.child('operator'),
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
      errs.push(
        fieldErrors.invalid(
          p.child('effect'),
          t.effect ?? '',
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (t.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length) errs.push(fieldErrors.invalid(p.child('operator'), t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value)
          errs.push(
            fieldErrors.invalid(p.child('operator'), t, "value must be empty when `operator` is 'Exists'"),
          );
        break;
      default:
        errs.push(fieldErrors.notSupported(p.child('operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect) errs.push(...validateTaintEffect(t.effect, true, p.child('effect')));
  });
  return errs;
}

const nodeSelectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

function validateNodeSelectorRequirement(req: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(
          fieldErrors.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
        );
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(
          fieldErrors.forbidden(
            path.child('values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1)
        errs.push(
          fieldErrors.required(
            path.child('values'),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      break;
    default:
      errs.push(fieldErrors.notSupported(path.child('operator'), req.operator, nodeSelectorOperators));
  }
  errs.push(...validateLabelName(req.key ?? '', path.child('key')));
  return errs;
}

function validateNodeSelectorTerm(term: NodeSelectorTerm, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((r, j) => {
    errs.push(...validateNodeSelectorRequirement(r, path.child('matchExpressions').index(j)));
  });
  (term.matchFields ?? []).forEach((r, j) => {
    const fp = path.child('matchFields').index(j);
    if (r.key !== 'metadata.name')
      errs.push(fieldErrors.notSupported(fp.child('key'), r.key, ['metadata.name']));
    else if ((r.operator === 'In' || r.operator === 'NotIn') && (r.values ?? []).length !== 1) {
      errs.push(
        fieldErrors.required(
          fp.child('values'),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  });
  return errs;
}

function validateWeight(weight: number | undefined, path: FieldPath): FieldError[] {
  const w = weight ?? 0;
  return w < 1 || w > 100 ? [fieldErrors.invalid(path, w, 'must be in the range 1-100')] : [];
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, path.child('labelSelector'));
  errs.push(...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')));
  for (const ns of term.namespaces ?? []) {
    errs.push(...isDNS1123Label(ns).map((m) => fieldErrors.invalid(path.child('namespace'), ns, m)));
  }
  if (!term.topologyKey) errs.push(fieldErrors.required(path.child('topologyKey'), 'can not be empty'));
  else errs.push(...validateLabelName(term.topologyKey, path.child('topologyKey')));
  return errs;
}

function validateAffinity(affinity: Affinity | undefined, path: FieldPath): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const p = path.child('nodeAffinity');
    const required = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) {
      const rp = p.child('requiredDuringSchedulingIgnoredDuringExecution');
      if ((required.nodeSelectorTerms ?? []).length === 0) {
        errs.push(
          fieldErrors.required(rp.child('nodeSelectorTerms'), 'must have at least one node selector term'),
        );
      }
      (required.nodeSelectorTerms ?? []).forEach((term, i) => {
        errs.push(...validateNodeSelectorTerm(term, rp.child('nodeSelectorTerms').index(i)));
      });
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((pref, i) => {
      const pp = p.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...validateWeight(pref.weight, pp.child('weight')));
      errs.push(...validateNodeSelectorTerm(pref.preference ?? {}, pp.child('preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const p = path.child(kind);
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      errs.push(
        ...validatePodAffinityTerm(term, p.child('requiredDuringSchedulingIgnoredDuringExecution').index(i)),
      );
    });
    (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
      const wp = p.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      errs.push(...validateWeight(w.weight, wp.child('weight')));
      errs.push(
        ...validatePodAffinityTerm(w.podAffinityTerm ?? ({} as PodAffinityTerm), wp.child('podAffinityTerm')),
      );
    });
  }
  return errs;
}

// ---- pod spec ----

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];

export interface PodSpecOptions {
  /** Volume names that exist without being listed in spec.volumes (a StatefulSet's volumeClaimTemplates). */
  extraVolumeNames?: Iterable<string>;
}

export function validatePodSpec(
  spec: PodSpec | undefined,
  path: FieldPath,
  opts: PodSpecOptions = {},
): FieldError[] {
  const s = spec ?? ({} as PodSpec);
  const vols = validateVolumes(s.volumes, path.child('volumes'));
  const errs = [...vols.errs];
  for (const n of opts.extraVolumeNames ?? []) vols.names.add(n);
  errs.push(...validateContainers(s.containers, vols.names, path.child('containers')));
  errs.push(
    ...validateInitContainers(s.initContainers, s.containers, vols.names, path.child('initContainers')),
  );

  const restartPath = path.child('restartPolicy');
  if (!s.restartPolicy) errs.push(fieldErrors.required(restartPath, ''));
  else if (!restartPolicies.includes(s.restartPolicy))
    errs.push(fieldErrors.notSupported(restartPath, s.restartPolicy, restartPolicies));

  const dnsPath = path.child('dnsPolicy');
  if (!s.dnsPolicy) errs.push(fieldErrors.required(dnsPath, ''));
  else if (!dnsPolicies.includes(s.dnsPolicy))
    errs.push(fieldErrors.notSupported(dnsPath, s.dnsPolicy, dnsPolicies));
  if (s.dnsPolicy === 'None' && !s.dnsConfig) {
    errs.push(
      fieldErrors.required(path.child('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'),
    );
  }
  (s.dnsConfig?.nameservers ?? []).forEach((ns, i) => {
    errs.push(
      ...isValidIP(ns).map((m) =>
        fieldErrors.invalid(path.child('dnsConfig').child('nameservers').index(i), ns, m),
      ),
    );
  });

  errs.push(...validateLabels(s.nodeSelector, path.child('nodeSelector')));
  const psc = s.securityContext;
  for (const key of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const v = psc?.[key];
    if (v != null && (v < 0 || v > maxInt32)) {
      errs.push(
        fieldErrors.invalid(path.child('securityContext').child(key), v, inclusiveRangeError(0, maxInt32)),
      );
    }
  }
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    if (!ref.name) errs.push(fieldErrors.required(path.child('imagePullSecrets').index(i).child('name'), ''));
  });
  errs.push(...validateAffinity(s.affinity, path.child('affinity')));
  if (s.serviceAccountName) {
    for (const m of validateServiceAccountName(s.serviceAccountName, false)) {
      errs.push(fieldErrors.invalid(path.child('serviceAccountName'), s.serviceAccountName, m));
    }
  }
  if (s.nodeName) {
    for (const m of validateNodeName(s.nodeName, false))
      errs.push(fieldErrors.invalid(path.child('nodeName'), s.nodeName, m));
  }
  if (
    s.activeDeadlineSeconds != null &&
    (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > maxInt32)
  ) {
    errs.push(
      fieldErrors.invalid(
        path.child('activeDeadlineSeconds'),
        s.activeDeadlineSeconds,
        inclusiveRangeError(1, maxInt32),
      ),
    );
  }
  if (s.hostname) errs.push(...validateDNS1123Label(s.hostname, path.child('hostname')));
  if (s.subdomain) errs.push(...validateDNS1123Label(s.subdomain, path.child('subdomain')));
  errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  (s.hostAliases ?? []).forEach((alias, i) => {
    const p = path.child('hostAliases').index(i);
    errs.push(...isValidIP(alias.ip ?? '').map((m) => fieldErrors.invalid(p.child('ip'), alias.ip ?? '', m)));
    for (const h of alias.hostnames ?? []) errs.push(...validateDNS1123Subdomain(h, p.child('hostnames')));
  });
  if (s.priorityClassName) {
    errs.push(...validateDNS1123Subdomain(s.priorityClassName, path.child('priorityClassName')));
  }
  return errs;
}

/** ValidatePodTemplateSpec: a workload's template. Its labels live at `template.labels` in kube's paths. */
export function validatePodTemplateSpec(
  template: PodTemplateSpec | undefined,
  path: FieldPath,
  opts: PodSpecOptions = {},
): FieldError[] {
  if (!template) return [fieldErrors.required(path, '')];
  const errs = validateLabels(template.metadata?.labels, path.child('labels'));
  errs.push(...validateAnnotations(template.metadata?.annotations, path.child('annotations')));
  errs.push(...validatePodSpec(template.spec, path.child('spec'), opts));
  if ((template.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(
      fieldErrors.forbidden(
        path.child('spec').child('ephemeralContainers'),
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}
