// The container, volume and pod-template sections shared by Pod describe and every
// workload controller's describe (kubectl's describeContainers, describeVolumes,
// DescribePodTemplate).
import type {
  Container,
  ContainerState,
  ContainerStatus,
  PodTemplateSpec,
  Probe,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { type DescribeWriter, printBool, rfc1123 } from './describe-writer.js';

function portsText(
  container: Container,
  pick: (p: { containerPort: number; hostPort?: number }) => number,
): string {
  return (container.ports ?? []).map((p) => `${pick(p)}/${p.protocol ?? 'TCP'}`).join(', ');
}

function describeState(w: DescribeWriter, title: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.line(2, `${title}:`, 'Running');
    w.line(3, 'Started:', rfc1123(state.running.startedAt));
  } else if (state?.waiting) {
    w.line(2, `${title}:`, 'Waiting');
    if (state.waiting.reason) w.line(3, 'Reason:', state.waiting.reason);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.line(2, `${title}:`, 'Terminated');
    if (t.reason) w.line(3, 'Reason:', t.reason);
    if (t.message) w.line(3, 'Message:', t.message);
    w.line(3, 'Exit Code:', t.exitCode);
    if (t.signal) w.line(3, 'Signal:', t.signal);
    w.line(3, 'Started:', rfc1123(t.startedAt));
    w.line(3, 'Finished:', rfc1123(t.finishedAt));
  } else {
    w.line(2, `${title}:`, 'Waiting');
  }
}

/** DescribeProbe: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function probeText(p: Probe): string {
  const attrs =
    `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s ` +
    `#success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    const host = p.httpGet.host ?? '';
    const hostPort = host.includes(':') ? `[${host}]:${p.httpGet.port}` : `${host}:${p.httpGet.port}`;
    return `http-get ${scheme}://${hostPort}${p.httpGet.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeResources(w: DescribeWriter, title: string, list: Record<string, string> | undefined): void {
  const names = Object.keys(list ?? {}).sort();
  if (names.length === 0) return;
  w.line(2, `${title}:`);
  for (const name of names) w.line(3, `${name}:`, list![name]!);
}

function describeEnv(w: DescribeWriter, c: Container): void {
  if (c.envFrom?.length) {
    w.write(2, 'Environment Variables from:\n');
    for (const e of c.envFrom) {
      const from = e.configMapRef ? 'ConfigMap' : 'Secret';
      const ref = e.configMapRef ?? e.secretRef;
      const source = e.prefix ? `${from} with prefix '${e.prefix}'` : from;
      w.line(3, ref?.name ?? '', source, `Optional: ${ref?.optional ?? false}`);
    }
  }
  const env = c.env ?? [];
  w.write(2, env.length === 0 ? 'Environment:\t<none>\n' : 'Environment:\n');
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      (e.value ?? '').split('\n').forEach((s, i) => {
        w.line(3, i === 0 ? `${e.name}:` : '', s);
      });
    } else if (from.fieldRef) {
      w.line(3, `${e.name}:`, ` (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})`);
    } else if (from.resourceFieldRef) {
      w.line(3, `${e.name}:`, ` (${from.resourceFieldRef.resource})`);
    } else if (from.secretKeyRef) {
      const r = from.secretKeyRef;
      w.line(
        3,
        `${e.name}:`,
        `<set to the key '${r.key}' in secret '${r.name ?? ''}'>`,
        `Optional: ${r.optional ?? false}`,
      );
    } else if (from.configMapKeyRef) {
      const r = from.configMapKeyRef;
      w.line(
        3,
        `${e.name}:`,
        `<set to the key '${r.key}' of config map '${r.name ?? ''}'>`,
        `Optional: ${r.optional ?? false}`,
      );
    }
  }
}

function describeMounts(w: DescribeWriter, c: Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) =>
    a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0,
  );
  w.write(2, mounts.length === 0 ? 'Mounts:\t<none>\n' : 'Mounts:\n');
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw'];
    if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
    w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
}

/** `space` is "  " inside a pod template, where names get one extra space like kubectl's. */
export function describeContainers(
  w: DescribeWriter,
  title: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[] | undefined,
  space = '',
): void {
  w.write(0, `${space}${title}:\n`);
  for (const c of containers) {
    const status = statuses?.find((s) => s.name === c.name);
    w.write(1, `${space ? ' ' : ''}${c.name}:\n`);
    if (status) w.line(2, 'Container ID:', status.containerID ?? '');
    w.line(2, 'Image:', c.image ?? '');
    if (status) w.line(2, 'Image ID:', status.imageID ?? '');
    const ports = portsText(c, (p) => p.containerPort);
    w.line(2, ports.includes(',') ? 'Ports:' : 'Port:', ports || '<none>');
    const hostPorts = portsText(c, (p) => p.hostPort ?? 0);
    w.line(2, hostPorts.includes(',') ? 'Host Ports:' : 'Host Port:', hostPorts || '<none>');
    if (c.command?.length) {
      w.write(2, 'Command:\n');
      for (const arg of c.command) w.write(3, `${arg}\n`);
    }
    if (c.args?.length) {
      w.write(2, 'Args:\n');
      for (const arg of c.args) w.write(3, `${arg}\n`);
    }
    if (status) {
      describeState(w, 'State', status.state);
      if (status.lastState?.terminated) describeState(w, 'Last State', status.lastState);
      w.line(2, 'Ready:', printBool(status.ready));
      w.line(2, 'Restart Count:', status.restartCount ?? 0);
    }
    describeResources(w, 'Limits', c.resources?.limits);
    describeResources(w, 'Requests', c.resources?.requests);
    if (c.livenessProbe) w.line(2, 'Liveness:', probeText(c.livenessProbe));
    if (c.readinessProbe) w.line(2, 'Readiness:', probeText(c.readinessProbe));
    if (c.startupProbe) w.line(2, 'Startup:', probeText(c.startupProbe));
    describeEnv(w, c);
    describeMounts(w, c);
  }
}

