// Builds the three bundles the product ships: the CLI (`kubelab`), and the two programs
// bootstrap uploads to machines (`kubelab-server.mjs`, `kubelab-agent.mjs`). Each bundle is
// self-contained so a machine needs only a Node runtime, not node_modules (the one exception,
// the CLI's `kubelab dashboard`, is below at `external`).
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const entries = [
  { in: 'src/cli/main.ts', out: 'kubelab' },
  { in: 'src/cli/server-main.ts', out: 'kubelab-server' },
  { in: 'src/cli/agent-main.ts', out: 'kubelab-agent' },
];

// The agent runs on every worker and never dials Docker over SSH (docker-modem's ssh2) nor
// opens BuildKit sessions (dockerode's gRPC and protobuf): those modules are replaced by a
// stub that fails loudly if ever called, which keeps ~1.4 MB of code out of each agent's memory.
const agentOnlyStubs = /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;
function stubPlugin(filter, bundleName) {
  return {
    name: 'kubelab-stubs',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'kubelab-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'kubelab-stub' }, (args) => ({
        contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is not part of ${bundleName}`)}); };
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : fail) });`,
        loader: 'js',
      }));
    },
  };
}

// Ink loads react-devtools-core (an optional peer it does not depend on) only when DEV=true;
// esbuild hoists that import to the top of the bundle, so without a stub the CLI could not
// start at all. The stub fails loudly if anyone ever asks for the devtools.
const cliStubs = /^react-devtools-core$/;

export async function buildBundles({ quiet = false } = {}) {
  const { existsSync } = await import('node:fs');
  const present = entries.filter((e) => existsSync(`${root}/${e.in}`));
  const agent = present.filter((e) => e.out === 'kubelab-agent');
  await bundle(
    present.filter((e) => e.out !== 'kubelab-agent'),
    [stubPlugin(cliStubs, 'the kubelab bundle')],
    quiet,
  );
  if (agent.length) await bundle(agent, [stubPlugin(agentOnlyStubs, 'the kubelab agent bundle')], quiet);
  for (const e of present) await chmod(`${root}/dist/${e.out}.mjs`, 0o755);
}

async function bundle(entryPoints, plugins, quiet) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    plugins,
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: quiet ? 'error' : 'info',
    // Bundled CommonJS dependencies call require() and read __dirname/__filename (ssh2, via
    // dockerode); give the ESM output real ones, pointing at the bundle itself.
    banner: {
      js: [
        "import { createRequire as __kubelabCreateRequire } from 'node:module';",
        "import { fileURLToPath as __kubelabFileURLToPath } from 'node:url';",
        "import { dirname as __kubelabDirname } from 'node:path';",
        'const require = __kubelabCreateRequire(import.meta.url);',
        'const __filename = __kubelabFileURLToPath(import.meta.url);',
        'const __dirname = __kubelabDirname(__filename);',
      ].join(' '),
    },
    // ssh2 (used by dockerode's modem, and by bootstrap) has optional native parts: cpu-features
    // and its own sshcrypto.node. Left out of the bundle, their require() fails inside ssh2's
    // try/catch and ssh2 uses its pure-JS code, so the bundles stay self-contained.
    //
    // blessed and blessed-contrib (only `kubelab dashboard` loads them, with import()) stay in
    // node_modules: blessed requires its widgets by computed name and reads its terminfo
    // fallbacks from its own folder at run time, neither of which survives bundling. Nothing
    // uploaded to a machine uses them.
    external: ['cpu-features', '*.node', 'blessed', 'blessed-contrib'],
    // React (in the TUI) picks its development build, several times slower and with extra
    // checks, unless NODE_ENV says production; the bundles are what users run.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundles();
}
