// Lint: typescript-eslint with type information (for no-floating-promises), plus the import
// boundaries of DESIGN.md: src/api imports nothing else of ours; client code never imports server
// internals; only src/sshutils imports ssh2.
import tseslint from 'typescript-eslint';

const serverInternals = ['backend', 'services', 'auth', 'node', 'proxy', 'service', 'db', 'kube', 'app', 'events', 'recordings', 'reversetunnel', 'limiter'];
const ourFolders = [...serverInternals, 'rbac', 'config', 'sshca', 'tlsca', 'sshutils', 'client', 'cli'];
const folderPatterns = (names) => names.map((n) => `**/${n}/**`).concat(names.map((n) => `**/${n}/index.js`));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/**', 'coverage/**', 'bin/**', 'scripts/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-imports': ['error', { paths: [{ name: 'ssh2', message: 'only src/sshutils imports ssh2' }] }],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: folderPatterns(ourFolders), message: 'src/api imports nothing else of ours' }] }],
    },
  },
  {
    files: ['src/client/**/*.ts', 'src/cli/tsh/**/*.ts', 'src/cli/tctl/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: folderPatterns(serverInternals), message: 'client code talks to servers only through src/api' }] }],
    },
  },
  { files: ['src/sshutils/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/cli/framework/io.ts', 'src/cli/*/main.ts'], rules: { 'no-console': 'off' } },
  { files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
