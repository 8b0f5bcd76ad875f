// `kubelab kubeconfig [--name N]`: print a cluster's kubeconfig. With `--user U --role
// view|edit|admin [-n NS]`: a credential for a person, whose rights are an RBAC binding of
// kube's user-facing role to U (a RoleBinding in NS, or a ClusterRoleBinding without -n), as a
// kubeconfig on stdout or in `-o FILE`. `--revoke U` withdraws U's credential and bindings.
// The token comes from the join API (join.ts, `usercredentials`), so only an admin can do this.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { resource } from '../../api/resources.js';
import { StatusError } from '../../api/status-error.js';
import { buildKubeconfig, loadKubeconfig } from '../../client/kubeconfig.js';
import { ApiClient } from '../../client/rest-client.js';
import { clusterKubeconfigPath } from '../../provision/cluster-records.js';
import { type GlobalOptions, resolveKubeconfigPath } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { clusterName } from './lifecycle.js';

const roles = ['view', 'edit', 'admin'];
const userCredentials = '/apis/join.kubelab.dev/v1/usercredentials';

interface KubeconfigFlags {
  name?: string;
  user?: string;
  role?: string;
  output?: string;
  revoke?: string;
}

/** The binding that grants `role` to `user`: one per user and role, so a second run is a no-op. */
export function userBindingName(user: string, role: string): string {
  return `kubelab-user-${user}-${role}`;
}

/** --name's cluster, else the kubeconfig every command uses (--kubeconfig, $KUBECONFIG, the current cluster). */
async function adminKubeconfigPath(o: KubeconfigFlags, globals: GlobalOptions): Promise<string> {
  const path = o.name
    ? clusterKubeconfigPath(await clusterName(o.name))
    : await resolveKubeconfigPath(globals);
  if (!existsSync(path)) throw new UsageError(`no kubeconfig at ${path} (run \`kubelab up\` first)`);
  return path;
}

async function issue(
  client: ApiClient,
  adminPath: string,
  o: KubeconfigFlags,
  namespace?: string,
): Promise<string> {
  const user = o.user!;
  const role = o.role ?? '';
  if (!roles.includes(role)) throw new UsageError(`--role must be one of ${roles.join(', ')}, got "${role}"`);
  const { token } = await client.request<{ token: string }>('POST', userCredentials, {
    body: { name: user },
  });
  const binding: RoleBinding = {
    metadata: { name: userBindingName(user, role), namespace },
    roleRef: { apiGroup: resource.clusterRoles.group, kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: resource.clusterRoles.group, kind: 'User', name: user }],
  };
  try {
    await client
      .resource<RoleBinding>(namespace ? resource.roleBindings : resource.clusterRoleBindings, namespace)
      .create(binding);
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
  const admin = loadKubeconfig(adminPath);
  return buildKubeconfig({
    server: admin.server,
    caData: admin.caData ?? '',
    token,
    clusterName: admin.clusterName,
    userName: user,
    namespace,
  });
}

/** Withdraws the token, then every binding `kubelab kubeconfig --user` made for the user. */
async function revoke(client: ApiClient, user: string): Promise<string[]> {
  await client.request('DELETE', `${userCredentials}/${encodeURIComponent(user)}`);
  const removed: string[] = [];
  for (const kind of [resource.clusterRoleBindings, resource.roleBindings]) {
    const { items } = await client.resource<RoleBinding>(kind).list();
    for (const b of items) {
      if (b.metadata?.name !== userBindingName(user, b.roleRef.name)) continue;
      await client.resource<RoleBinding>(kind, b.metadata?.namespace).delete(b.metadata.name);
      removed.push(
        `${kind.singular}/${b.metadata.name}${b.metadata.namespace ? ` in ${b.metadata.namespace}` : ''}`,
      );
    }
  }
  return removed;
}

export function registerKubeconfig(program: Command, globals: () => GlobalOptions): void {
  program
    .command('kubeconfig')
    .description(
      'Print the kubeconfig of a cluster (real kubectl works with it), or issue one for a user bound by RBAC',
    )
    .option('--name <name>', 'cluster name (default: the current cluster)')
    .option(
      '--user <name>',
      "issue a credential for this user (rights: --role, in -n's namespace or cluster-wide)",
    )
    .option('--role <role>', `with --user: ${roles.join(' | ')}`)
    .option('-o, --output <file>', 'with --user: write the kubeconfig to this file instead of printing it')
    .option('--revoke <name>', "withdraw a user's credential and the bindings --user made")
    .action(async (o: KubeconfigFlags) => {
      const path = await adminKubeconfigPath(o, globals());
      if (!o.user && !o.revoke) {
        if (o.role || o.output) throw new UsageError('--role and -o need --user NAME');
        process.stdout.write(await readFile(path, 'utf8'));
        return;
      }
      if (o.user && o.revoke) throw new UsageError('pass either --user or --revoke, not both');
      const client = ApiClient.fromKubeconfig(path);
      try {
        if (o.revoke) {
          const removed = await revoke(client, o.revoke);
          process.stdout.write(
            `revoked the credential of "${o.revoke}"${removed.length ? `; deleted ${removed.join(', ')}` : ''}\n`,
          );
          return;
        }
        const text = await issue(client, path, o, globals().namespace);
        if (!o.output) process.stdout.write(text);
        else {
          await writeFile(o.output, text, { mode: 0o600 });
          process.stdout.write(`wrote a kubeconfig for "${o.user}" (${o.role}) to ${o.output}\n`);
        }
      } finally {
        client.close();
      }
    });
}
