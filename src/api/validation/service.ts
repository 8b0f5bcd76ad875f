// Service and Endpoints validation (pkg/apis/core/validation): ports, types, selectors,
// session affinity, cluster IPs (including headless "None") and endpoint addresses.

import type { EndpointAddress, Endpoints, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import { isValidIP, isValidPortNum, parseIP, validateNodeName } from '../names.js';
import { validateLabels } from './object-meta.js';
import {
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validatePortNumOrName,
  validateProtocol,
} from './pod-spec.js';

const specPath = FieldPath.root('spec');
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const sessionAffinities = ['ClientIP', 'None'];
const kubeletPort = 10250;

const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None';

/** ValidateNonSpecialIP: addresses that can never reach a pod or service from elsewhere. */
function validateNonSpecialIP(ip: string, path: FieldPath): FieldError[] {
  const b = parseIP(ip);
  if (!b) return [];
  const v4 = b.length === 4;
  if (b.every((x) => x === 0)) return [fieldErrors.invalid(path, ip, 'may not be unspecified (0.0.0.0)')];
  if ((v4 && b[0] === 127) || (!v4 && b.slice(0, 15).every((x) => x === 0) && b[15] === 1)) {
    return [fieldErrors.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  }
  if ((v4 && b[0] === 169 && b[1] === 254) || (!v4 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80)) {
    return [fieldErrors.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  }
  if ((v4 && b[0] === 224 && b[1] === 0 && b[2] === 0) || (!v4 && b[0] === 0xff && (b[1]! & 0x0f) === 2)) {
    return [
      fieldErrors.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'),
    ];
  }
  return [];
}

function validateServicePort(
  sp: ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(fieldErrors.required(path.child('name'), ''));
  else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, path.child('name')));
    if (names.has(sp.name)) errs.push(fieldErrors.duplicate(path.child('name'), sp.name));
    else names.add(sp.name);
  }
  errs.push(
    ...isValidPortNum(sp.port ?? 0).map((m) => fieldErrors.invalid(path.child('port'), sp.port ?? 0, m)),
  );
  errs.push(...validateProtocol(sp.protocol, path.child('protocol')));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  return errs;
}

function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const path = specPath.child('clusterIPs');
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const errs: FieldError[] = [];
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(fieldErrors.invalid(path, spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  if (ips[0] === 'None' && ips.length > 1) {
    errs.push(fieldErrors.invalid(path, ips, "must not have more than one value when `clusterIP` is 'None'"));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') return;
    const msgs = isValidIP(ip);
    if (msgs.length) errs.push(fieldErrors.invalid(path.index(i), ip, 'must be a valid IP address'));
  });
  return errs;
}

export function validateServiceSpec(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec ?? {};
  const ports = spec.ports ?? [];
  const portsPath = specPath.child('ports');
  const clusterIPs0 = specPath.child('clusterIPs').index(0);
  if (ports.length === 0 && !isHeadless(svc) && spec.type !== 'ExternalName')
    errs.push(fieldErrors.required(portsPath, ''));
  switch (spec.type) {
    case 'LoadBalancer':
      if (isHeadless(svc))
        errs.push(
          fieldErrors.invalid(clusterIPs0, 'None', "may not be set to 'None' for LoadBalancer services"),
        );
      ports.forEach((p, i) => {
        if (p.port === kubeletPort) {
          errs.push(
            fieldErrors.invalid(
              portsPath.index(i),
              p.port,
              `may not expose port ${kubeletPort} externally since it is used by kubelet`,
            ),
          );
        }
      });
      break;
    case 'NodePort':
      if (isHeadless(svc))
        errs.push(fieldErrors.invalid(clusterIPs0, 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (spec.clusterIP || spec.clusterIPs?.length) {
        errs.push(
          fieldErrors.forbidden(specPath.child('clusterIPs'), 'may not be set for ExternalName services'),
        );
      }
      if (spec.ipFamilies?.length)
        errs.push(
          fieldErrors.forbidden(specPath.child('ipFamilies'), 'may not be set for ExternalName services'),
        );
      if (spec.ipFamilyPolicy)
        errs.push(
          fieldErrors.forbidden(specPath.child('ipFamilyPolicy'), 'may not be set for ExternalName services'),
        );
      // A trailing dot marks the CNAME as fully qualified.
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...validateDNS1123Subdomain(cname, specPath.child('externalName')));
      else errs.push(fieldErrors.required(specPath.child('externalName'), ''));
      break;
    }
    default:
      break;
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validateServicePort(p, ports.length > 1, names, portsPath.index(i)));
  });
  if (spec.selector) errs.push(...validateLabels(spec.selector, specPath.child('selector')));

  const affinityPath = specPath.child('sessionAffinity');
  if (!spec.sessionAffinity) errs.push(fieldErrors.required(affinityPath, ''));
  else if (!sessionAffinities.includes(spec.sessionAffinity)) {
    errs.push(fieldErrors.notSupported(affinityPath, spec.sessionAffinity, sessionAffinities));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    const tp = specPath.child('sessionAffinityConfig').child('clientIP').child('timeoutSeconds');
    if (timeout == null) errs.push(fieldErrors.required(tp, ''));
    else if (timeout <= 0 || timeout > 86400)
      errs.push(fieldErrors.invalid(tp, timeout, 'must be greater than 0 and less than 86400'));
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(
      fieldErrors.forbidden(
        specPath.child('sessionAffinityConfig'),
        'must not be set when session affinity is None',
      ),
    );
  }
  if (spec.type !== 'ExternalName') errs.push(...validateClusterIPs(svc));

  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = specPath.child('externalIPs').index(i);
    const msgs = isValidIP(ip);
    if (msgs.length) errs.push(...msgs.map((m) => fieldErrors.invalid(p, ip, m)));
    else errs.push(...validateNonSpecialIP(ip, p));
  });

  const typePath = specPath.child('type');
  if (!spec.type) errs.push(fieldErrors.required(typePath, ''));
  else if (!serviceTypes.includes(spec.type))
    errs.push(fieldErrors.notSupported(typePath, spec.type, serviceTypes));

  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort)
        errs.push(
          fieldErrors.forbidden(
            portsPath.index(i).child('nodePort'),
            "may not be used when `type` is 'ClusterIP'",
          ),
        );
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    if (p.nodePort) {
      const key = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(key))
        errs.push(fieldErrors.duplicate(portsPath.index(i).child('nodePort'), p.nodePort));
      nodePorts.add(key);
    }
    const key = `${p.protocol}/${p.port}`;
    if (portKeys.has(key))
      errs.push(fieldErrors.duplicate(portsPath.index(i), { protocol: p.protocol, port: p.port }));
    portKeys.add(key);
  });
  return errs;
}

