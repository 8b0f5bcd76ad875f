// authorization.k8s.io/v1's reviews, answered by the same decision as a real request: "may I
// (SelfSubjectAccessReview) / may they (SubjectAccessReview, LocalSubjectAccessReview in one
// namespace) do this?", and "what may I do in this namespace?" (SelfSubjectRulesReview, which
// `kubectl auth can-i --list` prints). The decision is masters + RBAC: unlike kube, the node
// authorizer is not asked (it needs a catalogued resource and may read the store), so a node's
// own-object rights are neither reviewed nor listed.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { FieldPath, fieldErrors } from '../../api/field-errors.js';
import { statusErrors } from '../../api/status-error.js';
import type { UserInfo } from '../authn.js';
import { allowedByPolicy } from '../authz.js';
import type { ResourceRequest } from '../request-info.js';
import type { VirtualCreate, VirtualObject } from '../virtual-resources.js';
import type { RbacAuthorizer } from './rbac-authorizer.js';
import type { RequestAttributes } from './rule-match.js';

interface ReviewSpec {
  resourceAttributes?: {
    namespace?: string;
    verb?: string;
    group?: string;
    resource?: string;
    subresource?: string;
    name?: string;
  };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  namespace?: string;
}

function invalid(body: VirtualObject, kind: string, field: string, detail: string) {
  return statusErrors.invalid(
    {
      group: 'authorization.k8s.io',
      resource: `${kind.toLowerCase()}s`,
      kind,
      name: body.metadata?.name ?? '',
    },
    [fieldErrors.invalid(FieldPath.root(field), '', detail)],
  );
}

function attributesOf(body: VirtualObject, kind: string): RequestAttributes {
  const spec = (body.spec ?? {}) as ReviewSpec;
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (r && n)
    throw invalid(
      body,
      kind,
      'spec.nonResourceAttributes',
      'cannot be specified in combination with resourceAttributes',
    );
  if (n) return { kind: 'nonResource', verb: n.verb ?? '', path: n.path ?? '' };
  if (!r)
    throw invalid(
      body,
      kind,
      'spec.resourceAttributes',
      'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  return {
    kind: 'resource',
    verb: r.verb ?? '',
    apiGroup: r.group ?? '',
    resource: r.resource ?? '',
    subresource: r.subresource || undefined,
    namespace: r.namespace || undefined,
    name: r.name || undefined,
  };
}

/** RBAC only allows; `denied` (an explicit deny, which RBAC never says) stays unset. */
function verdict(allowed: boolean) {
  return { allowed };
}

function specUser(body: VirtualObject, kind: string): UserInfo {
  const spec = (body.spec ?? {}) as ReviewSpec;
  if (!spec.user && !spec.groups?.length)
    throw invalid(body, kind, 'spec.user', 'at least one of user or group must be specified');
  return { name: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra };
}

function ruleLists(rules: PolicyRule[]) {
  const resourceRules = rules
    .filter((r) => !r.nonResourceURLs?.length)
    .map((r) => ({
      verbs: r.verbs,
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((r) => r.nonResourceURLs?.length)
    .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return { resourceRules, nonResourceRules, incomplete: false };
}

export function accessReviews(rbac: RbacAuthorizer): Record<string, VirtualCreate> {
  return {
    SelfSubjectAccessReview: (body, user) =>
      verdict(allowedByPolicy(user, attributesOf(body, 'SelfSubjectAccessReview'), rbac)),
    SubjectAccessReview: (body) =>
      verdict(
        allowedByPolicy(
          specUser(body, 'SubjectAccessReview'),
          attributesOf(body, 'SubjectAccessReview'),
          rbac,
        ),
      ),
    LocalSubjectAccessReview: (body, _user, info: ResourceRequest) => {
      const attrs = attributesOf(body, 'LocalSubjectAccessReview');
      if (attrs.kind !== 'resource' || (attrs.namespace ?? info.namespace) !== info.namespace)
        throw invalid(
          body,
          'LocalSubjectAccessReview',
          'spec.resourceAttributes.namespace',
          'must match metadata.namespace',
        );
      return verdict(
        allowedByPolicy(
          specUser(body, 'LocalSubjectAccessReview'),
          { ...attrs, namespace: info.namespace },
          rbac,
        ),
      );
    },
    SelfSubjectRulesReview: (body, user) => {
      const namespace = (body.spec as ReviewSpec | undefined)?.namespace;
      return ruleLists(rbac.rulesFor(user, namespace || undefined));
    },
  };
}
