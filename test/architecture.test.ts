import fs from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';

/**
 * The boundaries of src/ are lint rules (eslint.config.js, lint/boundaries.js) that fail `npm test`. Each
 * rule is proved here: a deliberately bad fixture from test/lint-fixtures/, linted as if it sat in the
 * guarded folder, must get exactly the expected errors; the same fixture where it is allowed, and a good
 * fixture, get none.
 */
const ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(ROOT, 'test/lint-fixtures');

// ESLint would load eslint.config.js with import(), which jest's module sandbox refuses; it is handed over.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../eslint.config.js') as Linter.Config[];

type Found = [line: number, rule: string | null, message: string];

async function lintAs(fixture: string, asFile: string): Promise<Found[]> {
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });
  const [result] = await eslint.lintText(fs.readFileSync(path.join(FIXTURES, fixture), 'utf8'), {
    filePath: path.join(ROOT, asFile),
  });
  return result.messages.map((m) => [m.line, m.ruleId, m.message]);
}

/** The errors of some rules only (a boundary fixture may close a folder cycle too; that rule has its own case). */
const only = (found: Found[], ...rules: string[]) => found.filter(([, rule]) => rule && rules.includes(rule));
const err = (line: number, rule: string, text: string) => [line, rule, expect.stringContaining(text)];

const BOUNDARY = 'house/boundaries';
const CYCLE = 'house/no-folder-cycle';
const PACKAGES = '@typescript-eslint/no-restricted-imports';

describe('lint: the domain (src/ecs) imports no Slack, AWS SDK or store', () => {
  it('refuses them from a file of src/ecs/ (one folder up: ../store, ../slack/…, ../aws/…)', async () => {
    const found = await lintAs('domain-depth1.ts', 'src/ecs/bad.ts');
    expect(only(found, BOUNDARY, PACKAGES)).toEqual([
      err(2, BOUNDARY, 'ecs must not import store (store)'),
      err(3, BOUNDARY, 'ecs must not import slack (slack/mrkdwn)'),
      err(4, BOUNDARY, 'ecs must not import aws (aws/ecs)'),
      err(5, PACKAGES, "'@slack/bolt' import is restricted"),
      err(6, PACKAGES, "'@aws-sdk/client-ecs' import is restricted"),
    ]);
  });

  it('refuses them from src/ecs/diagnosis/ (two folders up), re-exports included', async () => {
    const found = await lintAs('domain-depth2.ts', 'src/ecs/diagnosis/bad.ts');
    expect(only(found, BOUNDARY, PACKAGES)).toEqual([
      err(2, BOUNDARY, 'ecs must not import store (store)'),
      err(3, BOUNDARY, 'ecs must not import slack (slack/mrkdwn)'),
      err(4, BOUNDARY, 'ecs must not import aws (aws/clients)'),
      err(5, BOUNDARY, 'ecs must not import store (store/db)'),
    ]);
  });

  it('the same imports from a feature are fine', async () => {
    expect(only(await lintAs('domain-depth2.ts', 'src/status/deep/ok.ts'), BOUNDARY, PACKAGES)).toEqual([]);
  });
});

describe('lint: the core imports no feature', () => {
  it.each(['src/slack/commands/bad.ts', 'src/util/deep/bad.ts'])(
    'refuses a feature, existing or future, in %s',
    async (as) => {
      const from = as.split('/')[1];
      expect(only(await lintAs('core-imports-feature.ts', as), BOUNDARY)).toEqual([
        err(3, BOUNDARY, `core ${from} must not import the feature approvals (approvals/types)`),
        err(4, BOUNDARY, `core ${from} must not import the feature billing (billing/feature)`),
      ]);
    },
  );

  it('refuses it in a root file (config.ts, context.ts … are core)', async () => {
    expect(await lintAs('core-root-imports-feature.ts', 'src/settings.ts')).toEqual([
      err(2, BOUNDARY, 'core settings.ts must not import the feature reactions (reactions/mapping)'),
    ]);
  });

  it('lets the composition root import features', async () => {
    expect(await lintAs('core-root-imports-feature.ts', 'src/features.ts')).toEqual([]);
  });
});

describe('lint: the AWS adapters and the store import no Slack', () => {
  it.each(['aws', 'store'])('refuses src/slack and @slack/* in src/%s', async (folder) => {
    const found = await lintAs('adapters-import-slack.ts', `src/${folder}/bad.ts`);
    expect(only(found, BOUNDARY, PACKAGES)).toEqual([
      err(2, BOUNDARY, `${folder} must not import slack (slack/mrkdwn)`),
      err(3, PACKAGES, "'@slack/web-api' import is restricted"),
    ]);
  });
});

