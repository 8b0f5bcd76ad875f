// Builds the three bundles the product ships: the CLI (`kubelab`), and the two programs
// bootstrap uploads to machines (`kubelab-server.mjs`, `kubelab-agent.mjs`). Each bundle is
// self-contained so a machine needs only a Node runtime, not node_modules.
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const entries = [
  { in: 'src/cli/main.ts', out: 'kubelab' },
  { in: 'src/cli/server-main.ts', out: 'kubelab-server' },
  { in: 'src/cli/agent-main.ts', out: 'kubelab-agent' },
];

export async function buildBundles({ quiet = false } = {}) {
  const { existsSync } = await import('node:fs');
  const present = entries.filter((e) => existsSync(`${root}/${e.in}`));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: present,
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
    external: ['cpu-features', '*.node'],
  });
  for (const e of present) await chmod(`${root}/dist/${e.out}.mjs`, 0o755);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundles();
}
