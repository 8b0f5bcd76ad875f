// Reading the protobuf bodies real kubectl sends. kubelab speaks JSON, but kubectl's typed
// commands (`kubectl auth can-i`, `auth whoami`, `create role|rolebinding|clusterrole|
// clusterrolebinding|serviceaccount|token`) POST protobuf and do not fall back to JSON on a 415. So for those kinds
// only, the body is decoded here: kube's envelope ("k8s\0" + runtime.Unknown) around the
// object's own message, read by a small field table (from kube's generated.proto) into the JSON
// shape the rest of the server knows. Unknown fields are skipped; answers stay JSON, which
// client-go reads by the response's Content-Type.

type FieldType = 'string' | 'stringMap' | 'bool' | 'int64' | { message: string };
type Field = [name: string, type: FieldType, repeated?: 'repeated'];
type Message = Record<number, Field>;

const m = (message: string) => ({ message });
const messages: Record<string, Message> = {
  TypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    11: ['labels', 'stringMap'],
    12: ['annotations', 'stringMap'],
    14: ['finalizers', 'string', 'repeated'],
  },
  LabelSelector: { 1: ['matchLabels', 'stringMap'], 2: ['matchExpressions', m('Requirement'), 'repeated'] },
  Requirement: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'string', 'repeated'] },
  // rbac.authorization.k8s.io/v1
  Role: { 1: ['metadata', m('ObjectMeta')], 2: ['rules', m('PolicyRule'), 'repeated'] },
  ClusterRole: {
    1: ['metadata', m('ObjectMeta')],
    2: ['rules', m('PolicyRule'), 'repeated'],
    3: ['aggregationRule', m('AggregationRule')],
  },
  AggregationRule: { 1: ['clusterRoleSelectors', m('LabelSelector'), 'repeated'] },
  PolicyRule: {
    1: ['verbs', 'string', 'repeated'],
    2: ['apiGroups', 'string', 'repeated'],
    3: ['resources', 'string', 'repeated'],
    4: ['resourceNames', 'string', 'repeated'],
    5: ['nonResourceURLs', 'string', 'repeated'],
  },
  RoleBinding: {
    1: ['metadata', m('ObjectMeta')],
    2: ['subjects', m('Subject'), 'repeated'],
    3: ['roleRef', m('RoleRef')],
  },
  Subject: {
    1: ['kind', 'string'],
    2: ['apiGroup', 'string'],
    3: ['name', 'string'],
    4: ['namespace', 'string'],
  },
  RoleRef: { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] },
  // authorization.k8s.io/v1 and authentication.k8s.io/v1
  AccessReview: { 1: ['metadata', m('ObjectMeta')], 2: ['spec', m('AccessReviewSpec')] },
  AccessReviewSpec: {
    1: ['resourceAttributes', m('ResourceAttributes')],
    2: ['nonResourceAttributes', m('NonResourceAttributes')],
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
  RulesReview: { 1: ['metadata', m('ObjectMeta')], 2: ['spec', m('RulesReviewSpec')] },
  RulesReviewSpec: { 1: ['namespace', 'string'] },
  SelfSubjectReview: { 1: ['metadata', m('ObjectMeta')] },
  // v1 ServiceAccount (`kubectl create serviceaccount`)
  ServiceAccount: {
    1: ['metadata', m('ObjectMeta')],
    2: ['secrets', m('ObjectReference'), 'repeated'],
    3: ['imagePullSecrets', m('LocalObjectReference'), 'repeated'],
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
  TokenRequest: { 1: ['metadata', m('ObjectMeta')], 2: ['spec', m('TokenRequestSpec')] },
  TokenRequestSpec: {
    1: ['audiences', 'string', 'repeated'],
    3: ['boundObjectRef', m('BoundObjectReference')],
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
const envelope = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, name: string): Record<string, unknown> {
  const fields = messages[name]!;
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const key = r.varint();
    const field = fields[Math.floor(key / 8)];
    const wireType = key & 7;
    if (!field) {
      r.skip(wireType);
      continue;
    }
    const [fieldName, type, repeated] = field;
    if (type === 'stringMap') {
      const [k, v] = decodeEntry(r.bytes());
      out[fieldName] = { ...(out[fieldName] as Record<string, string> | undefined), [k]: v };
      continue;
    }
    const value = decodeValue(r, type);
    // Protobuf writes empty strings that kube's JSON omits (`omitempty`); in a list they count.
    if (value === '' && !repeated) continue;
    out[fieldName] = repeated ? [...((out[fieldName] as unknown[] | undefined) ?? []), value] : value;
  }
  return out;
}

function decodeValue(r: Reader, type: Exclude<FieldType, 'stringMap'>): unknown {
  if (type === 'string') return r.bytes().toString('utf8');
  if (type === 'bool') return r.varint() !== 0;
  // Lifetimes and counts: far inside 2^53, where a varint read as a Number is exact.
  if (type === 'int64') return r.varint();
  return decodeMessage(r.bytes(), type.message);
}

function decodeEntry(buf: Buffer): [string, string] {
  const r = new Reader(buf);
  const entry: [string, string] = ['', ''];
  while (!r.done()) {
    const key = r.varint();
    const n = Math.floor(key / 8);
    if ((n === 1 || n === 2) && (key & 7) === 2) entry[n - 1] = r.bytes().toString('utf8');
    else r.skip(key & 7);
  }
  return entry;
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
  const unknown = new Reader(body.subarray(4));
  let typeMeta: Record<string, unknown> = {};
  let raw: Buffer = Buffer.alloc(0);
  while (!unknown.done()) {
    const key = unknown.varint();
    const n = Math.floor(key / 8);
    if (n === 1 && (key & 7) === 2) typeMeta = decodeMessage(unknown.bytes(), 'TypeMeta');
    else if (n === 2 && (key & 7) === 2) raw = unknown.bytes();
    else unknown.skip(key & 7);
  }
  return { ...typeMeta, ...decodeMessage(raw, message) };
}
