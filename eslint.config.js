import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      'bench/.work/**',
      'coverage/**',
      'examples/**/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The core does no I/O and imports no framework (DESIGN rule 1).
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', 'knex', 'pg', 'better-sqlite3', 'nodemailer', 'fs', 'node:fs', 'node:net', 'node:http'],
          patterns: ['@emporia/adapters', '@emporia/http', '@emporia/cli'],
        },
      ],
    },
  },
  {
    // The dashboard's React code: the rules of hooks, and effects that depend on what they read.
    files: ['packages/dashboard/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
);
