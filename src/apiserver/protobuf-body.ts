// Kubernetes' protobuf encoding, read for the few bodies kubectl sends only that way: its typed
// `create` commands (`kubectl create serviceaccount`, `kubectl create token`) post protobuf and
// do not fall back to JSON. The envelope is the magic `k8s\0` and a runtime.Unknown holding the
// object's apiVersion, kind and bytes (apimachinery's protobuf serializer); the object decodes
// by the field numbers of kube's generated.proto, listed below per message for the kinds read.
// Fields not listed are skipped: they are none that those commands set.
import { statusErrors } from '../api/status-error.js';

type Scalar = 'string' | 'bytes' | 'bool' | 'int64' | 'map';
/** A field: its JSON name, its type (a scalar or the name of another message), and whether it repeats. */
type Field = readonly [name: string, type: Scalar | string, repeated?: 'repeated'];

const messages: Record<string, Record<number, Field>> = {
  Unknown: { 1: ['typeMeta', 'TypeMeta'], 2: ['raw', 'bytes'] },
  TypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    11: ['labels', 'map'],
    12: ['annotations', 'map'],
    14: ['finalizers', 'string', 'repeated'],
  },
  ObjectReference: {
    1: ['kind', 'string'],
    2: ['namespace', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    5: ['apiVersion', 'string'],
  },
  LocalObjectReference: { 1: ['name', 'string'] },
  ServiceAccount: {
    1: ['metadata', 'ObjectMeta'],
    2: ['secrets', 'ObjectReference', 'repeated'],
    3: ['imagePullSecrets', 'LocalObjectReference', 'repeated'],
    4: ['automountServiceAccountToken', 'bool'],
  },
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

/** The kinds whose protobuf bodies are read, by `apiVersion/kind`. */
const rootMessages: Record<string, string> = {
  'v1/ServiceAccount': 'ServiceAccount',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
};

export const protobufContentType = 'application/vnd.kubernetes.protobuf';
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new Error('varint too long');
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.pos + length > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
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
  const fields = messages[name];
  if (!fields) throw new Error(`no message ${name}`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const key = Number(r.varint());
    const field = fields[key >> 3];
    if (!field) {
      r.skip(key & 7);
      continue;
    }
    const [json, type, repeated] = field;
    const value = decodeValue(r, type);
    if (type === 'map') {
      const [k, v] = value as [string, string];
      out[json] = { ...(out[json] as object), [k]: v };
    } else if (repeated) out[json] = [...((out[json] as unknown[]) ?? []), value];
    else out[json] = value;
  }
  return out;
}

function decodeValue(r: Reader, type: string): unknown {
  switch (type) {
    case 'bool':
      return r.varint() !== 0n;
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes();
    case 'map': {
      // A map entry is a message with the key as field 1 and the value as field 2.
      const entry = new Reader(r.bytes());
      let k = '';
      let v = '';
      while (!entry.done()) {
        const key = Number(entry.varint());
        if (key >> 3 === 1) k = entry.bytes().toString('utf8');
        else if (key >> 3 === 2) v = entry.bytes().toString('utf8');
        else entry.skip(key & 7);
      }
      return [k, v];
    }
    default:
      return decodeMessage(r.bytes(), type);
  }
}

/**
 * The JSON form of a protobuf request body. A kind not listed above is refused with 415, as
 * before, with the way around it.
 */
export function decodeProtobufBody(body: Buffer): unknown {
  const unsupported = (why: string) =>
    statusErrors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json ` +
        `(kubelab reads protobuf only for ${Object.values(rootMessages).join(' and ')} (${why}): for other ` +
        `\`kubectl create <kind> ...\` generators use \`kubectl create ... --dry-run=client -o yaml | kubectl apply -f -\`)`,
    );
  if (!body.subarray(0, magic.length).equals(magic)) throw unsupported('no protobuf envelope');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Buffer };
  try {
    envelope = decodeMessage(body.subarray(magic.length), 'Unknown');
  } catch (e) {
    throw statusErrors.badRequest(`the protobuf request body cannot be read: ${(e as Error).message}`);
  }
  const { apiVersion = '', kind = '' } = envelope.typeMeta ?? {};
  const root = rootMessages[`${apiVersion}/${kind}`];
  if (!root) throw unsupported(`not ${apiVersion}/${kind}`);
  try {
    return { apiVersion, kind, ...decodeMessage(envelope.raw ?? Buffer.alloc(0), root) };
  } catch (e) {
    throw statusErrors.badRequest(`the protobuf ${kind} cannot be read: ${(e as Error).message}`);
  }
}
