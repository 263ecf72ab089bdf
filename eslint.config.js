// @ts-check
const js = require('@eslint/js');
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');

/**
 * ESLint for src, test and bench: the recommended JavaScript and typescript-eslint sets.
 *
 * Syntactic rules only in `npm test`. The type-aware sets were measured on this 2-core machine (CPU time, the
 * wall clock varies with the load of the others): the syntactic run takes about 10 s, the type-checked promise
 * rules (no-floating-promises, no-misused-promises, await-thenable) about 27 s, and the whole recommended
 * type-checked set more, because each run builds the TypeScript program again after `tsc` already has. The
 * promise rules report nothing today, and the rest of that set mostly flags `any` in tests, so
 * `npm run lint:typed` (LINT_TYPED=1) runs the promise rules on demand instead of on every test run.
 */
const typed = process.env.LINT_TYPED === '1';

module.exports = defineConfig(
  globalIgnores(['dist/', 'coverage/', 'test/lint-fixtures/']),
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // tsc's noUnusedLocals and noUnusedParameters refuse these already, with the same `_` convention.
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests walk Slack and AWS payloads as plain JSON (blocks[3].elements[0].text); typing each probe adds noise.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
  typed
    ? {
        files: ['src/**/*.ts'],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
        rules: {
          '@typescript-eslint/no-floating-promises': 'error',
          '@typescript-eslint/no-misused-promises': 'error',
          '@typescript-eslint/await-thenable': 'error',
        },
      }
    : {},
);
