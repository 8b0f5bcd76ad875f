// RBAC through real kubectl against a real API server (SQLite in a temp folder): credentials
// from `kubelab kubeconfig --user --role`, what a `view` and an `edit` user may and may not do,
// `kubectl auth can-i` (SelfSubjectAccessReview), `--list` (SelfSubjectRulesReview), `--as`
// (impersonation), `auth whoami` (SelfSubjectReview), escalation refused, and revocation.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { ApiClient } from '../../src/client/rest-client.js';
import { kubelab, runCommand } from '../helpers/run-command.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const kubectlPath = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
let server: TestServer;
let dir: string;
let viewer: string;
let editor: string;

const kubectlAs = (kubeconfig: string, ...args: string[]) =>
  runCommand(kubectlPath!, ['--kubeconfig', kubeconfig, ...args]);
const admin = (...args: string[]) => kubectlAs(server.kubeconfigPath, ...args);

/** `kubelab kubeconfig --user U --role R [-n NS] -o FILE`, through the built CLI. */
async function credential(user: string, role: string, namespace?: string): Promise<string> {
  const file = join(dir, `${user}.kubeconfig`);
  const r = await kubelab([
    '--kubeconfig',
    server.kubeconfigPath,
    ...(namespace ? ['-n', namespace] : []),
    'kubeconfig',
    '--user',
    user,
    '--role',
    role,
    '-o',
    file,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return file;
}

beforeAll(async () => {
  if (!kubectlPath)
    throw new Error('kubectl is required for this test (Debian machines here ship /usr/bin/kubectl)');
  server = await startTestServer({ bookmarkIntervalMs: 20 });
  dir = await mkdtemp(join(tmpdir(), 'kubelab-rbac-'));
  const client = ApiClient.fromKubeconfig(server.kubeconfigPath);
  for (const ns of ['a', 'b']) {
    await client.resource(resource.namespaces).create({ metadata: { name: ns } });
    await client.resource<Pod>(resource.pods, ns).create({
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    });
    await client
      .resource<Secret>(resource.secrets, ns)
      .create({ metadata: { name: 'token' }, data: { k: 'dg==' } });
  }
  client.close();
  viewer = await credential('vera', 'view', 'a');
  editor = await credential('ed', 'edit', 'a');
});
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('RBAC with real kubectl', () => {
  it('serves the RBAC kinds and the default roles to kubectl', async () => {
    const roles = await admin('get', 'clusterroles');
    expect(roles.stdout).toMatch(/^NAME\s+CREATED AT/);
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:node-proxier'])
      expect(roles.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    const bindings = await admin('get', 'rolebindings', '-n', 'a', '-o', 'wide');
    expect(bindings.stdout).toMatch(/kubelab-user-vera-view\s+ClusterRole\/view\s+\S+\s+vera/);
    const described = await admin('describe', 'clusterrole', 'view');
    expect(described.stdout).toMatch(/pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
    expect(described.stdout).not.toMatch(/^\s+secrets\s/m);
    expect(
      (await admin('-n', 'b', 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods')).code,
    ).toBe(0);
    expect(
      (await admin('-n', 'b', 'create', 'rolebinding', 'ed-reads', '--role=pod-reader', '--user=ed')).code,
    ).toBe(0);
    const invalid = await runCommand(
      kubectlPath!,
      ['--kubeconfig', server.kubeconfigPath, 'apply', '-f', '-'],
      {
        input: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bad}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: view}
subjects: [{kind: Robot, name: x}]
`,
      },
    );
    expect(invalid.stderr).toContain(
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    );
    expect(invalid.stderr).toContain('subjects[0].kind: Unsupported value: "Robot"');
  });

  it('describes roles and bindings exactly as kubectl does', async () => {
    for (const args of [
      ['clusterrole', 'admin'],
      ['clusterrole', 'system:discovery'],
      ['-n', 'b', 'role', 'pod-reader'],
      ['-n', 'a', 'rolebinding', 'kubelab-user-vera-view'],
      ['clusterrolebinding', 'system:node-proxier'],
    ]) {
      const theirs = await admin('describe', ...args);
      expect(theirs.code, theirs.stderr).toBe(0);
      const ours = await kubelab(['--kubeconfig', server.kubeconfigPath, 'describe', ...args]);
      expect(ours.stdout, args.join(' ')).toBe(theirs.stdout);
    }
  });

  it('lets a view user list pods in its namespace, and nothing that writes, reads Secrets or leaves it', async () => {
    const pods = await kubectlAs(viewer, 'get', 'pods');
    expect(pods.code).toBe(0);
    expect(pods.stdout).toMatch(/^web\s/m);
    const secret = await kubectlAs(viewer, 'get', 'secret', 'token');
    expect(secret.stderr).toContain(
      'secrets "token" is forbidden: User "vera" cannot get resource "secrets" in API group "" in the namespace "a"',
    );
    const del = await kubectlAs(viewer, 'delete', 'pod', 'web');
    expect(del.stderr).toContain('pods "web" is forbidden: User "vera" cannot delete resource "pods"');
    const other = await kubectlAs(viewer, '-n', 'b', 'get', 'pods');
    expect(other.stderr).toContain('cannot list resource "pods" in API group "" in the namespace "b"');
    expect((await kubectlAs(viewer, 'auth', 'can-i', 'list', 'pods')).stdout.trim()).toBe('yes');
    expect((await kubectlAs(viewer, 'auth', 'can-i', 'get', 'secrets')).stdout.trim()).toBe('no');
    expect((await kubectlAs(viewer, 'auth', 'can-i', 'delete', 'pods')).stdout.trim()).toBe('no');
    const list = await kubectlAs(viewer, 'auth', 'can-i', '--list');
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
    expect(list.stdout).toMatch(/^selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]/m);
    expect(list.stdout).toMatch(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/m);
    expect(list.stdout).not.toMatch(/^secrets\s/m);
    expect(list.stdout).not.toMatch(/\bdelete\b/);
  });

  it('lets an edit user change its own namespace only, and not grant itself more', async () => {
    const apply = await runCommand(kubectlPath!, ['--kubeconfig', editor, 'apply', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}\n',
    });
    expect(apply.stdout).toContain('configmap/settings created');
    expect((await kubectlAs(editor, 'get', 'secret', 'token')).code).toBe(0);
    expect((await kubectlAs(editor, 'delete', 'pod', 'web')).code).toBe(0);
    const other = await kubectlAs(editor, '-n', 'b', 'delete', 'pod', 'web');
    expect(other.stderr).toContain(
      'pods "web" is forbidden: User "ed" cannot delete resource "pods" in API group "" in the namespace "b"',
    );
    // The RoleBinding to pod-reader in b is all it holds there.
    expect((await kubectlAs(editor, '-n', 'b', 'get', 'pods')).code).toBe(0);
    expect((await kubectlAs(editor, '-n', 'b', 'get', 'secrets')).code).not.toBe(0);
    expect((await kubectlAs(editor, 'auth', 'can-i', 'create', 'deployments.apps')).stdout.trim()).toBe(
      'yes',
    );
    expect(
      (await kubectlAs(editor, 'auth', 'can-i', 'create', 'deployments.apps', '-n', 'b')).stdout.trim(),
    ).toBe('no');
    const list = await kubectlAs(editor, 'auth', 'can-i', '--list', '-n', 'b');
    expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]/m);
    expect(list.stdout).not.toMatch(/^deployments.apps\s/m);
    // edit cannot write RBAC at all; admin could, but not beyond what it holds.
    const role = await kubectlAs(editor, 'create', 'role', 'everything', '--verb=*', '--resource=*');
    expect(role.stderr).toContain('cannot create resource "roles" in API group "rbac.authorization.k8s.io"');
    const adminCfg = await credential('ada', 'admin', 'a');
    const escalate = await kubectlAs(adminCfg, 'create', 'role', 'nodes', '--verb=get', '--resource=nodes');
    expect(escalate.stderr).toContain('is attempting to grant RBAC permissions not currently held');
    const bindUp = await kubectlAs(
      adminCfg,
      'create',
      'rolebinding',
      'root',
      '--clusterrole=cluster-admin',
      '--user=ada',
    );
    expect(bindUp.stderr).toContain('is attempting to grant RBAC permissions not currently held');
    expect(
      (await kubectlAs(adminCfg, 'create', 'rolebinding', 'v', '--clusterrole=view', '--user=zoe')).code,
    ).toBe(0);
  });

  it('impersonates with --as for those allowed to, and says who the caller is', async () => {
    expect((await admin('auth', 'can-i', 'list', 'secrets', '-n', 'a', '--as=vera')).stdout.trim()).toBe(
      'no',
    );
    expect((await admin('auth', 'can-i', 'list', 'secrets', '-n', 'a', '--as=ed')).stdout.trim()).toBe('yes');
    const pods = await admin('get', 'pods', '-n', 'b', '--as=vera');
    expect(pods.stderr).toContain('User "vera" cannot list resource "pods"');
    const refused = await kubectlAs(viewer, 'get', 'pods', '--as=ed');
    expect(refused.stderr).toContain(
      'users "ed" is forbidden: User "vera" cannot impersonate resource "users" in API group ""',
    );
    const whoami = await kubectlAs(viewer, 'auth', 'whoami', '-o', 'json');
    expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({
      username: 'vera',
      groups: ['system:authenticated'],
    });
    const asGroup = await admin('auth', 'whoami', '--as=jo', '--as-group=devs', '-o', 'json');
    expect(JSON.parse(asGroup.stdout).status.userInfo.groups).toEqual(['devs', 'system:authenticated']);
  });

  it('revokes a credential and its bindings', async () => {
    const r = await kubelab(['--kubeconfig', server.kubeconfigPath, 'kubeconfig', '--revoke', 'vera']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolebinding/kubelab-user-vera-view in a');
    const after = await kubectlAs(viewer, 'get', 'pods');
    expect(after.stderr).toContain('Unauthorized');
    await until(
      'the binding to be gone',
      async () => (await admin('get', 'rolebindings', '-n', 'a')).stdout.includes('vera') === false,
    );
  });
});
