// Hostile patches against the three patch types: every malformed one is a 400 Status with
// kube's words, never a TypeError (500), and no key reaches a prototype.
import { afterEach, describe, expect, it } from 'vitest';
import { fieldErrors } from '../../src/api/field-errors.js';
import { StatusError } from '../../src/api/status-error.js';
import { applyPatch, type PatchType, patchFieldErrors } from '../../src/apiserver/patch.js';

const deployment = () => ({
  metadata: { name: 'web', uid: 'u-1' },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [
          { name: 'a', image: 'a:1' },
          { name: 'b', image: 'b:1' },
        ],
      },
    },
  },
});

function refusal(type: PatchType, patch: unknown): { code: number; message: string } {
  try {
    applyPatch(type, deployment(), patch);
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return { code: (e as StatusError).code, message: (e as StatusError).message };
  }
  throw new Error('the patch was accepted');
}

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('JSON patch through prototypes', () => {
  it.each(['/__proto__/polluted', '/metadata/__proto__/polluted', '/constructor/prototype/polluted'])(
    'refuses path %s with a 400',
    (path) => {
      expect(refusal('json', [{ op: 'add', path, value: 1 }])).toEqual({
        code: 400,
        message: `the JSON patch is invalid: path "${path}" goes through __proto__ or constructor/prototype, which no Kubernetes object has`,
      });
    },
  );

  it('refuses a copy from __proto__', () => {
    expect(refusal('json', [{ op: 'copy', from: '/__proto__', path: '/x' }]).code).toBe(400);
  });
});

describe('merge patches keep __proto__ an ordinary key', () => {
  it.each(['merge', 'strategic'] as const)('%s: the key stays, for the schema check to refuse', (type) => {
    const patch = JSON.parse('{"__proto__": {"polluted": 1}, "metadata": {"__proto__": {"polluted": 1}}}');
    const out = applyPatch(type, deployment(), patch);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toContain('__proto__');
    expect(Object.keys(out.metadata as object)).toContain('__proto__');
  });
});

describe('strategic merge directives', () => {
  const containers = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });

  it.each([
    [
      '$retainKeys that is not a list',
      { spec: { $retainKeys: 'replicas' } },
      'invalid patch format of retainKeys',
    ],
    [
      '$retainKeys leaving out a field the patch sets',
      { spec: { $retainKeys: ['template'], replicas: 2 } },
      'invalid patch format of retainKeys',
    ],
    [
      'an unknown $patch',
      { spec: { $patch: 'merge' } },
      'unknown patch type: merge in map: map[$patch:merge]',
    ],
    [
      'an unknown $patch on a list item',
      containers({ containers: [{ name: 'a', $patch: 'bogus' }] }),
      'unknown patch type: bogus in map: map[$patch:bogus name:a]',
    ],
    [
      '$setElementOrder that is not a list',
      containers({ '$setElementOrder/containers': { name: 'a' } }),
      'invalid patch format of setElementOrder list',
    ],
    [
      'a $setElementOrder prefix without /',
      { $setElementOrderX: [] },
      'invalid patch format of setElementOrder list',
    ],
    [
      '$setElementOrder missing an item the patch has',
      containers({ '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'c', image: 'c' }] }),
      "the order in patch list:\n[map[image:c name:c]]\n doesn't match $setElementOrder list:\n[map[name:a]]",
    ],
    [
      '$deleteFromPrimitiveList that is not a list',
      { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } },
      'invalid patch format of primitive list',
    ],
    [
      'a merge-key list item without its key',
      containers({ containers: [{ image: 'x' }] }),
      'map: map[image:x] does not contain declared merge key: name',
    ],
    [
      'a merge-key list item that is not an object',
      containers({ containers: ['a'] }),
      'expected a map[string]interface {}, but received a string',
    ],
  ])('refuses %s', (_what, patch, message) => {
    expect(refusal('strategic', patch)).toEqual({ code: 400, message });
  });

  it('still applies well-formed directives', () => {
    const out = applyPatch('strategic', deployment(), {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
            containers: [{ name: 'b', image: 'b:2' }],
          },
        },
        $retainKeys: ['template', 'replicas'],
        replicas: 3,
      },
    }) as ReturnType<typeof deployment>;
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'b', image: 'b:2' },
      { name: 'a', image: 'a:1' },
    ]);
  });
});

describe('patchFieldErrors', () => {
  it('names a merge patch repeated keys as the object fields they set', () => {
    expect(patchFieldErrors('merge', {}, ['spec.paused'])).toEqual([
      fieldErrors.duplicateField('spec.paused'),
    ]);
  });

  it('names a JSON patch own repeated and unknown keys as the patch ones', () => {
    const ops = [
      { op: 'add', path: '/spec/x', value: 1, foo: 'bar' },
      { op: 'add', path: '/spec/y', value: 1 },
    ];
    expect(patchFieldErrors('json', ops, ['[1].path']).map((e) => e.message)).toEqual([
      'json patch duplicate field "[1].path"',
      'json patch unknown field "[0].foo"',
    ]);
  });
});
