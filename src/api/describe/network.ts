// `describe` for Service, Endpoints and Ingress, laid out like kubectl's.
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { formatLabels } from '../table/label-format.js';
import { formatEndpoints } from '../table/network.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter } from './describe-writer.js';

function endpointsFor(
  ctx: DescribeContext,
  namespace: string | undefined,
  name: string,
): Endpoints | undefined {
  return ctx.related?.endpoints?.find(
    (e) => e.metadata?.name === name && (!namespace || e.metadata?.namespace === namespace),
  );
}

export function describeService(svc: Service, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const spec = svc.spec ?? {};
  w.line(0, 'Name:', svc.metadata?.name ?? '');
  w.line(0, 'Namespace:', svc.metadata?.namespace ?? '');
  w.labels('Labels', svc.metadata?.labels);
  w.annotations('Annotations', svc.metadata?.annotations);
  w.line(0, 'Selector:', formatLabels(spec.selector));
  w.line(0, 'Type:', spec.type ?? '');
  if (spec.ipFamilyPolicy) w.line(0, 'IP Family Policy:', spec.ipFamilyPolicy);
  w.line(0, 'IP Families:', spec.ipFamilies?.join(',') || '<none>');
  w.line(0, 'IP:', spec.clusterIP ?? '');
  w.line(0, 'IPs:', spec.clusterIPs?.join(',') || '<none>');
  if (spec.externalIPs?.length) w.line(0, 'External IPs:', spec.externalIPs.join(','));
  const lbIngress = svc.status?.loadBalancer?.ingress ?? [];
  if (lbIngress.length)
    w.line(0, 'LoadBalancer Ingress:', lbIngress.map((i) => i.ip || i.hostname || '').join(', '));
  const endpoints = endpointsFor(ctx, svc.metadata?.namespace, svc.metadata?.name ?? '');
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const protocol = p.protocol ?? 'TCP';
    w.line(0, 'Port:', name, `${p.port}/${protocol}`);
    w.line(0, 'TargetPort:', `${p.targetPort ?? p.port}/${protocol}`);
    if (p.nodePort) w.line(0, 'NodePort:', name, `${p.nodePort}/${protocol}`);
    w.line(0, 'Endpoints:', formatEndpoints(endpoints, new Set([p.name ?? ''])));
  }
  if (spec.type === 'ExternalName') w.line(0, 'External Name:', spec.externalName ?? '');
  w.line(0, 'Session Affinity:', spec.sessionAffinity ?? 'None');
  if (spec.externalTrafficPolicy) w.line(0, 'External Traffic Policy:', spec.externalTrafficPolicy);
  if (spec.healthCheckNodePort) w.line(0, 'HealthCheck NodePort:', spec.healthCheckNodePort);
  if (spec.internalTrafficPolicy) w.line(0, 'Internal Traffic Policy:', spec.internalTrafficPolicy);
  w.events(ctx.events, ctx.now);
  return w.toString();
}

export function describeEndpoints(ep: Endpoints, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', ep.metadata?.name ?? '');
  w.line(0, 'Namespace:', ep.metadata?.namespace ?? '');
  w.labels('Labels', ep.metadata?.labels);
  w.annotations('Annotations', ep.metadata?.annotations);
  w.write(0, 'Subsets:\n');
  for (const ss of ep.subsets ?? []) {
    w.line(1, 'Addresses:', (ss.addresses ?? []).map((a) => a.ip).join(',') || '<none>');
    w.line(1, 'NotReadyAddresses:', (ss.notReadyAddresses ?? []).map((a) => a.ip).join(',') || '<none>');
    if (ss.ports?.length) {
      w.write(1, 'Ports:\n');
      w.line(2, 'Name', 'Port', 'Protocol');
      w.line(2, '----', '----', '--------');
      for (const p of ss.ports) w.line(2, p.name || '<unset>', p.port, p.protocol ?? 'TCP');
    }
    w.write(0, '\n');
  }
  w.events(ctx.events, ctx.now);
  return w.toString();
}

function backendText(
  backend: IngressBackend | undefined,
  namespace: string | undefined,
  ctx: DescribeContext,
): string {
  const service = backend?.service;
  if (!service)
    return backend?.resource
      ? `APIGroup: ${backend.resource.apiGroup ?? ''}, Kind: ${backend.resource.kind}, Name: ${backend.resource.name}`
      : '';
  const port = service.port?.name ?? String(service.port?.number ?? '');
  const endpoints = endpointsFor(ctx, namespace, service.name);
  if (!endpoints) return `<error: endpoints "${service.name}" not found>`;
  const names = service.port?.name ? new Set([service.port.name]) : undefined;
  return `${service.name}:${port} (${formatEndpoints(endpoints, names)})`;
}

export function describeIngress(ing: Ingress, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  const ns = ing.metadata?.namespace;
  w.line(0, 'Name:', ing.metadata?.name ?? '');
  w.labels('Labels', ing.metadata?.labels);
  w.line(0, 'Namespace:', ns ?? '');
  const addresses = new Set(
    (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean),
  );
  w.line(0, 'Address:', [...addresses].sort().join(','));
  w.line(0, 'Ingress Class:', ing.spec?.ingressClassName ?? '<none>');
  const def = ing.spec?.defaultBackend;
  w.line(0, 'Default backend:', def ? backendText(def, ns, ctx) : '<default>');
  if (ing.spec?.tls?.length) {
    w.write(0, 'TLS:\n');
    for (const t of ing.spec.tls) {
      const hosts = (t.hosts ?? []).join(',');
      w.write(1, t.secretName ? `${t.secretName} terminates ${hosts}\n` : `SNI routes ${hosts}\n`);
    }
  }
  w.write(0, 'Rules:\n  Host\tPath\tBackends\n');
  w.line(1, '----', '----', '--------');
  let count = 0;
  for (const rule of ing.spec?.rules ?? []) {
    if (!rule.http) continue;
    count++;
    w.write(1, `${rule.host || '*'}\t\n`);
    for (const path of rule.http.paths) w.line(2, path.path ?? '', backendText(path.backend, ns, ctx));
  }
  if (count === 0) w.line(1, '*', '*', backendText(def, ns, ctx));
  w.annotations('Annotations', ing.metadata?.annotations);
  w.events(ctx.events, ctx.now);
  return w.toString();
}
