// The dashboard's rollout panel: rows from the shared rollout summaries (real Deployment and
// ReplicaSet objects in), and the aligned table with its progress bar and phase markers.
import { describe, expect, it } from 'vitest';
import { summarizeDeploymentList } from '../../src/api/deployment-summary.js';
import { progressBar, rolloutRows, rolloutTable } from '../../src/dashboard/rollout-rows.js';
import { deployment, replicaSet } from '../helpers/tui-fixtures.js';

// web is half way through a rollout to revision 2: 4 desired, 2 updated, the old ReplicaSet
// still holds 3 pods. api has finished; batch (another namespace) is paused.
const web = deployment('web', {
  replicas: 4,
  revision: 2,
  image: 'kubelab/web:2',
  status: { observedGeneration: 1, replicas: 5, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4 },
});
const api = deployment('api', { replicas: 2 });
const batch = deployment('batch', { replicas: 1, namespace: 'jobs', paused: true });
const replicaSets = [
  replicaSet(web, 'old111', { revision: 1, image: 'kubelab/web:1', replicas: 3 }),
  replicaSet(web, 'new222', { revision: 2, image: 'kubelab/web:2', replicas: 2, ready: 1 }),
  replicaSet(api, 'api333', { revision: 1, image: 'kubelab/web:1', replicas: 2 }),
  replicaSet(batch, 'bat444', { revision: 1, image: 'kubelab/web:1', replicas: 1 }),
];

describe('rolloutRows', () => {
  it("takes each Deployment's numbers, phase and old pods from the shared summary", () => {
    const rows = rolloutRows(summarizeDeploymentList([web, api, batch], replicaSets), true);
    expect(rows).toEqual([
      {
        name: 'default/api',
        revision: 1,
        desired: 2,
        updated: 2,
        ready: 2,
        available: 2,
        newReady: 2,
        oldPods: 0,
        phase: 'complete',
      },
      {
        name: 'default/web',
        revision: 2,
        desired: 4,
        updated: 2,
        ready: 4,
        available: 4,
        newReady: 1,
        oldPods: 3,
        phase: 'progressing',
      },
      {
        name: 'jobs/batch',
        revision: 1,
        desired: 1,
        updated: 1,
        ready: 1,
        available: 1,
        newReady: 1,
        oldPods: 0,
        phase: 'paused',
      },
    ]);
  });

  it('names Deployments without their namespace when one namespace is shown', () => {
    const rows = rolloutRows(summarizeDeploymentList([web, api, batch], replicaSets, 'default'), false);
    expect(rows.map((r) => r.name)).toEqual(['api', 'web']);
  });
});

describe('rolloutTable', () => {
  it('aligns the columns, counts to the right, the markers in one column', () => {
    const rows = rolloutRows(summarizeDeploymentList([web, api], replicaSets), false);
    const table = rolloutTable(rows, 100);
    expect(table.header).toBe('DEPLOYMENT REV UPDATED READY AVAILABLE OLD PROGRESS ROLLOUT');
    expect(table.lines).toEqual([
      {
        text: 'api          1     2/2   2/2       2/2   0 ████████ ',
        marker: '✓ complete',
        phase: 'complete',
      },
      {
        text: 'web          2     2/4   4/4       4/4   3 ██░░░░░░ ',
        marker: '→ rolling out',
        phase: 'progressing',
      },
    ]);
  });

  it('cuts long names first when the panel is narrow', () => {
    const long = deployment('a-deployment-with-a-long-name', { replicas: 1 });
    const rows = rolloutRows(summarizeDeploymentList([long], []), false);
    const { lines } = rolloutTable(rows, 70);
    expect(lines[0]!.text).toMatch(/^a-deployment-w… {3}1 /);
    // Room is kept for the longest marker, whichever this row has.
    expect(lines[0]!.text.length + '→ rolling out'.length).toBe(70);
  });

  it('marks a stalled rollout', () => {
    const stuck = deployment('stuck', {
      status: {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    });
    const { lines } = rolloutTable(rolloutRows(summarizeDeploymentList([stuck], []), false), 80);
    expect(lines[0]).toMatchObject({ marker: '✗ stalled', phase: 'stalled' });
  });
});

describe('progressBar', () => {
  it('fills its share of the width, and is full when nothing is desired', () => {
    expect(progressBar(1, 4)).toBe('██░░░░░░');
    expect(progressBar(5, 4)).toBe('████████');
    expect(progressBar(0, 0)).toBe('████████');
    expect(progressBar(1, 3, 3)).toBe('█░░');
  });
});
