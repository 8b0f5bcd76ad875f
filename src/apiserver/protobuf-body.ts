// Reading the protobuf bodies real kubectl sends. kubelab speaks JSON, but kubectl's typed
// commands (`kubectl auth can-i`, `auth whoami`, `create role|rolebinding|clusterrole|
// clusterrolebinding|serviceaccount|token`) POST protobuf and do not fall back to JSON on a 415.
// So for those kinds only, the body is decoded here: kube's envelope ("k8s\0" + runtime.Unknown)
// around the object's own message, read into the JSON shape the rest of the server knows.
// Answers stay JSON, which client-go reads by the response's Content-Type.
//
// The wire format is protobufjs's job, not ours: it is well kept, reads the wire format from a
// JSON descriptor, bounds-checks every length, skips unknown fields and keeps a map key
// `__proto__` an own key. kube's .proto files are not shipped, so the descriptor below is built
// from a field table (numbers from kube's generated.proto) that lists only the fields kubelab reads.

import type { INamespace, Type } from 'protobufjs/light.js';
import protobuf from 'protobufjs/light.js';

/** A field: its JSON name, a scalar, `map` (string to string) or a message below, and its rule. */
type Field = [name: string, type: string, repeated?: 'repeated'];

const messages: Record<string, Record<number, Field>> = {
  // runtime.Unknown, the envelope's message after the magic
  Unknown: {
    1: ['typeMeta', 'TypeMeta'],
    2: ['raw', 'bytes'],
    3: ['contentEncoding', 'string'],
    4: ['contentType', 'string'],
  },
  TypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    11: ['labels', 'map'],
    12: ['annotations', 'map'],
    14: ['finalizers', 'string', 'repeated'],
  },
  LabelSelector: { 1: ['matchLabels', 'map'], 2: ['matchExpressions', 'Requirement', 'repeated'] },
  Requirement: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'string', 'repeated'] },
  // rbac.authorization.k8s.io/v1
  Role: { 1: ['metadata', 'ObjectMeta'], 2: ['rules', 'PolicyRule', 'repeated'] },
  ClusterRole: {
    1: ['metadata', 'ObjectMeta'],
    2: ['rules', 'PolicyRule', 'repeated'],
    3: ['aggregationRule', 'AggregationRule'],
  },
  AggregationRule: { 1: ['clusterRoleSelectors', 'LabelSelector', 'repeated'] },
  PolicyRule: {
    1: ['verbs', 'string', 'repeated'],
    2: ['apiGroups', 'string', 'repeated'],
    3: ['resources', 'string', 'repeated'],
    4: ['resourceNames', 'string', 'repeated'],
    5: ['nonResourceURLs', 'string', 'repeated'],
  },
  RoleBinding: {
    1: ['metadata', 'ObjectMeta'],
    2: ['subjects', 'Subject', 'repeated'],
    3: ['roleRef', 'RoleRef'],
  },
  Subject: {
    1: ['kind', 'string'],
    2: ['apiGroup', 'string'],
    3: ['name', 'string'],
    4: ['namespace', 'string'],
  },
  RoleRef: { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] },
  // authorization.k8s.io/v1 and authentication.k8s.io/v1
  AccessReview: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'AccessReviewSpec'] },
  AccessReviewSpec: {
    1: ['resourceAttributes', 'ResourceAttributes'],
    2: ['nonResourceAttributes', 'NonResourceAttributes'],
    3: ['user', 'string'],
    4: ['groups', 'string', 'repeated'],
    6: ['uid', 'string'],
  },
  ResourceAttributes: {
    1: ['namespace', 'string'],
    2: ['verb', 'string'],
    3: ['group', 'string'],
    4: ['version', 'string'],
    5: ['resource', 'string'],
    6: ['subresource', 'string'],
    7: ['name', 'string'],
  },
  NonResourceAttributes: { 1: ['path', 'string'], 2: ['verb', 'string'] },
  RulesReview: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'RulesReviewSpec'] },
  RulesReviewSpec: { 1: ['namespace', 'string'] },
  SelfSubjectReview: { 1: ['metadata', 'ObjectMeta'] },
  // v1 ServiceAccount (`kubectl create serviceaccount`)
  ServiceAccount: {
    1: ['metadata', 'ObjectMeta'],
    2: ['secrets', 'ObjectReference', 'repeated'],
    3: ['imagePullSecrets', 'LocalObjectReference', 'repeated'],
    4: ['automountServiceAccountToken', 'bool'],
  },
  ObjectReference: {
    1: ['kind', 'string'],
    2: ['namespace', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
  },
  LocalObjectReference: { 1: ['name', 'string'] },
  // authentication.k8s.io/v1 TokenRequest, the body of serviceaccounts/token (`kubectl create token`)
  TokenRequest: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'TokenRequestSpec'] },
  TokenRequestSpec: {
    1: ['audiences', 'string', 'repeated'],
    3: ['boundObjectRef', 'BoundObjectReference'],
    4: ['expirationSeconds', 'int64'],
  },
  BoundObjectReference: {
    1: ['kind', 'string'],
    2: ['apiVersion', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
  },
};

