// Lint: typescript-eslint with type information (for no-floating-promises), the React hooks rules
// for web/, and the import boundaries of DESIGN.md, checked on resolved paths (eslint-plugin-import-x's
// no-restricted-paths: `'../auth'`, `'../auth/index.js'` and `import('../auth/x.js')` all resolve to a
// file under src/auth). src/layers.test.ts lints a planted violation of every boundary, so a rule
// that stops working fails a test.
//
// Each boundary below is one zone of ONE rule setting per file group (production code, tests,
// web/): a later config block that sets the same rule replaces it, which is how an earlier version
// of this file lost its ssh2 rule. The file groups do not overlap.
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** Resolves what TypeScript resolves here: `.js` specifiers to `.ts` sources, folders to index files, web's `@api/*`. */
const resolver = createNodeResolver({
  extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json', '.node'],
  extensionAlias: { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'] },
  conditionNames: ['import', 'node', 'require', 'default', 'types'],
  alias: { '@api': [`${root}/src/api`] },
});

// Rooms client code may import; every other room of src/ is server code (auth, node, proxy, backend,
// services, service, events, recordings, reversetunnel, ... and rooms added later).
const clientRooms = ['api', 'client', 'cli', 'config', 'disk', 'sshca', 'sshutils', 'tlsca'];
const clientCode = ['src/client/**', 'src/cli/tsh/**', 'src/cli/tctl/**', 'src/cli/framework/**'];
const outsideSrc = ['test/**', 'bench/**', 'scripts/**', 'bin/**', 'web/**'];
const nodeModules = (pkgs) => pkgs.flatMap((p) => [`node_modules/${p}`, `node_modules/@types/${p.replace(/^@(.*)\/(.*)$/, '$1__$2')}`]);

/** Boundaries between our rooms; they hold for tests too. Type-only imports count: they tie the rooms as much. */
const roomZones = [
  { target: 'src/api/**', from: ['src/!(api)/**', ...outsideSrc], message: 'src/api imports nothing else of ours (the web UI and tsh share it).' },
  {
    target: clientCode,
    from: [`src/!(${clientRooms.join('|')})/**`, 'src/cli/teleport/**'],
    message: 'client code reaches servers only through src/api; server rooms stay out of tsh and tctl.',
  },
  { target: 'web/**', from: ['src/!(api)/**', 'test/**', 'bench/**', 'scripts/**', 'bin/**'], message: 'web/ imports only web/ and src/api.' },
];

/** Each heavy library has one adapter room (DESIGN.md "Rooms"); ssh2's holds for tests too. */
const ssh2Zone = {
  target: ['src/!(sshutils)/**', 'test/**', 'web/**'],
  from: nodeModules(['ssh2']),
  message: 'only src/sshutils imports ssh2; everything else uses its promises and streams.',
};
const adapters = [
  [['@peculiar/x509', 'reflect-metadata'], ['tlsca']],
  [['node-pty'], ['node']],
  [['pino'], ['log']],
  [['prom-client'], ['service']],
  [['@node-rs/argon2'], ['auth']],
  [['ws'], ['proxy']],
  [['etcd3'], ['backend/etcd']],
  [['better-sqlite3'], ['backend/sqlite', 'events/sqlite']],
  [['pg'], ['backend/postgres', 'events/postgres']],
  [['@aws-sdk/client-dynamodb'], ['dynamodb', 'backend/dynamodb', 'events/dynamodb']],
  [['@aws-sdk/client-s3', '@aws-sdk/lib-storage'], ['recordings/s3']],
];
/** Globs for every file of src/ outside `rooms` (folders of src/, one level of subfolder at most). */
function outside(rooms) {
  const subs = new Map();
  for (const room of rooms) {
    const [top, sub] = room.split('/');
    subs.set(top, sub === undefined || subs.get(top) === null ? null : [...(subs.get(top) ?? []), sub]);
  }
  const globs = [`src/!(${[...subs.keys()].join('|')})/**`];
  // `dir/!(x)/**` needs a folder below dir: files directly in dir are their own glob.
  for (const [top, list] of subs) if (list !== null) globs.push(`src/${top}/!(${list.join('|')})/**`, `src/${top}/*.*`);
  return globs;
}
/** `a`, `a and b`, `a, b and c`. */
const listed = (xs) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
/** Production code only: tests may drive a library directly (a PTY for OpenSSH, a pg client to inspect a table). */
const adapterZones = adapters.map(([pkgs, rooms]) => ({
  target: outside(rooms),
  from: nodeModules(pkgs),
  message: `only ${listed(rooms.map((r) => `src/${r}`))} import${rooms.length === 1 ? 's' : ''} ${listed(pkgs)} (one adapter per heavy library).`,
}));

/** Zones where only `import type` is allowed: the declaration is erased, so no code is loaded. */
const runtimeZones = [
  {
    target: 'src/proxy/**',
    from: 'src/auth',
    message:
      'a proxy-only process must not load auth-server code: put what both need in a room of its own (src/httpserver, src/rbac, src/service composes them). `import type { X }` is allowed; `import { type X }` still loads the module.',
  },
];

/** import-x's no-restricted-paths, but silent for `import type` / `export type` declarations. */
const restrictedPaths = importX.rules['no-restricted-paths'];
const runtimePaths = {
  meta: restrictedPaths.meta,
  create(context) {
    const report = (descriptor) => {
      const decl = descriptor.node?.parent;
      if (decl?.importKind === 'type' || decl?.exportKind === 'type') return;
      context.report(descriptor);
    };
    return restrictedPaths.create(Object.create(context, { report: { value: report } }));
  },
};

/** The layer rules for one group of files. */
const layerRules = (zones) => ({
  'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
  'layers/runtime-paths': ['error', { basePath: root, zones: runtimeZones }],
  // An unresolved import would pass the rules above unchecked.
  'import-x/no-unresolved': 'error',
  'no-restricted-syntax': [
    'error',
    { selector: "ImportExpression[source.type!='Literal']", message: 'import() takes a string literal, so the layer rules can check it.' },
  ],
});

const tests = ['**/*.test.ts', '**/testing/**', 'test/**', 'vitest.config.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'web/node_modules/**', 'web/vite.config.ts', 'coverage/**', 'bin/**', 'scripts/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX, layers: { rules: { 'runtime-paths': runtimePaths } } },
    settings: { 'import-x/resolver-next': [resolver] },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['**/*.ts'], ignores: [...tests, 'web/**'], rules: layerRules([...roomZones, ssh2Zone, ...adapterZones]) },
  { files: tests, rules: layerRules([...roomZones, ssh2Zone]) },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: `${root}/web` } },
    rules: { ...layerRules([...roomZones, ssh2Zone]), 'react-hooks/rules-of-hooks': 'error' },
  },
  { files: ['src/cli/framework/io.ts', 'src/cli/*/main.ts'], rules: { 'no-console': 'off' } },
  { files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
