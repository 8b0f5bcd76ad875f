// networking.k8s.io/v1 Ingress validation: hosts, HTTP paths (pathType required), backends
// naming a Service by name and port, TLS hosts, and load-balancer status.

import type { HTTPIngressPath, Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { type FieldError, FieldPath, fieldErrors } from '../field-errors.js';
import {
  isDNS1123Subdomain,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  nameIsDNSSubdomain,
  parseIP,
  validateSecretName,
  validateServiceName,
} from '../names.js';

const specPath = FieldPath.root('spec');
const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

function validateHost(host: string, path: FieldPath): FieldError[] {
  const check = host.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
  return check(host).map((m) => fieldErrors.invalid(path, host, m));
}

function validateBackend(b: IngressBackend, path: FieldPath): FieldError[] {
  if (b.resource && b.service)
    return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const errs: FieldError[] = [];
    if (!b.resource.kind) errs.push(fieldErrors.required(path.child('resource').child('kind'), ''));
    if (!b.resource.name) errs.push(fieldErrors.required(path.child('resource').child('name'), ''));
    return errs;
  }
  if (!b.service) return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const svc = b.service;
  const namePath = path.child('service').child('name');
  if (!svc.name) errs.push(fieldErrors.required(namePath, ''));
  else
    errs.push(...validateServiceName(svc.name, false).map((m) => fieldErrors.invalid(namePath, svc.name, m)));
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  const portPath = path.child('service').child('port');
  if (portName && portNumber)
    errs.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName)
    errs.push(
      ...isValidPortName(portName).map((m) => fieldErrors.invalid(portPath.child('name'), portName, m)),
    );
  else if (portNumber)
    errs.push(
      ...isValidPortNum(portNumber).map((m) => fieldErrors.invalid(portPath.child('number'), portNumber, m)),
    );
  else errs.push(fieldErrors.required(path, 'port name or number is required'));
  return errs;
}

function validateHTTPPath(p: HTTPIngressPath, path: FieldPath): FieldError[] {
  if (!p.pathType) return [fieldErrors.required(path.child('pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const text = p.path ?? '';
  const pp = path.child('path');
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!text.startsWith('/')) errs.push(fieldErrors.invalid(pp, text, 'must be an absolute path'));
      if (text) {
        for (const seq of invalidPathSequences) {
          if (text.includes(seq)) errs.push(fieldErrors.invalid(pp, text, `must not contain '${seq}'`));
        }
        for (const suffix of invalidPathSuffixes) {
          if (text.endsWith(suffix)) errs.push(fieldErrors.invalid(pp, text, `cannot end with '${suffix}'`));
        }
      }
      break;
    case 'ImplementationSpecific':
      if (text && !text.startsWith('/')) errs.push(fieldErrors.invalid(pp, text, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErrors.notSupported(path.child('pathType'), p.pathType, pathTypes));
  }
  errs.push(...validateBackend(p.backend ?? {}, path.child('backend')));
  return errs;
}

export function validateIngressSpec(ing: Ingress): FieldError[] {
  const spec = ing.spec ?? {};
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(
      fieldErrors.invalid(
        specPath,
        spec.rules ?? null,
        'either `defaultBackend` or `rules` must be specified',
      ),
    );
  }
  if (spec.defaultBackend)
    errs.push(...validateBackend(spec.defaultBackend, specPath.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const rp = specPath.child('rules').index(i);
    if (rule.host) {
      if (parseIP(rule.host))
        errs.push(fieldErrors.invalid(rp.child('host'), rule.host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(rule.host, rp.child('host')));
    }
    if (rule.http) {
      const hp = rp.child('http');
      const paths = rule.http.paths ?? [];
      if (paths.length === 0) errs.push(fieldErrors.required(hp.child('paths'), ''));
      paths.forEach((p, j) => {
        errs.push(...validateHTTPPath(p, hp.child('paths').index(j)));
      });
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    const tp = specPath.child('tls').index(i);
    (tls.hosts ?? []).forEach((h, j) => {
      errs.push(...validateHost(h, tp.child('hosts').index(j)));
    });
    if (tls.secretName) {
      errs.push(
        ...validateSecretName(tls.secretName, false).map((m) =>
          fieldErrors.invalid(tp.child('secretName'), tls.secretName, m),
        ),
      );
    }
  });
  if (spec.ingressClassName) {
    errs.push(
      ...nameIsDNSSubdomain(spec.ingressClassName, false).map((m) =>
        fieldErrors.invalid(specPath.child('ingressClassName'), spec.ingressClassName, m),
      ),
    );
  }
  return errs;
}

export function validateIngressStatus(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const p = FieldPath.root('status').child('loadBalancer').child('ingress').index(i);
    if (lb.ip) errs.push(...isValidIP(lb.ip).map((m) => fieldErrors.invalid(p.child('ip'), lb.ip, m)));
    if (lb.hostname) {
      if (parseIP(lb.hostname))
        errs.push(
          fieldErrors.invalid(p.child('hostname'), lb.hostname, 'must be a DNS name, not an IP address'),
        );
      errs.push(
        ...isDNS1123Subdomain(lb.hostname).map((m) =>
          fieldErrors.invalid(p.child('hostname'), lb.hostname, m),
        ),
      );
    }
  });
  return errs;
}
