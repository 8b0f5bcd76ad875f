// The TUI's "apply a file" action: `a` asks for a path (tab completes folders and manifest
// files only), the confirmation lists the objects the file holds and the equivalent
// `kubelab apply` command, and a broken file is refused at its file:line before anything is
// sent. (Applying against a real API server: test/integration/tui-cluster-model.test.ts.)
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manifestPathSuggestions } from '../../src/tui/actions/manifest-path-completion.js';
import { keys, renderApp } from '../helpers/tui-app.js';
import { fixtureSnapshot, lease, node } from '../helpers/tui-fixtures.js';
import { until } from '../helpers/until.js';

// The manifest the README applies: a Deployment and a Service.
const webYaml = readFileSync(fileURLToPath(new URL('../../examples/web.yaml', import.meta.url)), 'utf8');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubelab-tui-apply-'));
  await writeFile(join(dir, 'web.yaml'), webYaml);
  await writeFile(join(dir, 'broken.yaml'), 'kind: Pod\nmetadata:\n  name: [unclosed\n');
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  await writeFile(join(dir, '.hidden.yaml'), webYaml);
  await mkdir(join(dir, 'labs'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let open: ReturnType<typeof renderApp> | undefined;
afterEach(() => open?.close());

const cluster = () => fixtureSnapshot({ nodes: [node('worker-a')], leases: [lease('worker-a')] });

describe('manifest path completion', () => {
  it('offers folders and manifest files that start with what is typed, not other files or hidden ones', () => {
    expect(manifestPathSuggestions(`${dir}/`, '/')).toEqual([
      `${dir}/broken.yaml`,
      `${dir}/labs/`,
      `${dir}/web.yaml`,
    ]);
    expect(manifestPathSuggestions(`${dir}/w`, '/')).toEqual([`${dir}/web.yaml`]);
    expect(manifestPathSuggestions(`${dir}/.h`, '/')).toEqual([`${dir}/.hidden.yaml`]);
    expect(manifestPathSuggestions('web', dir)).toEqual(['web.yaml']);
    expect(manifestPathSuggestions(`${dir}/nowhere/x`, '/')).toEqual([]);
  });
});

describe('apply a file from the TUI', () => {
  it('a opens the prompt; tab completes; the confirmation lists the objects and the command', async () => {
    open = renderApp(cluster(), { namespace: 'team-a' });
    await open.press('a');
    expect(open.frame()).toContain('apply -f');
    // Nothing typed yet: the suggestions are the current folder's manifests and folders.
    expect(open.frame()).toMatch(/tab: .*\//);
    await open.press(`${dir}/we`);
    expect(open.frame()).toContain(`tab: ${dir}/web.yaml`);
    await open.press(keys.tab, keys.enter);
    await until('Apply 2 object(s)', () => open!.frame().includes('Apply 2 object(s)'), 3_000);
    const frame = open.frame();
    expect(frame).toContain(`Apply 2 object(s) from ${dir}/web.yaml: deployment.apps/web, service/web`);
    expect(frame).toContain(`same as: kubelab apply -f ${dir}/web.yaml -n team-a`);
    // The fixture's server does not exist: running it reports the failure as a user would see it.
    await open.press('y');
    await until('✗', () => open!.frame().includes('✗'), 3_000);
    expect(open.frame()).toContain(`kubelab apply -f ${dir}/web.yaml -n team-a:`);
  });

  it('a broken file is refused at its file and line, and nothing is asked', async () => {
    open = renderApp(cluster());
    await open.press('a', `${dir}/broken.yaml`, keys.enter);
    await until('✗', () => open!.frame().includes('✗'), 3_000);
    const frame = open.frame();
    expect(frame).toMatch(new RegExp(`${dir}/broken\\.yaml:\\d+`));
    expect(frame).toContain('nothing was applied: fix the file and apply again');
    expect(frame).not.toContain('same as:');
  });

  it('a missing path and an empty answer are explained', async () => {
    open = renderApp(cluster());
    await open.press('a', keys.enter);
    expect(open.frame()).toContain('type a manifest file or folder (tab completes)');
    await open.press(`${dir}/nope.yaml`, keys.enter);
    await until('✗', () => open!.frame().includes('✗'), 3_000);
    expect(open.frame()).toContain(`the path "${dir}/nope.yaml" does not exist`);
    await open.press('a', `${dir}/labs`, keys.enter);
    await until('no manifests', () => open!.frame().includes('no manifests'), 3_000);
    expect(open.frame()).toContain(`no manifests (.yaml, .yml, .json) found in ${dir}/labs`);
  });
});
