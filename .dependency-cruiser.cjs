// The import rules of shared/DESIGN.md §2, checked by `npm test` (`npm run layers`).
// Every folder of src/ may import its own files, api/ (object facts) and client/ (client
// machinery); each rule below names what else one folder may import. src/README.md says the
// same in words, with the reasons for each allowance.
const always = ['api', 'client'];

/** Folder -> the other src/ folders it may import besides api/ and client/. */
const allowed = {
  api: [], // the shared kernel imports nothing of ours (not even client/)
  client: [],
  store: [],
  apiserver: ['store'],
  scheduler: [],
  controllers: [],
  agent: ['images', 'proxy'],
  proxy: [],
  dns: [],
  ingress: [],
  images: [],
  traffic: [],
  provision: ['images'],
  tui: ['provision', 'traffic'],
  dashboard: ['provision', 'traffic'],
  watch: ['provision', 'traffic'],
  labs: ['provision', 'traffic'],
};

const folderRules = Object.entries(allowed).map(([folder, extra]) => {
  const ok = [folder, ...(folder === 'api' ? [] : always), ...extra];
  return {
    name: `${folder}-imports-only-${ok.filter((f) => f !== folder).join('-') || 'itself'}`,
    comment:
      `src/${folder}/ may import ${ok.map((f) => `${f}/`).join(', ')} and nothing else of ours ` +
      '(shared/DESIGN.md §2; exceptions are listed in src/README.md)',
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${ok.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    ...folderRules,
    {
      name: 'nothing-imports-cli',
      comment: 'cli/ is the entry point: it imports the others, nothing imports it (shared/DESIGN.md §2)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'src-stays-out-of-tests',
      comment: 'product code never imports test or bench code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    // swc parses the TypeScript (TypeScript 7.0 has no compiler API dependency-cruiser can
    // use) and reports `import type` too: a type is a dependency on another folder's facts.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