/**
 * A Service's cluster IP is fixed once allocated. An update that leaves it out keeps it (the
 * API server carries the allocated value forward, as kube's registry does).
 */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  const changingType = svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName';
  const prev = old.spec?.clusterIPs?.length
    ? old.spec.clusterIPs
    : old.spec?.clusterIP
      ? [old.spec.clusterIP]
      : [];
  const next = svc.spec?.clusterIPs?.length
    ? svc.spec.clusterIPs
    : svc.spec?.clusterIP
      ? [svc.spec.clusterIP]
      : [];
  if (!changingType && next.length > 0) {
    prev.slice(0, next.length).forEach((ip, i) => {
      if (ip !== next[i])
        errs.push(
          fieldErrors.invalid(specPath.child('clusterIPs').index(i), next, 'may not change once set'),
        );
    });
  }
  return errs;
}

export function validateServiceStatus(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  (svc.status?.loadBalancer?.ingress ?? []).forEach((ing, i) => {
    const p = FieldPath.root('status').child('loadBalancer').child('ingress').index(i);
    if (ing.ip) errs.push(...isValidIP(ing.ip).map((m) => fieldErrors.invalid(p.child('ip'), ing.ip, m)));
    if (ing.hostname) {
      errs.push(...validateDNS1123Subdomain(ing.hostname, p.child('hostname')));
      if (parseIP(ing.hostname))
        errs.push(
          fieldErrors.invalid(p.child('hostname'), ing.hostname, 'must be a DNS name, not an IP address'),
        );
    }
  });
  return errs;
}

function validateEndpointAddress(addr: EndpointAddress, path: FieldPath): FieldError[] {
  const ip = addr.ip ?? '';
  const errs = isValidIP(ip).map((m) => fieldErrors.invalid(path.child('ip'), ip, m));
  if (addr.hostname) errs.push(...validateDNS1123Label(addr.hostname, path.child('hostname')));
  if (addr.nodeName != null) {
    for (const m of validateNodeName(addr.nodeName, false))
      errs.push(fieldErrors.invalid(path.child('nodeName'), addr.nodeName, m));
  }
  errs.push(...validateNonSpecialIP(ip, path.child('ip')));
  return errs;
}

export function validateEndpointSubsets(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = FieldPath.root('subsets').index(i);
    if (!(ss.addresses ?? []).length && !(ss.notReadyAddresses ?? []).length) {
      errs.push(fieldErrors.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss.addresses ?? []).forEach((a, j) => {
      errs.push(...validateEndpointAddress(a, p.child('addresses').index(j)));
    });
    (ss.notReadyAddresses ?? []).forEach((a, j) => {
      errs.push(...validateEndpointAddress(a, p.child('notReadyAddresses').index(j)));
    });
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => {
      const pp = p.child('ports').index(j);
      if (ports.length > 1 && !port.name) errs.push(fieldErrors.required(pp.child('name'), ''));
      else if (port.name) errs.push(...validateDNS1123Label(port.name, pp.child('name')));
      errs.push(
        ...isValidPortNum(port.port ?? 0).map((m) =>
          fieldErrors.invalid(pp.child('port'), port.port ?? 0, m),
        ),
      );
      errs.push(...validateProtocol(port.protocol, pp.child('protocol')));
    });
  });
  return errs;
}