describe('lint: only approval executors import mutating AWS commands', () => {
  it.each(['src/status/bad.ts', 'src/aws/bad.ts', 'src/alarms/render/bad.ts'])(
    'refuses Update…, Set… and a namespace import in %s, not Describe… or Start/StopQuery',
    async (as) => {
      expect(only(await lintAs('mutating-commands.ts', as), PACKAGES)).toEqual([
        err(3, PACKAGES, "'UpdateServiceCommand' import from '@aws-sdk/client-ecs' is restricted"),
        err(4, PACKAGES, "'SetDesiredCapacityCommand' import from '@aws-sdk/client-auto-scaling' is restricted"),
        err(6, PACKAGES, "* import is invalid because import name matching '/^(Update|Put|Delete"),
      ]);
    },
  );

  it.each([
    'src/approvals/executors/bad.ts',
    'src/alarm-admin/cloudwatch-alarm-writer.ts',
    'src/reactions/mute-rule.ts',
    'src/sns/confirm.ts',
  ])('allows them in %s (an executor or a documented exception)', async (as) => {
    expect(only(await lintAs('mutating-commands.ts', as), PACKAGES)).toEqual([]);
  });
});

describe('lint: only the alarm-admin executors use the CloudWatch alarm writer', () => {
  it.each(['src/alarm-admin/commands.ts', 'src/alarm-admin/open-alarms.ts', 'src/approvals/executors/alarm.ts'])(
    'refuses it in %s',
    async (as) => {
      expect(only(await lintAs('alarm-writer.ts', as), PACKAGES)).toEqual([
        err(2, PACKAGES, "'./cloudwatch-alarm-writer' import is restricted"),
      ]);
    },
  );

  it('allows it in src/alarm-admin/executors.ts', async () => {
    expect(await lintAs('alarm-writer.ts', 'src/alarm-admin/executors.ts')).toEqual([]);
  });
});

describe('lint: a feature imports another feature only through its api.ts', () => {
  it("refuses another feature's internals, a future feature's included, and accepts its api.ts", async () => {
    expect(await lintAs('feature-internals.ts', 'src/status/bad.ts')).toEqual([
      err(
        2,
        BOUNDARY,
        'feature status imports approvals/request: another feature is reached only through its declared entry (approvals/api.ts)',
      ),
      err(3, BOUNDARY, 'feature status imports approvals/render/change-request'),
      err(4, BOUNDARY, 'feature status imports alarms/render/alarm-style'),
      err(5, BOUNDARY, 'feature status imports billing/ledger'),
    ]);
  });

  it('the same imports inside their own feature are fine', async () => {
    expect(only(await lintAs('feature-internals.ts', 'src/approvals/ok.ts'), BOUNDARY)).toEqual([
      err(4, BOUNDARY, 'feature approvals imports alarms/render/alarm-style'),
      err(5, BOUNDARY, 'feature approvals imports billing/ledger'),
    ]);
  });
});

describe('lint: no import cycle', () => {
  it('refuses a folder-level cycle, naming it (store → context.ts → store)', async () => {
    expect(await lintAs('folder-cycle.ts', 'src/store/bad.ts')).toEqual([
      err(4, CYCLE, 'folder import cycle: store → context.ts → store (this import is the edge store → context.ts)'),
    ]);
  });

  it('refuses a module-level cycle inside one folder (import-x/no-cycle)', async () => {
    // Two real files that import each other, linted from a root of their own so that `src/**` applies.
    const cwd = path.join(FIXTURES, 'module-cycle');
    const eslint = new ESLint({ cwd, overrideConfigFile: true, overrideConfig: config });
    const [a] = await eslint.lintFiles(['src/feature/a.ts']);
    expect(a.messages.map((m) => [m.line, m.ruleId, m.message])).toEqual([
      err(2, 'import-x/no-cycle', 'Dependency cycle detected'),
    ]);
  });
});

describe('lint: renderers take view models, not store rows', () => {
  it.each(['src/alarms/render/bad.ts', 'src/billing/render/deep/bad.ts'])('refuses the store in %s', async (as) => {
    const rows = ['../../store/incidents', '../../store/audit', '../../store'];
    expect(only(await lintAs('renderer-store.ts', as), PACKAGES)).toEqual(
      rows.map((r, i) => err(i + 2, PACKAGES, `'${r}' import is restricted`)),
    );
  });

  it('refuses it in a render.ts, and says what to do instead', async () => {
    const found = only(await lintAs('renderer-store.ts', 'src/diagnose/deep/render.ts'), PACKAGES);
    expect(found).toHaveLength(3);
    expect(found[0][2]).toContain('Renderers take view models');
  });

  it('the feature itself may read the store', async () => {
    expect(only(await lintAs('renderer-store.ts', 'src/alarms/deep/deliver.ts'), PACKAGES)).toEqual([]);
  });
});

describe('lint: a good file passes every rule', () => {
  it('the domain importing the domain and util', async () => {
    expect(await lintAs('good.ts', 'src/ecs/diagnosis/good.ts')).toEqual([]);
  });
});
