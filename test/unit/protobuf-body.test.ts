// The protobuf bodies kubectl's typed commands send (auth can-i, create rolebinding), read
// into the JSON the server knows: kube's "k8s\0" envelope, nested messages, repeated and map
// fields, empty strings dropped as kube's JSON omits them, unknown fields skipped.
import { describe, expect, it } from 'vitest';
import { decodeProtobufBody } from '../../src/apiserver/protobuf-body.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  return Buffer.from([...out, n]);
}
/** A length-delimited field (strings, messages, map entries): all kubectl's bodies need here. */
function field(n: number, value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint((n << 3) | 2), varint(bytes.length), bytes]);
}
const message = (...fields: Buffer[]) => Buffer.concat(fields);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([
    Buffer.from('k8s\0'),
    field(1, message(field(1, apiVersion), field(2, kind))),
    field(2, raw),
    field(4, 'application/vnd.kubernetes.protobuf'),
  ]);

describe('protobuf request bodies', () => {
  it('reads a SelfSubjectAccessReview', () => {
    const raw = message(
      field(1, message(field(1, ''), field(8, message()))),
      field(2, message(field(1, message(field(1, 'a'), field(2, 'list'), field(3, ''), field(5, 'pods'))))),
    );
    expect(
      decodeProtobufBody(
        envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw),
        'SelfSubjectAccessReview',
      ),
    ).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'a', verb: 'list', resource: 'pods' } },
    });
  });

  it('reads a RoleBinding with labels, subjects and its roleRef', () => {
    const raw = message(
      field(1, message(field(1, 'b'), field(3, 'a'), field(11, message(field(1, 'team'), field(2, 'x'))))),
      field(2, message(field(1, 'User'), field(2, 'rbac.authorization.k8s.io'), field(3, 'jo'))),
      field(2, message(field(1, 'ServiceAccount'), field(3, 'sa'), field(4, 'a'))),
      field(3, message(field(1, 'rbac.authorization.k8s.io'), field(2, 'ClusterRole'), field(3, 'view'))),
    );
    expect(
      decodeProtobufBody(envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', raw), 'RoleBinding'),
    ).toMatchObject({
      metadata: { name: 'b', namespace: 'a', labels: { team: 'x' } },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jo' },
        { kind: 'ServiceAccount', name: 'sa', namespace: 'a' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });
  });

  it('keeps empty strings inside lists (the core group) and leaves other kinds to JSON', () => {
    const raw = message(field(2, message(field(1, 'get'), field(2, ''), field(3, 'pods'))));
    expect(decodeProtobufBody(envelope('rbac.authorization.k8s.io/v1', 'Role', raw), 'Role')).toMatchObject({
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    });
    expect(decodeProtobufBody(envelope('v1', 'Namespace', message()), 'Namespace')).toBeUndefined();
    expect(() => decodeProtobufBody(Buffer.from('{}'), 'Role')).toThrow(/envelope/);
  });
});

describe('malformed protobuf request bodies and unsafe map keys', () => {
  const key = (n: number, wireType: number) => varint((n << 3) | wireType);
  const role = (raw: Buffer) => envelope('rbac.authorization.k8s.io/v1', 'Role', raw);

  it('refuses a truncated envelope or message, naming the kind', () => {
    const rules = field(2, message(field(1, 'get'), field(3, 'pods')));
    const whole = role(rules);
    expect(() => decodeProtobufBody(whole.subarray(0, whole.length - 3), 'Role')).toThrow(
      /malformed protobuf Role body/,
    );
    expect(() => decodeProtobufBody(role(rules.subarray(0, rules.length - 2)), 'Role')).toThrow(
      /malformed protobuf Role body/,
    );
  });

  it('refuses a wire type that does not exist or does not fit the field', () => {
    // Field 9 is unknown to the descriptor, so it is skipped by its wire type: 7 is no wire type.
    expect(() => decodeProtobufBody(role(message(key(9, 7), varint(1))), 'Role')).toThrow(
      /invalid wire type 7/,
    );
    // metadata sent as a varint: 100 is then read as the message's length, past the body's end.
    expect(() => decodeProtobufBody(role(message(key(1, 0), varint(100))), 'Role')).toThrow(
      /malformed protobuf Role body/,
    );
  });

  it('keeps a label key "__proto__" a plain own key and changes no prototype', () => {
    const entry = (k: string, v: string) => field(11, message(field(1, k), field(2, v)));
    const raw = message(field(1, message(field(1, 'r'), entry('__proto__', 'x'), entry('team', 'y'))));
    const decoded = decodeProtobufBody(role(raw), 'Role') as { metadata: { labels: Record<string, string> } };
    const labels = decoded.metadata.labels;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__', 'team']);
    expect(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value).toBe('x');
    expect(({} as Record<string, unknown>).team).toBeUndefined();
  });
});
