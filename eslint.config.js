// @ts-check
const js = require('@eslint/js');
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const house = require('./lint/boundaries');

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

/** The shared core: every feature may import these; they import no feature. Root files are core too. */
const CORE = ['slack', 'aws', 'store', 'ecs', 'http', 'sns', 'notifications', 'util'];
/** The composition root and entry points, which wire the features together and so may import any of them. */
const COMPOSITION_ROOT = ['app.ts', 'features.ts', 'main.ts', 'doctor-cli.ts'];

/**
 * Folder boundaries, resolved against each importing file (lint/boundaries.js). Every folder of src/ that is
 * not core is a feature, so a new feature is guarded without a change here.
 */
const boundaries = {
  src: `${__dirname}/src`,
  core: CORE,
  compositionRoot: COMPOSITION_ROOT,
  // A feature reaches another feature only through that feature's api.ts: the few names it offers others.
  entries: ['api.ts'],
  forbid: [
    {
      from: ['ecs'],
      to: ['slack', 'aws', 'store'],
      because: 'the domain is pure (no Slack, AWS SDK or store); the caller gathers the facts and renders',
    },
    { from: ['aws', 'store'], to: ['slack'], because: 'the AWS adapters and the store know nothing of Slack' },
  ],
};

/** Package imports per folder (no-restricted-imports matches these by name, whatever the depth). */
const NO_SLACK = { group: ['@slack/*'], message: 'Slack stays out of the domain, the AWS adapters and the store.' };
const NO_AWS_SDK = {
  group: ['@aws-sdk/*'],
  message: 'The domain is pure: src/aws adapts the SDK, the caller passes facts.',
};
/**
 * AWS commands that change something. Every AWS change is an approved change request, so only approval
 * executors (and the exceptions below) import them. StartQuery/StopQuery run and cancel Logs Insights reads.
 */
const NO_MUTATING = {
  group: ['@aws-sdk/*'],
  importNamePattern:
    '^(Update|Put|Delete|Create|Register|Deregister|Set|Start(?!Query)|Stop(?!Query)|Run|Terminate|Tag|Untag|' +
    'Modify|Attach|Detach|Associate|Disassociate|Enable|Disable|Add|Remove|Reboot|Restore|Reset|Execute|' +
    'Subscribe|Unsubscribe|ConfirmSubscription|Publish|Send|Cancel|Submit|Change|Replace|Increase|Decrease)\\w*Command$',
  message: 'Only approval executors (and the documented exceptions in eslint.config.js) change AWS.',
};
/** The CloudWatch alarm writer: only the alarm-admin approval executors create and delete alarms. */
const NO_ALARM_WRITER = {
  regex: '(^|/)cloudwatch-alarm-writer$',
  message: 'Only the alarm-admin approval executors (src/alarm-admin/executors.ts) write CloudWatch alarms.',
};
/** Renderers take view models: the store's rows (and so its shape) stay out of them; the feature maps. */
const NO_STORE = {
  regex: '(^|/)store(/|$)',
  message:
    'Renderers take view models, not store rows: declare the view beside the renderer and let the feature map its rows.',
};
/** Every renderer: a render.ts, or any file under a render/ folder. */
const RENDERERS = ['src/**/render.ts', 'src/**/render/**/*.ts'];
// Flat config keeps only the last options given to a rule, so each folder's block lists all of its patterns.
const restrict = (...patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

/** Files that may import mutating AWS commands, and why. */
const MUTATING_ALLOWED = [
  'src/approvals/executors/**', // the approval executors
  'src/alarm-admin/cloudwatch-alarm-writer.ts', // alarm create/delete, used only by the alarm-admin executors
  'src/reactions/mute-rule.ts', // opt-in AWS mute rule bounded to a silence (ALARM_MUTE_RULES), audited
  'src/sns/confirm.ts', // confirms the SNS subscription of an allow-listed topic
  'src/alarms/sqs-delete.ts', // deletes alarm-queue messages once stored: the bot acknowledging what it took
];

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
  {
    files: ['src/**/*.ts'],
    plugins: { house, 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      'house/boundaries': ['error', boundaries],
      'house/no-folder-cycle': ['error', { src: boundaries.src }],
      // Module-level cycles too (inside a folder); type-only imports are erased and do not count here.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      ...restrict(NO_MUTATING, NO_ALARM_WRITER),
    },
  },
  { files: ['src/ecs/**/*.ts'], rules: restrict(NO_SLACK, NO_AWS_SDK, NO_ALARM_WRITER) },
  { files: ['src/aws/**/*.ts', 'src/store/**/*.ts'], rules: restrict(NO_SLACK, NO_MUTATING, NO_ALARM_WRITER) },
  { files: RENDERERS, rules: restrict(NO_MUTATING, NO_ALARM_WRITER, NO_STORE) },
  { files: MUTATING_ALLOWED, rules: restrict(NO_ALARM_WRITER) },
  { files: ['src/alarm-admin/executors.ts'], rules: restrict(NO_MUTATING) },
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
