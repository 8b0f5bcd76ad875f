import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { tabwrite } from '../../src/api/table/tabwriter.js';
import { toTable } from '../../src/api/table/to-table.js';
import { objectName, printObjects } from '../../src/cli/printers/object-printer.js';
import { printTable, WatchTablePrinter } from '../../src/cli/printers/table-printer.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const pod = (name: string, ns: string, phase: string, ageSeconds: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: ns,
    labels: { app: 'web' },
    creationTimestamp: new Date(NOW - ageSeconds * 1000).toISOString(),
  },
  spec: { containers: [{ name: 'web', image: 'nginx' }], nodeName: 'worker-1' },
  status: { phase, podIP: '10.244.1.7' },
});
const pods = toTable(
  { kind: 'Pod' },
  [pod('web-1', 'default', 'Running', 30), pod('database-0', 'data', 'Pending', 7200)],
  { now: NOW },
);

describe('tabwriter', () => {
  it('pads each column to its widest cell plus padding, never the last cell', () => {
    expect(tabwrite('a\tbb\tc\nccc\td\te\n', { minWidth: 0, padding: 2 })).toBe('a    bb  c\nccc  d   e\n');
  });
  it('aligns only consecutive lines that share a column (lines without tabs end a block)', () => {
    expect(tabwrite('Name:\tx\nLong Label:\ty\nSection:\n  Key:\tz\n', { minWidth: 0, padding: 2 })).toBe(
      'Name:        x\nLong Label:  y\nSection:\n  Key:  z\n',
    );
  });
  it('applies the minimum width', () => {
    expect(tabwrite('A\tB\n', { minWidth: 6, padding: 3 })).toBe('A     B\n');
  });
});

describe('printTable', () => {
  it('prints kubectl get pods', () => {
    expect(printTable(pods)).toBe(
      [
        'NAME         READY   STATUS    RESTARTS   AGE',
        'web-1        0/1     Running   0          30s',
        'database-0   0/1     Pending   0          120m',
        '',
      ].join('\n'),
    );
  });

  it('prints -o wide', () => {
    expect(printTable(pods, { wide: true }).split('\n')[0]).toBe(
      'NAME         READY   STATUS    RESTARTS   AGE    IP           NODE       NOMINATED NODE   READINESS GATES',
    );
  });

  it('prints -A with a NAMESPACE column and --show-labels with LABELS', () => {
    expect(printTable(pods, { showNamespace: true, showLabels: true, noHeaders: true })).toBe(
      [
        'default   web-1        0/1   Running   0     30s    app=web',
        'data      database-0   0/1   Pending   0     120m   app=web',
        '',
      ].join('\n'),
    );
  });

  it('prefixes names with kind.group for multi-kind output', () => {
    const deploys = toTable(
      { kind: 'Deployment' },
      [
        {
          metadata: { name: 'web', creationTimestamp: new Date(NOW).toISOString() },
          spec: { replicas: 2 },
          status: {},
        },
      ],
      { now: NOW },
    );
    expect(printTable(deploys, { showKind: { kind: 'Deployment', group: 'apps' } })).toBe(
      'NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\ndeployment.apps/web   0/2     0            0           0s\n',
    );
  });

  it('prints nothing for an empty table', () => {
    expect(printTable(toTable({ kind: 'Pod' }, [], { now: NOW }))).toBe('');
  });
});

describe('WatchTablePrinter', () => {
  it('prints the header once and keeps columns at least as wide as before', () => {
    const printer = new WatchTablePrinter();
    const first = printer.print(
      toTable({ kind: 'Pod' }, [pod('database-0', 'data', 'Pending', 5)], { now: NOW }),
    );
    const next = printer.print(
      toTable({ kind: 'Pod' }, [pod('web-1', 'default', 'Running', 6)], { now: NOW }),
    );
    expect(first).toBe(
      'NAME         READY   STATUS    RESTARTS   AGE\ndatabase-0   0/1     Pending   0          5s\n',
    );
    expect(next).toBe('web-1        0/1     Running   0          6s\n');
  });
});

describe('printObjects', () => {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2 },
  };
  const p = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-1' } };

  it('-o name uses kind.group/name', () => {
    expect(printObjects([p, deploy], 'name')).toBe('pod/web-1\ndeployment.apps/web\n');
    expect(
      objectName({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' } }),
    ).toBe('horizontalpodautoscaler.autoscaling/h');
  });

  it('-o json prints one object as itself with sorted keys and 4-space indent', () => {
    expect(printObjects([p], 'json')).toBe(
      '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {\n        "name": "web-1"\n    }\n}\n',
    );
  });

  it('-o json prints several objects as a v1 List', () => {
    expect(JSON.parse(printObjects([p, deploy], 'json'))).toEqual({
      apiVersion: 'v1',
      items: [p, deploy],
      kind: 'List',
      metadata: { resourceVersion: '' },
    });
    expect(Object.keys(JSON.parse(printObjects([p], 'json', { asList: true })))).toEqual([
      'apiVersion',
      'items',
      'kind',
      'metadata',
    ]);
  });

  it('-o yaml matches kubectl layout: sorted keys, unindented sequences, quoted ambiguous strings', () => {
    const obj = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: 'web-1',
        annotations: { 'deployment.kubernetes.io/revision': '1' },
        creationTimestamp: '2024-05-01T12:00:00Z',
      },
      spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    };
    const text = printObjects([obj], 'yaml');
    expect(text).toBe(
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  annotations:',
        '    deployment.kubernetes.io/revision: "1"',
        '  creationTimestamp: "2024-05-01T12:00:00Z"',
        '  name: web-1',
        'spec:',
        '  containers:',
        '  - image: nginx',
        '    name: web',
        '    ports:',
        '    - containerPort: 80',
        '',
      ].join('\n'),
    );
    expect(load(text)).toEqual(obj);
  });
});