/** The message each kind's body is; kinds not listed are JSON only. */
const messageOfKind: Record<string, string> = {
  Role: 'Role',
  ClusterRole: 'ClusterRole',
  RoleBinding: 'RoleBinding',
  ClusterRoleBinding: 'RoleBinding',
  // Self and subject access reviews share field numbers (the self review lacks user and groups).
  SelfSubjectAccessReview: 'AccessReview',
  SubjectAccessReview: 'AccessReview',
  LocalSubjectAccessReview: 'AccessReview',
  SelfSubjectRulesReview: 'RulesReview',
  SelfSubjectReview: 'SelfSubjectReview',
  ServiceAccount: 'ServiceAccount',
  TokenRequest: 'TokenRequest',
};

export const protobufContentType = 'application/vnd.kubernetes.protobuf';
const envelope = Buffer.from('k8s\0');

const root = protobuf.Root.fromJSON({
  nested: Object.fromEntries(
    Object.entries(messages).map(([message, fields]) => [
      message,
      {
        fields: Object.fromEntries(
          Object.entries(fields).map(([id, [name, type, rule]]) => [
            name,
            type === 'map'
              ? { keyType: 'string', type: 'string', id: Number(id) }
              : { type, id: Number(id), rule },
          ]),
        ),
      },
    ]),
  ),
} as INamespace).resolveAll();

/**
 * A decoded message as kube's JSON: int64 as numbers, absent fields left out, and empty
 * strings dropped too, as kube's JSON omits them (`omitempty`); in a list they count.
 */
function decode(type: Type, bytes: Uint8Array): Record<string, unknown> {
  // A plain Uint8Array view, not a Buffer: protobufjs's Buffer reader cuts a string that runs
  // past the body's end short instead of refusing it; its plain reader refuses every such length.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return withoutEmptyStrings(type, type.toObject(type.decode(view), { longs: Number, defaults: false }));
}

function withoutEmptyStrings(type: Type, object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).flatMap(([name, value]) => {
      const field = type.fields[name]!;
      if (value === '' && !field.repeated) return [];
      const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
      if (!nested) return [[name, value]];
      const each = (v: unknown) => withoutEmptyStrings(nested, v as Record<string, unknown>);
      return [[name, field.repeated ? (value as unknown[]).map(each) : each(value)]];
    }),
  );
}

/**
 * The JSON form of a protobuf body for `kind`, or undefined when kubelab does not read that
 * kind as protobuf. Throws an Error saying what was malformed.
 */
export function decodeProtobufBody(body: Buffer, kind: string): Record<string, unknown> | undefined {
  const message = messageOfKind[kind];
  if (!message) return undefined;
  if (!body.subarray(0, 4).equals(envelope))
    throw new Error('the protobuf body lacks kube\'s "k8s\\0" envelope');
  try {
    const { typeMeta, raw } = decode(root.lookupType('Unknown'), body.subarray(4));
    return {
      ...(typeMeta as Record<string, unknown> | undefined),
      ...decode(root.lookupType(message), (raw as Uint8Array | undefined) ?? new Uint8Array()),
    };
  } catch (e) {
    throw new Error(`malformed protobuf ${kind} body: ${(e as Error).message}`);
  }
}
