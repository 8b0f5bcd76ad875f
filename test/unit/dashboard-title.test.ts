// The dashboard's title line: cluster and provider, SIMULATED, the connection state with the
// error while the server cannot be reached; and text cut to fit.
import { describe, expect, it } from 'vitest';
import { dashboardTitle, simulatedText } from '../../src/dashboard/dashboard-title.js';
import { fitText, fitTextMiddle } from '../../src/dashboard/text-fit.js';
import { clockTime } from '../../src/dashboard/usage-history.js';
import { fixtureNow, node } from '../helpers/tui-fixtures.js';

const plain = (segments: { text: string }[]) => segments.map((s) => s.text).join(' ');

describe('dashboardTitle', () => {
  it('names the cluster, its provider and SIMULATED nodes, and says it is connected', () => {
    const title = dashboardTitle({
      cluster: 'lab',
      provider: 'sim',
      connection: { phase: 'connected', since: fixtureNow - 60_000 },
      nodes: [node('lab-worker'), node('lab-worker2')],
      now: fixtureNow,
    });
    expect(plain(title)).toBe(
      `kubelab dashboard │ lab (sim) SIMULATED nodes │ ● connected │ ns all ${clockTime(fixtureNow)} q quit`,
    );
    expect(title.find((s) => s.text === '● connected')?.color).toBe('green');
  });

  it('shows an unreachable server in red, for how long, with the error last', () => {
    const title = dashboardTitle({
      cluster: 'https://10.0.0.1:6443',
      namespace: 'shop',
      connection: { phase: 'disconnected', since: fixtureNow - 12_000, error: 'connect ECONNREFUSED' },
      nodes: [node('n1', { simulated: false })],
      now: fixtureNow,
    });
    expect(plain(title)).toBe(
      `kubelab dashboard │ https://10.0.0.1:6443 │ ● API unreachable, retrying (12s) │ ns shop ${clockTime(fixtureNow)} q quit connect ECONNREFUSED`,
    );
    expect(title.at(-1)).toEqual({ text: 'connect ECONNREFUSED', color: 'red' });
  });

  it('says resyncing when the server is back but the caches are not', () => {
    const title = dashboardTitle({
      cluster: 'lab',
      connection: { phase: 'reconnecting', since: fixtureNow - 3_000 },
      nodes: [],
      now: fixtureNow,
    });
    expect(title.find((s) => s.text.startsWith('●'))).toEqual({
      text: '● API back, resyncing (3s)',
      color: 'yellow',
    });
  });
});

describe('simulatedText', () => {
  it('counts simulated nodes, and trusts the sim provider before nodes are listed', () => {
    expect(simulatedText('docker', [node('a'), node('b', { simulated: false })])).toBe(
      'SIMULATED: 1 of 2 nodes',
    );
    expect(simulatedText('sim', [])).toBe('SIMULATED nodes');
    expect(simulatedText(undefined, [node('a')])).toBe('SIMULATED nodes');
    expect(simulatedText('docker', [node('b', { simulated: false })])).toBeUndefined();
  });
});

describe('fitText', () => {
  it('cuts at the end, or in the middle, with an ellipsis', () => {
    expect(fitText('Pending', 7)).toBe('Pending');
    expect(fitText('Pending', 5)).toBe('Pend…');
    expect(fitTextMiddle('kubelab-worker2', 7)).toBe('kub…er2');
    expect(fitTextMiddle('worker', 5)).toBe('wo…er');
    expect(fitTextMiddle('short', 9)).toBe('short');
  });
});