function describeVolumeSource(w: DescribeWriter, v: Volume): void {
  if (v.hostPath) {
    w.line(2, 'Type:', 'HostPath (bare host directory volume)');
    w.line(2, 'Path:', v.hostPath.path);
    w.line(2, 'HostPathType:', v.hostPath.type ?? '');
  } else if (v.emptyDir) {
    w.line(2, 'Type:', "EmptyDir (a temporary directory that shares a pod's lifetime)");
    w.line(2, 'Medium:', v.emptyDir.medium ?? '');
    w.line(
      2,
      'SizeLimit:',
      v.emptyDir.sizeLimit && v.emptyDir.sizeLimit !== '0' ? v.emptyDir.sizeLimit : '<unset>',
    );
  } else if (v.secret) {
    w.line(2, 'Type:', 'Secret (a volume populated by a Secret)');
    w.line(2, 'SecretName:', v.secret.secretName ?? '');
    w.line(2, 'Optional:', String(v.secret.optional ?? false));
  } else if (v.configMap) {
    w.line(2, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
    w.line(2, 'Name:', v.configMap.name ?? '');
    w.line(2, 'Optional:', String(v.configMap.optional ?? false));
  } else if (v.persistentVolumeClaim) {
    w.line(
      2,
      'Type:',
      'PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)',
    );
    w.line(2, 'ClaimName:', v.persistentVolumeClaim.claimName);
    w.line(2, 'ReadOnly:', String(v.persistentVolumeClaim.readOnly ?? false));
  } else if (v.projected) {
    w.line(2, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
    for (const s of v.projected.sources ?? []) {
      if (s.secret) {
        w.line(2, 'SecretName:', s.secret.name ?? '');
        w.line(2, 'SecretOptionalName:', String(s.secret.optional ?? '<nil>'));
      } else if (s.downwardAPI) {
        w.line(2, 'DownwardAPI:', 'true');
      } else if (s.configMap) {
        w.line(2, 'ConfigMapName:', s.configMap.name ?? '');
        w.line(2, 'Optional:', String(s.configMap.optional ?? false));
      } else if (s.serviceAccountToken) {
        w.line(2, 'TokenExpirationSeconds:', s.serviceAccountToken.expirationSeconds ?? 3600);
      }
    }
  } else {
    w.write(1, '<unknown>\n');
  }
}

export function describeVolumes(w: DescribeWriter, volumes: readonly Volume[] | undefined, space = ''): void {
  if (!volumes?.length) {
    w.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${space ? ' ' : ''}${v.name}:\n`);
    describeVolumeSource(w, v);
  }
}

export function describePodTemplate(w: DescribeWriter, template: PodTemplateSpec | undefined): void {
  w.write(0, 'Pod Template:\n');
  if (!template) {
    w.write(1, '<unset>');
    return;
  }
  w.labels('  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) {
    w.annotations('  Annotations', template.metadata?.annotations);
  }
  const spec = template.spec;
  if (spec?.serviceAccountName) w.line(1, 'Service Account:', spec.serviceAccountName);
  if (spec?.initContainers?.length)
    describeContainers(w, 'Init Containers', spec.initContainers, undefined, '  ');
  describeContainers(w, 'Containers', spec?.containers ?? [], undefined, '  ');
  describeVolumes(w, spec?.volumes, '  ');
  if (spec?.priorityClassName) w.line(1, 'Priority Class Name:', spec.priorityClassName);
  w.labels('  Node-Selectors', spec?.nodeSelector);
  w.tolerations('  Tolerations', spec?.tolerations);
}
