// serviceaccounts/token (authentication.k8s.io/v1 TokenRequest), kube's TokenREST: a token for
// a ServiceAccount, optionally bound to a Pod, Secret or Node of its namespace so that deleting
// that object revokes it. `kubectl create token` and the agent's projected volumes ask here.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FieldPath, fieldErrors } from '../api/field-errors.js';
import { resource } from '../api/resources.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import { rfc3339 } from '../api/time.js';
import type { UserInfo } from './authn.js';
import { nodeNameOf } from './node-authorizer.js';
import type { Registry } from './registry.js';
import { bindableKinds, type ServiceAccountTokens, serviceAccountIssuer } from './service-account-tokens.js';

/** kube: 10 minutes at least; the default is an hour. */
const minExpirationSeconds = 600;
const defaultExpirationSeconds = 3600;
/** kube-apiserver's --service-account-max-token-expiration (kubeadm leaves it unset; 48 h here). */
export const maxExpirationSeconds = 48 * 3600;

interface TokenRequestBody {
  metadata?: Record<string, unknown>;
  spec?: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
  };
}

export async function createToken(
  registry: Registry,
  tokens: ServiceAccountTokens,
  namespace: string,
  name: string,
  body: unknown,
  user: UserInfo | undefined,
) {
  const req = (body ?? {}) as TokenRequestBody;
  const spec = req.spec ?? {};
  const requested = spec.expirationSeconds ?? defaultExpirationSeconds;
  if (!Number.isInteger(requested) || requested < minExpirationSeconds)
    throw statusErrors.invalid(
      { group: 'authentication.k8s.io', resource: 'tokenrequests', kind: 'TokenRequest', name },
      [
        fieldErrors.invalid(
          FieldPath.root('spec').child('expirationSeconds'),
          requested,
          'may not specify a duration less than 10 minutes',
        ),
      ],
    );
  const sa = await registry.get(resource.serviceAccounts, namespace, name);
  const ref = spec.boundObjectRef;
  const bound = ref ? await boundObject(registry, namespace, name, ref) : undefined;
  if (user) restrictNode(user, name, ref?.kind, bound?.pod);
  const audiences = spec.audiences?.length ? spec.audiences : [serviceAccountIssuer];
  const expirationSeconds = Math.min(requested, maxExpirationSeconds);
  const { token, expiresAt } = await tokens.issue({
    namespace,
    serviceAccount: { name, uid: sa.metadata.uid ?? '' },
    audiences,
    expirationSeconds,
    ...bound?.claims,
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: {
      audiences,
      expirationSeconds,
      boundObjectRef: ref ? { ...ref, uid: bound?.uid } : null,
    },
    status: { token, expirationTimestamp: rfc3339(expiresAt.getTime()) },
  };
}

/** The bound object's claims: a pod's token also names the pod's node, as kube's does. */
async function boundObject(
  registry: Registry,
  namespace: string,
  serviceAccount: string,
  ref: NonNullable<NonNullable<TokenRequestBody['spec']>['boundObjectRef']>,
) {
  const r = ref.kind ? bindableKinds[ref.kind] : undefined;
  if (!r || (ref.apiVersion && ref.apiVersion !== 'v1'))
    throw statusErrors.badRequest(
      `cannot bind token to object of type ${ref.apiVersion ?? ''}, Kind=${ref.kind ?? ''}`,
    );
  const obj = await registry.get(r, r.namespaced ? namespace : undefined, ref.name ?? '');
  const uid = obj.metadata.uid ?? '';
  if (ref.uid && ref.uid !== uid)
    throw statusErrors.conflict(
      { group: '', resource: ref.kind ?? '', name: ref.name },
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  const self = { name: obj.metadata.name ?? '', uid };
  if (r !== resource.pods) return { uid, claims: r === resource.nodes ? { node: self } : { secret: self } };
  const pod = obj as Pod;
  if ((pod.spec?.serviceAccountName ?? 'default') !== serviceAccount)
    throw statusErrors.badRequest(
      `cannot bind token for serviceaccount "${serviceAccount}" to pod running with different serviceaccount name.`,
    );
  const nodeName = pod.spec?.nodeName;
  // A pod bound to a Node that is gone gets a token without the node claim, as in kube.
  const node = nodeName
    ? await registry.get(resource.nodes, undefined, nodeName).catch((e: unknown) => {
        if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
        throw e;
      })
    : undefined;
  return {
    uid,
    pod,
    claims: { pod: self, ...(node ? { node: { name: nodeName!, uid: node.metadata.uid ?? '' } } : {}) },
  };
}

/**
 * kube's NodeRestriction admission for tokens: a node asks only for tokens bound to a pod
 * running on it (the pod's ServiceAccount is checked above). The authorizer lets nodes reach
 * this handler; only here is the body known.
 */
function restrictNode(user: UserInfo, name: string, kind: string | undefined, pod: Pod | undefined): void {
  const node = nodeNameOf(user);
  if (node === undefined) return;
  const why = !kind
    ? 'node requested token not bound to a pod'
    : kind !== 'Pod'
      ? `node requested token bound to a ${kind}, only pods are allowed`
      : pod?.spec?.nodeName !== node
        ? 'node requested token bound to a pod scheduled on a different node'
        : undefined;
  if (why)
    throw new StatusError(403, 'Forbidden', `serviceaccounts "${name}" is forbidden: ${why}`, {
      name,
      group: '',
      kind: 'serviceaccounts',
    });
}
