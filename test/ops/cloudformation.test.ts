import fs from 'node:fs';
import path from 'node:path';
import { parseCfn } from './cfn-yaml';

const ROOT = path.resolve(__dirname, '../..');
const template = parseCfn(fs.readFileSync(path.join(ROOT, 'deploy/cloudformation.yml'), 'utf8'));
const R = template.Resources as Record<
  string,
  { Type: string; Properties: any; Condition?: string; DependsOn?: string | string[]; Metadata?: any }
>;
const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);

/** Every value of `key` anywhere under `node`. */
function collect(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const n of node) collect(n, key, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

function ofType(type: string): [string, (typeof R)[string]][] {
  return Object.entries(R).filter(([, r]) => r.Type === type);
}

const container = R.TaskDefinition.Properties.ContainerDefinitions[0];

/** `value` as it is with `condition` true (an Fn::If on it resolved; AWS::NoValue as undefined). */
function when(condition: string, value: any, holds = true): any {
  if (Array.isArray(value)) return value.map((v) => when(condition, v, holds)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const branch = value['Fn::If'];
    if (branch && branch[0] === condition) return when(condition, branch[holds ? 1 : 2], holds);
    if (value.Ref === 'AWS::NoValue') return undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, when(condition, v, holds)]));
  }
  return value;
}

