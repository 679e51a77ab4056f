// Lint for the benchmarks: plain Node ESM scripts (.mjs) run with `node`, outside the TypeScript
// project, so only the rules that need no type information. ESLint 10 uses the config nearest each
// file, so this one replaces the repository's for bench/.
import tseslint from 'typescript-eslint';

export default tseslint.config(...tseslint.configs.recommended, {
  languageOptions: { parserOptions: { tsconfigRootDir: import.meta.dirname } },
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
  },
});
