// Lint rules, including the direction of imports (DESIGN.md section 3): `core` imports nothing
// from other folders and no I/O; `ledger` imports only `core`; only `src/main.ts` (and the store's
// own tests and benchmarks) may import a concrete storage adapter.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const adapters = ['**/store/sqlite/*', '**/store/postgres/*'];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'bench/results', '.tmp'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Name what a module exports; no export *.' },
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/store/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: adapters, message: 'Only src/main.ts picks concrete adapters.' }] },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', 'node:*'], message: 'core is pure: it imports nothing but core.' },
            { regex: '^[^.]', message: 'core is pure: no packages, no I/O.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ledger/**/*.ts'],
    ignores: ['src/ledger/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../core', '../core/*/**', 'node:*'],
              message: 'ledger depends on core only; I/O goes through its ports.',
            },
            { regex: '^[^.]', message: 'ledger uses no packages; adapters do.' },
          ],
        },
      ],
    },
  },
);
