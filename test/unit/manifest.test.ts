import { describe, expect, it } from 'vitest';
import { defaultManifestLimits, ManifestError, parseManifests } from '../../src/api/manifest.js';

// The nginx Deployment from the Kubernetes docs, behind a comment and a Service.
const multi = `# web app
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
      - name: sidecar
        image: busybox
`;

function thrown(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('expected a ManifestError');
}

describe('parseManifests', () => {
  it('reads multi-document YAML with file-global lines', () => {
    const docs = parseManifests(multi, 'web.yaml');
    expect(docs.map((d) => [d.object.kind, d.index, d.line, d.source])).toEqual([
      ['Service', 0, 2, 'web.yaml'],
      ['Deployment', 1, 11, 'web.yaml'],
    ]);
    const [svc, deploy] = docs as [(typeof docs)[0], (typeof docs)[0]];
    expect(svc.lineOf('spec.ports[0].targetPort')).toBe(9);
    expect(deploy.object).toMatchObject({
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx' }, { name: 'sidecar' }] } } },
    });
  });

  it.each([
    ['spec.replicas', 18],
    ['metadata.labels[app]', 16],
    ['spec.selector.matchLabels[app]', 21],
    ['spec.template.spec.containers[0].image', 29],
    ['spec.template.spec.containers[0].ports[0].containerPort', 31],
    ['spec.template.spec.containers[1]', 32],
    ['spec.template.spec.containers[1].image', 33],
    // Missing fields map to the nearest parent that exists.
    ['spec.template.spec.containers[1].resources.limits[cpu]', 32],
    ['spec.template.spec.containers[7].image', 27],
    ['spec.strategy', 17],
    ['', 11],
  ])('maps %j to line %i', (path, line) => {
    expect(parseManifests(multi, 'web.yaml')[1]?.lineOf(path)).toBe(line);
  });

  it('maps lines in flow style', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: web,\n  tier: db}}\nspec:\n  containers: [{name: a, image: x},\n    {name: b, image: y}]\n';
    const [doc] = parseManifests(text, 'pod.yaml');
    expect(doc?.lineOf('metadata.labels[tier]')).toBe(4);
    expect(doc?.lineOf('metadata.labels[app]')).toBe(3);
    expect(doc?.lineOf('spec.containers[1].image')).toBe(7);
    expect(doc?.lineOf('spec.containers[0].name')).toBe(6);
  });

  it('reads JSON, including tab-indented JSON, with line numbers', () => {
    const json = JSON.stringify(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.b': '1' } },
      null,
      '\t',
    );
    const [doc] = parseManifests(json, 'cm.json');
    expect(doc?.object).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { 'a.b': '1' },
    });
    expect(doc?.line).toBe(1);
    expect(doc?.lineOf('metadata.name')).toBe(5);
    expect(doc?.lineOf('data[a.b]')).toBe(8);
  });

  it('skips empty documents and expands kind: List', () => {
    const text = `---
# nothing here
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
---
~
`;
    const docs = parseManifests(text, 'list.yaml');
    expect(docs.map((d) => [(d.object.metadata as { name: string }).name, d.index, d.line])).toEqual([
      ['a', 0, 7],
      ['b', 1, 10],
    ]);
    expect(docs[1]?.lineOf('metadata.name')).toBe(13);
    expect(parseManifests('', 'empty.yaml')).toEqual([]);
    expect(parseManifests('# only a comment\n', 'c.yaml')).toEqual([]);
  });

  it('reads YAML as kubectl does: 1.1 octals and booleans, merge keys, timestamps as strings', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    when: 2024-01-01
spec:
  volumes:
  - name: s
    secret: {secretName: s, defaultMode: 0644}
  containers:
  - &base {name: a, image: x}
  - <<: *base
    name: b
  hostNetwork: yes
`;
    const [doc] = parseManifests(text, 'p.yaml');
    expect(doc?.object).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', annotations: { when: '2024-01-01' } },
      spec: {
        volumes: [{ name: 's', secret: { secretName: 's', defaultMode: 420 } }],
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'x' },
        ],
        hostNetwork: true,
      },
    });
  });

  it('does not share objects between aliased places', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  labels: &l {app: web}\n  annotations: *l\n';
    const [doc] = parseManifests(text, 'p.yaml');
    const meta = doc?.object.metadata as { labels: object; annotations: object };
    expect(meta.labels).toEqual(meta.annotations);
    expect(meta.labels).not.toBe(meta.annotations);
  });

  it.each([
    [
      '- a\n- b\n',
      'bad.yaml:1: expected a Kubernetes object (a mapping with apiVersion and kind), got a sequence',
    ],
    [
      'hello\n',
      'bad.yaml:1: expected a Kubernetes object (a mapping with apiVersion and kind), got a string',
    ],
    ['kind: Pod\nmetadata: {}\n', 'bad.yaml:1: apiVersion: apiVersion not set'],
    ['apiVersion: v1\nkind: Pod\n---\n\napiVersion: v1\nmetadata: {}\n', 'bad.yaml:5: kind: kind not set'],
    ['apiVersion: v1\nkind:\n  name: x\n', 'bad.yaml:2: kind: must be a string, got a mapping'],
    ['apiVersion: 1\nkind: Pod\n', 'bad.yaml:1: apiVersion: must be a string, got a number'],
    ['apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n', 'bad.yaml:4: apiVersion: apiVersion not set'],
  ])('refuses %j', (text, message) => {
    const err = thrown(() => parseManifests(text, 'bad.yaml'));
    expect(err.message.split('\n')[0]).toBe(message);
    expect(err.source).toBe('bad.yaml');
    expect(err.message.split('\n')[1]).toMatch(/^ {2}\S/); // the next step
  });

  it('reports YAML syntax errors with source:line:column and js-yaml reason', () => {
    const err = thrown(() =>
      parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   labels: x\n', 'web.yaml'),
    );
    expect(err.message).toMatch(/^web\.yaml:5:\d+: bad indentation of a mapping entry\n {2}Fix the YAML/);
    expect(err.line).toBe(5);
    const dup = thrown(() => parseManifests('apiVersion: v1\nkind: Pod\nkind: Pod\n', 'dup.yaml'));
    expect(dup.message).toMatch(/^dup\.yaml:3:\d+: duplicated mapping key/);
    const alias = thrown(() => parseManifests('apiVersion: v1\nkind: *nope\n', 'a.yaml'));
    expect(alias.message).toMatch(/^a\.yaml:2:\d+: unidentified alias "nope"/);
  });

  it('enforces the size and document limits', () => {
    expect(defaultManifestLimits).toEqual({ bytes: 3 * 1024 * 1024, depth: 100, aliases: 100, docs: 1000 });
    const doc = 'apiVersion: v1\nkind: ConfigMap\n';
    expect(thrown(() => parseManifests(doc, 'big.yaml', { bytes: 10 })).message).toMatch(
      /^big\.yaml: file is 31 bytes; the limit is 10 bytes/,
    );
    const three = [doc, doc, doc].join('---\n');
    expect(parseManifests(three, 'x.yaml', { docs: 3 })).toHaveLength(3);
    expect(thrown(() => parseManifests(three, 'x.yaml', { docs: 2 })).message).toMatch(
      /^x\.yaml:7: more than 2 objects in one file/,
    );
  });

  it('enforces the alias limit per document', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: &n x}\ndata:\n${Array.from({ length: 5 }, (_, i) => `  k${i}: *n`).join('\n')}\n`;
    expect(parseManifests(text, 'a.yaml', { aliases: 5 })).toHaveLength(1);
    expect(thrown(() => parseManifests(text, 'a.yaml', { aliases: 4 })).message).toMatch(
      /^a\.yaml:9: more than 4 aliases in one document/,
    );
  });

  it('refuses a billion-laughs document in milliseconds', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'abcdefghi';
    for (let i = 1; i < 9; i++) {
      const prev = names[i - 1];
      levels.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\n${levels.join('\n')}\n`;
    const start = performance.now();
    const err = thrown(() => parseManifests(bomb, 'lol.yaml'));
    expect(performance.now() - start).toBeLessThan(200);
    expect(err.message).toMatch(/^lol\.yaml:\d+: aliases expand this document past 3145728 nodes/);
  });

  it('refuses 10k-deep nesting in milliseconds, in block and flow style', () => {
    const flow = `apiVersion: v1\nkind: ConfigMap\ndata: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    // Compact block sequences nest without quadratic indentation: `- - - x`.
    const block = `apiVersion: v1\nkind: ConfigMap\ndata:\n${'- '.repeat(10_000)}x\n`;
    for (const [name, text] of [
      ['flow.yaml', flow],
      ['block.yaml', block],
    ] as const) {
      const start = performance.now();
      const err = thrown(() => parseManifests(text, name));
      expect(performance.now() - start).toBeLessThan(200);
      expect(err.message).toMatch(new RegExp(`^${name}:\\d+:\\d+: nesting exceeded maxDepth \\(100\\)`));
    }
  });

  it.each(['x: &a [*a]\n', 'x: &a {b: {c: *a}}\n'])('refuses a self-referencing alias %j', (tail) => {
    expect(thrown(() => parseManifests(`apiVersion: v1\nkind: Pod\n${tail}`, 'r.yaml')).message).toMatch(
      /^r\.yaml:3: alias \*a refers to a node that contains it/,
    );
  });

  it('counts alias expansion towards the depth limit', () => {
    let nested = 'x';
    for (let i = 0; i < 8; i++) nested = `{a: ${nested}}`;
    const text = `apiVersion: v1\nkind: ConfigMap\nd1: &d1 ${nested}\nd2: {b: {c: {d: *d1}}}\n`;
    expect(parseManifests(text, 'd.yaml', { depth: 20 })).toHaveLength(1);
    expect(thrown(() => parseManifests(text, 'd.yaml', { depth: 11 })).message).toMatch(
      /aliases expand this document to 12 levels of nesting; the limit is 11/,
    );
  });
});