describe('deploy/cloudformation.yml', () => {
  it('parses, and every Ref, GetAtt, Sub variable and condition names something the template defines', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    const names = new Set([...Object.keys(template.Parameters), ...Object.keys(R), ...PSEUDO]);
    const refs = collect(template, 'Ref') as string[];
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(names).toContain(r);
    for (const g of collect(template, 'Fn::GetAtt') as string[][]) expect(Object.keys(R)).toContain(g[0]);
    for (const s of collect(template, 'Fn::Sub')) {
      const text = typeof s === 'string' ? s : (s as [string])[0];
      for (const m of text.matchAll(/\$\{([^}!]+)\}/g)) expect(names).toContain(m[1].split('.')[0]);
    }
    const conditions = Object.keys(template.Conditions);
    for (const c of [
      ...Object.values(R)
        .map((r) => r.Condition)
        .filter(Boolean),
      ...(collect(template, 'Fn::If') as [string][]).map((i) => i[0]),
    ]) {
      expect(conditions).toContain(c);
    }
    for (const [, r] of Object.entries(R))
      for (const d of [r.DependsOn ?? []].flat()) expect(Object.keys(R)).toContain(d);
  });

  it('runs the bot on Fargate behind an HTTPS load balancer with the certificate parameter', () => {
    const svc = R.Service.Properties;
    expect(R.Service.Type).toBe('AWS::ECS::Service');
    expect(svc.LaunchType).toBe('FARGATE');
    expect(svc.DesiredCount).toEqual({ Ref: 'DesiredCount' });
    expect(template.Parameters.DesiredCount.Default).toBe(2);
    expect(svc.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
    expect(when('HasPublicEndpoint', svc.LoadBalancers)[0]).toEqual({
      ContainerName: 'bot',
      ContainerPort: 3000,
      TargetGroupArn: { Ref: 'TargetGroup' },
    });
    expect(R.TaskDefinition.Properties.RequiresCompatibilities).toEqual(['FARGATE']);
    const [[, listener]] = ofType('AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties).toMatchObject({
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }],
    });
    expect(R.LoadBalancer.Properties.Scheme).toBe('internet-facing');
    expect(R.TargetGroup.Properties).toMatchObject({ TargetType: 'ip', Port: 3000, HealthCheckPath: '/readyz' });
  });

  it("exposes only Slack's and SNS's endpoints publicly, never /metrics", () => {
    const rules = ofType('AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rules).toHaveLength(1);
    const paths = rules[0][1].Properties.Conditions.find((c: any) => c.Field === 'path-pattern').PathPatternConfig
      .Values;
    expect(paths.sort()).toEqual(['/slack/events', '/sns']);
    expect(R.HttpsListener.Properties.DefaultActions[0].Type).toBe('fixed-response');
    const ingress = when('HasPublicEndpoint', R.ServiceSecurityGroup.Properties.SecurityGroupIngress);
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: 3000, SourceSecurityGroupId: { Ref: 'LoadBalancerSecurityGroup' } }),
    ]);
  });

  it('reads the bot token, signing secret and DATABASE_URL from Secrets Manager, never from plain parameters', () => {
    const secrets = Object.fromEntries(
      when('UseSocketMode', container.Secrets, false).map((s: any) => [s.Name, s.ValueFrom]),
    );
    expect(Object.keys(secrets).sort()).toEqual(['DATABASE_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
    for (const [name, from] of Object.entries(secrets))
      expect(from).toEqual({ 'Fn::Sub': `\${BotSecretArn}:${name}::` });
    const envNames = collect(container.Environment, 'Name') as string[];
    for (const secret of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DATABASE_URL'])
      expect(envNames).not.toContain(secret);
    const exec = R.ExecutionRole.Properties.Policies[0].PolicyDocument.Statement[0];
    expect(exec).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'BotSecretArn' } });
  });

  it('gives the container the settings the bot reads, with its own topic and public URL', () => {
    const env = Object.fromEntries(
      (when('HasPublicEndpoint', container.Environment) as any[]).filter((e) => e.Name).map((e) => [e.Name, e.Value]),
    );
    expect(env).toMatchObject({
      PORT: '3000',
      AWS_REGION: { Ref: 'AWS::Region' },
      PUBLIC_URL: { 'Fn::Sub': 'https://${DomainName}' },
      SNS_TOPIC_ARNS: { Ref: 'AlarmTopic' },
      SLACK_ALARM_CHANNEL: { Ref: 'SlackAlarmChannel' },
    });
    const settingsHelp = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8');
    for (const name of [
      ...Object.keys(env),
      ...(collect(container.Environment, 'Name') as string[]),
      ...(collect(container.Secrets, 'Name') as string[]),
    ]) {
      expect(settingsHelp).toContain(`${name}:`);
    }
    expect(container.PortMappings).toEqual([{ ContainerPort: 3000, Protocol: 'tcp' }]);
    expect(container.HealthCheck.Command.join(' ')).toContain('/healthz');
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(R.TaskDefinition.Properties.TaskRoleArn).toEqual({ 'Fn::GetAtt': ['TaskRole', 'Arn'] });
  });

  it('creates the SNS topic with a policy for CloudWatch and EventBridge, and subscribes https://DOMAIN/sns', () => {
    expect(R.AlarmTopic.Type).toBe('AWS::SNS::Topic');
    const statements = R.AlarmTopicPolicy.Properties.PolicyDocument.Statement;
    const byService = Object.fromEntries(statements.map((s: any) => [s.Principal.Service, s]));
    expect(Object.keys(byService).sort()).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    for (const s of statements)
      expect(s).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'AlarmTopic' } });
    // Each service may publish only for this account's alarms / this stack's rule (confused deputy).
    expect(byService['cloudwatch.amazonaws.com'].Condition.StringEquals).toEqual({
      'aws:SourceAccount': { Ref: 'AWS::AccountId' },
    });
    expect(byService['events.amazonaws.com'].Condition.ArnEquals).toEqual({
      'aws:SourceArn': { 'Fn::GetAtt': ['EcsEventsRule', 'Arn'] },
    });
    const sub = R.BotSubscription;
    expect(sub.Type).toBe('AWS::SNS::Subscription');
    expect(sub.Properties).toMatchObject({
      Protocol: 'https',
      Endpoint: { 'Fn::Sub': 'https://${DomainName}/sns' },
      TopicArn: { Ref: 'AlarmTopic' },
      RawMessageDelivery: false,
    });
    // Subscribed only once the bot runs, so it can confirm the subscription itself.
    expect(sub.DependsOn).toBe('Service');
    const retry = sub.Properties.DeliveryPolicy.healthyRetryPolicy;
    expect(retry.numRetries).toBeGreaterThanOrEqual(
      retry.numNoDelayRetries + retry.numMinDelayRetries + retry.numMaxDelayRetries,
    );
  });

  it('AlarmDelivery=sqs: a queue with a dead-letter queue, a policy for the topic alone, a subscription without raw delivery, and the bot told the queue', () => {
    expect(template.Parameters.AlarmDelivery).toMatchObject({ Default: 'https', AllowedValues: ['https', 'sqs'] });
    for (const name of ['AlarmQueue', 'AlarmDeadLetterQueue', 'AlarmQueuePolicy', 'QueueSubscription'])
      expect({ name, condition: R[name].Condition }).toEqual({ name, condition: 'UseSqs' });
    expect(R.BotSubscription.Condition).toBe('UseHttps');
    expect(R.AlarmQueue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['AlarmDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 20,
    });
    const [st] = R.AlarmQueuePolicy.Properties.PolicyDocument.Statement;
    expect(st).toEqual({
      Sid: 'AlarmTopicOnly',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['AlarmQueue', 'Arn'] },
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'AlarmTopic' } } },
    });
    expect(R.QueueSubscription.Properties).toEqual({
      TopicArn: { Ref: 'AlarmTopic' },
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': ['AlarmQueue', 'Arn'] },
      RawMessageDelivery: false,
    });
    // Subscribed once SNS may send: a delivery refused by the queue policy is dropped silently.
    expect(R.QueueSubscription.DependsOn).toBe('AlarmQueuePolicy');
    const queueEnv = (container.Environment as any[]).find((e) => e['Fn::If']?.[1]?.Name === 'SQS_QUEUE_URLS');
    expect(queueEnv['Fn::If']).toEqual([
      'UseSqs',
      { Name: 'SQS_QUEUE_URLS', Value: { Ref: 'AlarmQueue' } },
      { Ref: 'AWS::NoValue' },
    ]);
    // The task role may read and delete on this queue only: the name the queue is given.
    const role = R.TaskRole.Properties.Policies[0].PolicyDocument.Statement.find((x: any) => x.Sid === 'AlarmQueue');
    expect(role.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-alarms',
    });
    expect(R.AlarmQueue.Properties.QueueName).toEqual({ 'Fn::Sub': '${AWS::StackName}-alarms' });
    expect(template.Outputs.AlarmQueueUrl).toMatchObject({ Condition: 'UseSqs', Value: { Ref: 'AlarmQueue' } });
  });

  it('SlackConnection=socket-mode: no load balancer, listener or inbound rule; SLACK_APP_TOKEN instead of the signing secret; alarms through SQS', () => {
    expect(template.Parameters.SlackConnection).toMatchObject({
      Default: 'http',
      AllowedValues: ['http', 'socket-mode'],
    });
    expect(template.Conditions.HasPublicEndpoint).toEqual({ 'Fn::Not': [{ Condition: 'UseSocketMode' }] });
    const inbound = Object.entries(R).filter(([, r]) => r.Type.startsWith('AWS::ElasticLoadBalancingV2::'));
    expect(inbound.map(([n]) => n).sort()).toEqual(['HttpsListener', 'LoadBalancer', 'SlackAndSnsRule', 'TargetGroup']);
    for (const [name, r] of [...inbound, ['LoadBalancerSecurityGroup', R.LoadBalancerSecurityGroup] as const])
      expect({ name, condition: r.Condition }).toEqual({ name, condition: 'HasPublicEndpoint' });
    expect(template.Conditions.HasHostedZone['Fn::And'][0]).toEqual({ Condition: 'HasPublicEndpoint' });
    // Nothing may reach the tasks, and the service registers with no target group.
    expect(when('HasPublicEndpoint', R.ServiceSecurityGroup.Properties.SecurityGroupIngress, false)).toBeUndefined();
    const svc = R.Service.Properties;
    expect(when('HasPublicEndpoint', svc.LoadBalancers, false)).toBeUndefined();
    expect(when('HasPublicEndpoint', svc.HealthCheckGracePeriodSeconds, false)).toBeUndefined();
    expect(R.Service.DependsOn).toBeUndefined();
    expect(R.Service.Metadata.ListenerRule).toEqual({
      'Fn::If': ['HasPublicEndpoint', { Ref: 'SlackAndSnsRule' }, 'none'],
    });
    const secrets = when('UseSocketMode', container.Secrets).map((x: any) => x.Name);
    expect(secrets.sort()).toEqual(['DATABASE_URL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
    expect(when('UseSocketMode', container.Secrets).find((x: any) => x.Name === 'SLACK_APP_TOKEN').ValueFrom).toEqual({
      'Fn::Sub': '${BotSecretArn}:SLACK_APP_TOKEN::',
    });
    const envNames = (when('HasPublicEndpoint', container.Environment, false) as any[]).map((e) => e.Name);
    expect(envNames).not.toContain('PUBLIC_URL');
    // Socket Mode without SQS would leave alarms no way in; http without a domain and certificate, Slack none.
    const rules = template.Rules as Record<string, any>;
    expect(rules.SocketModeTakesAlarmsFromSqs).toMatchObject({
      RuleCondition: { 'Fn::Equals': [{ Ref: 'SlackConnection' }, 'socket-mode'] },
      Assertions: [{ Assert: { 'Fn::Equals': [{ Ref: 'AlarmDelivery' }, 'sqs'] } }],
    });
    expect(rules.HttpNeedsDomainAndCertificate.Assertions.map((a: any) => a.Assert)).toEqual([
      { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DomainName' }, ''] }] },
      { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CertificateArn' }, ''] }] },
    ]);
    for (const out of ['SlackRequestUrl', 'LoadBalancerDnsName'])
      expect({ out, condition: template.Outputs[out].Condition }).toEqual({ out, condition: 'HasPublicEndpoint' });
  });

  it('a conditional resource is named only where its condition holds', () => {
    const conditionOf = (name: string) => R[name]?.Condition;
    // Conditions that imply another: HasHostedZone is HasPublicEndpoint and a zone.
    const implies = (c: string | undefined, needed: string) =>
      c === needed || (c === 'HasHostedZone' && needed === 'HasPublicEndpoint');
    const check = (node: unknown, holding: string | undefined, from: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => check(n, holding, from));
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, any>;
      if (o['Fn::If']) {
        const [c, yes, no] = o['Fn::If'];
        check(yes, c, from);
        check(no, holding, from);
        return;
      }
      const target =
        typeof o.Ref === 'string' ? o.Ref : Array.isArray(o['Fn::GetAtt']) ? o['Fn::GetAtt'][0] : undefined;
      const needed = target ? conditionOf(target) : undefined;
      if (needed) expect({ from, target, ok: implies(holding, needed) }).toEqual({ from, target, ok: true });
      for (const v of Object.values(o)) check(v, holding, from);
    };
    for (const [name, r] of Object.entries(R)) check({ p: r.Properties, m: r.Metadata }, r.Condition, name);
    for (const [name, out] of Object.entries(template.Outputs as Record<string, any>))
      check(out.Value, out.Condition, name);
  });

  it('routes ECS service actions, deployment changes and stopped tasks to the topic', () => {
    const rule = R.EcsEventsRule.Properties;
    expect(rule.EventPattern.source).toEqual(['aws.ecs']);
    const types = (rule.EventPattern.$or as any[]).flatMap((p) => p['detail-type']);
    expect(types.sort()).toEqual(['ECS Deployment State Change', 'ECS Service Action', 'ECS Task State Change']);
    expect(rule.Targets).toEqual([{ Id: 'ecs-chatops-topic', Arn: { Ref: 'AlarmTopic' } }]);
  });

  it('outputs what the Slack app and the alarms need', () => {
    expect(template.Outputs.SlackRequestUrl.Value).toEqual({ 'Fn::Sub': 'https://${DomainName}/slack/events' });
    expect(template.Outputs.AlarmTopicArn.Value).toEqual({ Ref: 'AlarmTopic' });
  });
});
