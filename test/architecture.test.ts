import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../src');

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');

/**
 * "Every AWS change goes through approvals/": these tests fail when code outside the places that
 * may change AWS constructs a mutating command, or when the domain imports Slack or the SDK.
 */
describe('architecture guardrails', () => {
  const MUTATING =
    /\bnew\s+(Update\w+|Put\w+|Delete\w+|Create\w+|Register\w+|Deregister\w+|Set\w+|Start(?!Query)\w+|Stop(?!Query)\w+|Run\w+|Terminate\w+|Subscribe|Unsubscribe|ConfirmSubscription|Publish|Tag\w+|Untag\w+)Command\b/;
  const ALLOWED: Record<string, string> = {
    'approvals/executors/scale-service.ts': 'approval executor',
    'approvals/executors/scale-instances.ts': 'approval executor',
    'approvals/executors/container-insights.ts': 'approval executor',
    'alarm-admin/cloudwatch-alarms.ts': 'alarm create/delete, called only by the alarm-admin approval executors',
    'reactions/mute-rule.ts': 'opt-in AWS mute rule bounded to a silence (ALARM_MUTE_RULES), audited',
    'sns/confirm.ts': 'confirms the SNS subscription of an allow-listed topic',
  };

  it('constructs mutating AWS commands only in approval executors and the documented exceptions', () => {
    const offenders = files(SRC)
      .filter((f) => MUTATING.test(fs.readFileSync(f, 'utf8')))
      .map(rel)
      .filter((f) => !(f in ALLOWED));
    expect(offenders).toEqual([]);
  });

  it('calls the alarm writer only from the approval executors', () => {
    const users = files(SRC)
      .filter((f) =>
        /from '\.\/cloudwatch-alarms'|from '\.\.\/alarm-admin\/cloudwatch-alarms'/.test(fs.readFileSync(f, 'utf8')),
      )
      .map(rel);
    for (const u of users) {
      const text = fs.readFileSync(path.join(SRC, u), 'utf8');
      if (/\.(put|delete)(Alarm|Alarms)?\(/.test(text)) expect(u).toBe('alarm-admin/executors.ts');
    }
  });

  it('keeps the ECS domain free of Slack, Bolt and the AWS SDK', () => {
    const bad = files(path.join(SRC, 'ecs'))
      .filter((f) => /from '(@slack\/|@aws-sdk\/)|from '\.\.\/+(slack|aws|store)\//.test(fs.readFileSync(f, 'utf8')))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it('keeps the AWS adapters and the store free of Slack', () => {
    const bad = [...files(path.join(SRC, 'aws')), ...files(path.join(SRC, 'store'))]
      .filter((f) => /from '@slack\/|from '\.\.\/slack\//.test(fs.readFileSync(f, 'utf8')))
      .map(rel);
    expect(bad).toEqual([]);
  });
});
