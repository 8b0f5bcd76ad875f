// A Service's Endpoints, pure: which pods belong (kube's ShouldPodBeInEndpoints), each Service
// port resolved to the pod's port (a number, or a named container port), ready and not-ready
// addresses packed into subsets as kube's RepackSubsets does, and whether the Endpoints object
// needs writing at all.
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  Pod,
  Service,
  ServicePort,
} from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../api/deep-equal.js';
import { isPodReady } from '../api/pod-state.js';

/** kube labels the Endpoints of a headless Service so the proxy can skip them. */
export const headlessServiceLabel = 'service.kubernetes.io/headless';

/**
 * Whether a pod belongs in a Service's Endpoints at all (kube's ShouldPodBeInEndpoints): it
 * needs an IP; a terminating pod only when not-ready addresses are published; a pod that has
 * finished for good never.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

/** The pod port a Service port sends to (kube's podutil.FindPort), or undefined if the pod has no such named port. */
export function findPodPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? [])
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function addressOf(pod: Pod, service: Service): EndpointAddress {
  const meta = pod.metadata ?? {};
  const address: EndpointAddress = {
    ip: pod.status!.podIP!,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: meta.namespace, name: meta.name, uid: meta.uid },
  };
  // A pod named into the Service's DNS subdomain gets its own record: <hostname>.<service>.
  if (
    pod.spec?.hostname &&
    pod.spec.subdomain === service.metadata?.name &&
    meta.namespace === service.metadata?.namespace
  ) {
    address.hostname = pod.spec.hostname;
  }
  return address;
}

function byIp(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip.localeCompare(b.ip) || (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? '');
}

/**
 * The subsets for `service` from `pods` (already filtered to the Service's namespace and
 * selector), packed as kube's RepackSubsets does: one subset per distinct set of ports,
 * addresses sorted by IP, so the same pods always give the same object.
 */
export function buildEndpointSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === 'None';
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPodPort(pod, sp);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    // A pod that serves none of the ports is not an endpoint, except behind a headless Service without ports.
    if (ports.length === 0 && !(headless && servicePorts.length === 0)) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) {
      group = { ports, ready: [], notReady: [] };
      groups.set(key, group);
    }
    (publishNotReady || isPodReady(pod) ? group.ready : group.notReady).push(addressOf(pod, service));
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}

/** The Endpoints' labels: the Service's, plus the headless marker when it has no cluster IP. */
export function endpointsLabels(service: Service): Record<string, string> {
  const labels = { ...(service.metadata?.labels ?? {}) };
  if (service.spec?.clusterIP === 'None') labels[headlessServiceLabel] = '';
  else delete labels[headlessServiceLabel];
  return labels;
}

/**
 * The Endpoints to write for `service` from its selected pods, or undefined when `current`
 * already says it (an unchanged object is not rewritten).
 */
export function desiredEndpoints(
  service: Service,
  pods: readonly Pod[],
  current: Endpoints | undefined,
): Endpoints | undefined {
  const subsets = buildEndpointSubsets(service, pods);
  const labels = endpointsLabels(service);
  if (
    current &&
    deepEqual(current.subsets ?? [], subsets) &&
    deepEqual(current.metadata?.labels ?? {}, labels)
  )
    return undefined;
  const { name, namespace } = service.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { ...(current?.metadata ?? { name, namespace }), labels },
    subsets,
  };
}
