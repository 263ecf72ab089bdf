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
/** What a member account's role needs besides: reading the topic alarms created there notify. */
const MEMBER_ONLY = { ReadAlarmTopic: ['sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic'] };

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

  it("has iam-policy.json's permissions, statement by statement, less the bot's own topic, queue and role assumption, plus reading this account's alarm topics", () => {
    const doc = role.Policies.find((p: any) => p.PolicyName === 'ecs-chatops').PolicyDocument;
    const bySid = (st: Statement[]) => Object.fromEntries(st.map((s) => [s.Sid, actionsOf(s)]));
    const expected = { ...bySid(policy.Statement.filter((s) => !BOT_ONLY.includes(s.Sid ?? ''))), ...MEMBER_ONLY };
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

describe('deploy/member-alarm-topic.yml: the topic alarms created in a member account and region notify', () => {
  const t = parseCfn(fs.readFileSync(path.join(ROOT, 'deploy/member-alarm-topic.yml'), 'utf8'));
  const R = t.Resources;

  it("is named like the bot's topic and lets only this account's CloudWatch alarms publish to it", () => {
    expect(R.AlarmTopic.Properties.TopicName).toEqual({ Ref: 'AlarmTopicName' });
    expect(R.AlarmTopic.Properties.SignatureVersion).toBe('2');
    const st = R.AlarmTopicPolicy.Properties.PolicyDocument.Statement as Statement[];
    const publish = st.filter((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(publish[0].Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(publish[0].Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    const confirm = st.find((s) => s.Sid === 'BotConfirmsItsSubscription');
    expect(confirm?.Principal).toEqual({ AWS: { Ref: 'BotRoleArn' } });
    expect(actionsOf(confirm!)).toEqual(['sns:ConfirmSubscription']);
    expect(t.Outputs.AlarmTopicArn.Value).toEqual({ Ref: 'AlarmTopic' });
  });

  it('subscribes the bot by HTTPS or through its queue, each without raw delivery (the bot verifies signatures)', () => {
    expect(R.BotSubscription).toMatchObject({
      Condition: 'UseHttps',
      Properties: { Protocol: 'https', Endpoint: { Ref: 'BotEndpoint' }, RawMessageDelivery: false },
    });
    expect(R.QueueSubscription).toMatchObject({
      Condition: 'UseSqs',
      Properties: { Protocol: 'sqs', Endpoint: { Ref: 'BotQueueArn' }, RawMessageDelivery: false },
    });
    for (const c of ['UseHttps', 'UseSqs']) expect(Object.keys(t.Conditions)).toContain(c);
    for (const ref of JSON.stringify(t).matchAll(/"Ref":"([^"]+)"/g))
      expect([...Object.keys(t.Parameters), ...Object.keys(R), 'AWS::AccountId', 'AWS::Partition']).toContain(ref[1]);
  });
});
