// The protobuf bodies `kubectl create serviceaccount` and `kubectl create token` send, read into
// the JSON the server knows: the bool and int64 fields these kinds add to the reader.
import { describe, expect, it } from 'vitest';
import { decodeProtobufBody } from '../../src/apiserver/protobuf-body.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  return Buffer.from([...out, n]);
}
const bytesField = (n: number, value: string | Buffer) => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint((n << 3) | 2), varint(bytes.length), bytes]);
};
const varintField = (n: number, value: number) => Buffer.concat([varint(n << 3), varint(value)]);
const message = (...fields: Buffer[]) => Buffer.concat(fields);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([
    Buffer.from('k8s\0'),
    bytesField(1, message(bytesField(1, apiVersion), bytesField(2, kind))),
    bytesField(2, raw),
  ]);

describe('protobuf ServiceAccount and TokenRequest bodies', () => {
  it('reads a ServiceAccount with automounting turned off', () => {
    const raw = message(
      bytesField(1, message(bytesField(1, 'builder'), bytesField(3, 'team'))),
      varintField(4, 0),
    );
    expect(decodeProtobufBody(envelope('v1', 'ServiceAccount', raw), 'ServiceAccount')).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder', namespace: 'team' },
      automountServiceAccountToken: false,
    });
  });

  it('reads a TokenRequest bound to a pod, with its lifetime', () => {
    const raw = message(
      bytesField(1, message()),
      bytesField(
        2,
        message(
          bytesField(1, 'vault'),
          bytesField(3, message(bytesField(1, 'Pod'), bytesField(2, 'v1'), bytesField(3, 'web-1'))),
          varintField(4, 172_800),
        ),
      ),
    );
    expect(
      decodeProtobufBody(envelope('authentication.k8s.io/v1', 'TokenRequest', raw), 'TokenRequest'),
    ).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: {
        audiences: ['vault'],
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-1' },
        expirationSeconds: 172_800,
      },
    });
  });
});
