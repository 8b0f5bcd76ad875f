// Reads and writes the standard kubeconfig format, so the file `kubelab server` writes works
// with real kubectl and the file kubectl users already have works with kubelab.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { dump, load } from 'js-yaml';

/** The connection the current context selects, with every file reference already read. */
export interface KubeConfig {
  /** The file this came from, for error messages. */
  path?: string;
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** PEM text of the cluster's CA, when the kubeconfig names one. */
  caData?: string;
  insecureSkipTLSVerify: boolean;
  token?: string;
  /** The context's namespace, `default` when unset (as kubectl does). */
  namespace: string;
}

interface RawCluster {
  server?: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
}
interface RawUser {
  token?: string;
  tokenFile?: string;
}
interface RawContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}
interface RawKubeconfig {
  'current-context'?: string;
  clusters?: { name?: string; cluster?: RawCluster }[];
  users?: { name?: string; user?: RawUser }[];
  contexts?: { name?: string; context?: RawContext }[];
}

export function loadKubeconfig(path: string, options: { context?: string } = {}): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read kubeconfig ${path}: ${(e as Error).message}; create a cluster with \`kubelab up\``,
      {
        cause: e,
      },
    );
  }
  return parseKubeconfig(text, { path, ...options });
}

/**
 * Resolves the current (or given) context. Relative file references are resolved against
 * the kubeconfig's own directory, as kubectl does.
 */
export function parseKubeconfig(text: string, options: { path?: string; context?: string } = {}): KubeConfig {
  const where = options.path ?? 'kubeconfig';
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  let raw: RawKubeconfig;
  try {
    raw = (load(text) ?? {}) as RawKubeconfig;
  } catch (e) {
    return fail(`not valid YAML: ${(e as Error).message}`);
  }
  const baseDir = options.path ? dirname(resolve(options.path)) : process.cwd();
  const fileRef = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const readRef = (p: string, what: string) => {
    try {
      return readFileSync(fileRef(p), 'utf8');
    } catch (e) {
      return fail(`cannot read ${what} ${fileRef(p)}: ${(e as Error).message}`);
    }
  };

  const contextName = options.context ?? raw['current-context'] ?? fail('current-context is not set');
  const context =
    raw.contexts?.find((c) => c.name === contextName)?.context ??
    fail(`context "${contextName}" does not exist`);
  const clusterName = context.cluster ?? fail(`context "${contextName}" names no cluster`);
  const userName = context.user ?? '';
  const cluster =
    raw.clusters?.find((c) => c.name === clusterName)?.cluster ??
    fail(`cluster "${clusterName}" does not exist`);
  const user = raw.users?.find((u) => u.name === userName)?.user ?? {};

  const server = cluster.server ?? fail(`cluster "${clusterName}" has no server`);
  let caData: string | undefined;
  if (cluster['certificate-authority-data']) {
    caData = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  } else if (cluster['certificate-authority']) {
    caData = readRef(cluster['certificate-authority'], 'certificate-authority');
  }
  let token = user.token;
  if (!token && user.tokenFile) token = readRef(user.tokenFile, 'tokenFile').trim();

  return {
    path: options.path,
    contextName,
    clusterName,
    userName,
    server: server.replace(/\/+$/, ''),
    caData,
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    token,
    namespace: context.namespace || 'default',
  };
}

export interface KubeconfigSpec {
  server: string;
  /** PEM text of the CA that signed the server's certificate. */
  caData: string;
  token: string;
  clusterName: string;
  /** Default `<clusterName>-admin`. */
  userName?: string;
  namespace?: string;
}

/** YAML text of a one-cluster kubeconfig whose context is named after the cluster. */
export function buildKubeconfig(spec: KubeconfigSpec): string {
  const userName = spec.userName ?? `${spec.clusterName}-admin`;
  const context: RawContext = { cluster: spec.clusterName, user: userName };
  if (spec.namespace) context.namespace = spec.namespace;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': spec.clusterName,
    clusters: [
      {
        name: spec.clusterName,
        cluster: {
          server: spec.server,
          'certificate-authority-data': Buffer.from(spec.caData, 'utf8').toString('base64'),
        },
      },
    ],
    contexts: [{ name: spec.clusterName, context }],
    users: [{ name: userName, user: { token: spec.token } }],
    preferences: {},
  };
  return dump(doc, { lineWidth: -1 });
}
