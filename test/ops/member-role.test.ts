import fs from 'node:fs';
import path from 'node:path';
import { parseCfn } from './cfn-yaml';

const ROOT = path.resolve(__dirname, '../..');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
const policy = JSON.parse(fs.readFileSync(path.join(ROOT, 'iam-policy.json'), 'utf8')) as { Statement: Statement[] };
const template = parseCfn(fs.readFileSync(path.join(ROOT, 'deploy/member-account-role.yml'), 'utf8'));
const role = template.Resources.Role.Properties;
const actionsOf = (s: Statement) => [s.Action].flat().sort();
const SESSION_ACTIONS = ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'];

/** Statements of the bot's own role that a member account's role does not need. */
const BOT_ONLY = ['AlarmTopic', 'AlarmQueue', 'AssumeMemberRoles'];

describe('deploy/member-account-role.yml: the role the bot assumes in a member account', () => {
  it('trusts only the bot role, for AssumeRole, SetSourceIdentity and TagSession, with the external ID when one is given', () => {
    const trust = role.AssumeRolePolicyDocument.Statement as Statement[];
    expect(trust).toHaveLength(1);
    expect(trust[0].Effect).toBe('Allow');
    expect(trust[0].Principal).toEqual({ AWS: { Ref: 'BotRoleArn' } });
    expect(actionsOf(trust[0])).toEqual(SESSION_ACTIONS);
    expect(trust[0].Condition).toEqual({
      'Fn::If': [
        'HasExternalId',
        { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(template.Conditions.HasExternalId).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }] });
    // A session lasts at most an hour: the read session's length.
    expect(role.MaxSessionDuration).toBe(3600);
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['Role', 'Arn'] });
  });

  it("has iam-policy.json's permissions, statement by statement, less the bot's own topic, queue and role assumption", () => {
    const doc = role.Policies.find((p: any) => p.PolicyName === 'ecs-chatops').PolicyDocument;
    const bySid = (st: Statement[]) => Object.fromEntries(st.map((s) => [s.Sid, actionsOf(s)]));
    const expected = bySid(policy.Statement.filter((s) => !BOT_ONLY.includes(s.Sid ?? '')));
    expect(bySid(doc.Statement)).toEqual(expected);
    // Every changing statement is narrowed to this account.
    for (const s of doc.Statement as Statement[])
      if (s.Resource !== '*') expect(JSON.stringify(s.Resource)).toContain('${AWS::AccountId}');
  });

  it("is what the bot's own role may assume: iam-policy.json and the task role allow the three session actions on it", () => {
    const own = policy.Statement.find((s) => s.Sid === 'AssumeMemberRoles');
    expect(own && actionsOf(own)).toEqual(SESSION_ACTIONS);
    expect(own?.Resource).toBe('arn:aws:iam::*:role/ecs-chatops*');
    expect(template.Parameters.RoleName.Default).toBe('ecs-chatops');
  });
});
