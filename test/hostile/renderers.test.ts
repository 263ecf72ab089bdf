import type { ClusterSummary, ServiceSummary } from '../../src/ecs/model';
import { diagnose } from '../../src/ecs/diagnosis';
import { renderAlarmCard, renderPlainCard, cardText } from '../../src/alarms/render/alarm-card';
import { renderDigest } from '../../src/alarms/render/alarm-digest';
import { renderNote, renderThreadLines } from '../../src/alarms/render/alarm-thread';
import { renderAlarmList } from '../../src/alarm-admin/render/alarm-list';
import { renderAuditLog } from '../../src/approvals/render/audit-log';
import {
  progressText,
  renderChangeCard,
  renderDryRun,
  requestPostedText,
  type ChangeCardView,
} from '../../src/approvals/render/change-request';
import { renderInsightsSetting } from '../../src/approvals/render/insights-setting';
import { renderScaleSuggestions } from '../../src/approvals/render/scale-suggestions';
import { renderDiagnosis, renderRecoveredLine, renderWatchExpiredLine } from '../../src/diagnose/render';
import { renderDoctorReport } from '../../src/doctor/render';
import { result } from '../../src/doctor/types';
import { renderHome } from '../../src/home/render';
import { parseNotification } from '../../src/notifications/parse';
import type { Notification } from '../../src/notifications/types';
import {
  insightsDisabledText,
  notInChannelNote,
  renderQueryCancelledRemote,
  renderQueryEnded,
  renderQueryHelp,
  renderQueryProgress,
  renderQueryResult,
  type QueryView,
} from '../../src/queries/render';
import { muteQuestion } from '../../src/reactions/listeners';
import { answer } from '../../src/alarms/buttons';
import { mentionReplyText } from '../../src/mention/feature';
import { renderError, renderHelp } from '../../src/slack/commands/help';
import type { Subcommand } from '../../src/context';
import { renderCluster, renderOverview, renderService } from '../../src/status/render/status';
import type { Incident, IncidentEvent } from '../../src/store/incidents';
import { NotFoundError, UsageError } from '../../src/errors';
import { samplePlan } from '../approvals/fixtures';
import { labIncidentInput } from '../ecs/diagnosis-fixtures';
import { ecsEvent, pendingTaskAlarm } from '../notifications/fixtures';
import { HOSTILE, HOSTILE_TEXT, unsafeParts } from './safe-mrkdwn';

/**
 * Every renderer, fed hostile text in every field that comes from AWS or from a user, checked the way
 * Slack reads the result: the blocks, and the top-level `text` fallback too (notifications, the
 * channel list and screen readers show it, and Slack parses it as mrkdwn: a raw `<!channel>` there
 * pings the channel however carefully the blocks were escaped).
 */

const NOW = Date.parse('2024-05-01T10:05:00Z');
/**
 * Hostile text appended to a realistic value, so renderers that look at the value still work. The
 * bidi part comes first too, so that text cut short (a header, a button) still carries it.
 */
const H = (s = '') => `${s} ${HOSTILE.bidi} ${HOSTILE_TEXT}`.trim();
const USERS = { users: ['U0ALICE', 'U0BOB'] };

type Msg = { text?: string; blocks?: unknown[]; attachments?: unknown[] };
const textOnly = (text: string): Msg => ({ text });

function note(message: unknown, subject?: string): Notification {
  return parseNotification(
    {
      Message: typeof message === 'string' ? message : JSON.stringify(message),
      MessageId: 'm',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Subject: subject,
      Timestamp: '2024-05-01T10:00:00Z',
    },
    NOW,
  );
}

function incident(n: Notification): Incident {
  return {
    id: 'abc123',
    alarmKey: n.key,
    seq: 1,
    kind: n.kind,
    name: n.name,
    state: n.state === 'INFO' ? 'OK' : n.state,
    stateAt: n.at,
    firedAt: n.at,
    alarmSince: n.state === 'ALARM' ? n.at : undefined,
    alarmMs: 0,
    flaps: 0,
    updates: 1,
    cluster: n.cluster,
    service: n.service,
    channel: 'C1',
    version: 1,
    renderedVersion: 0,
    notification: n,
    createdAt: n.at,
    updatedAt: n.at,
  };
}

const hostileAlarm = () =>
  note({
    ...pendingTaskAlarm({ name: H('lab-api-pending'), at: NOW - 60_000 }),
    AlarmDescription: H('Runbook:'),
    NewStateReason: H('Threshold Crossed:'),
  });
const hostileEcsEvent = () =>
  note(
    ecsEvent(
      'ECS Deployment State Change',
      {
        eventType: 'ERROR',
        eventName: 'SERVICE_DEPLOYMENT_FAILED',
        deploymentId: 'ecs-svc/0123456789012345678',
        updatedAt: new Date(NOW - 1000).toISOString(),
        reason: H('ECS deployment circuit breaker:'),
      },
      { time: new Date(NOW - 1000).toISOString() },
    ),
  );
const hostileRaw = () => note(H('Not JSON:'), H('Subject'));

const cluster = (name = H('lab')): ClusterSummary => ({
  name,
  arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/lab',
  status: 'ACTIVE',
  containerInsights: 'enabled',
  registeredInstances: 1,
  runningTasks: 1,
  pendingTasks: 1,
  activeServices: 1,
  capacityProviders: [],
});
const service = (): ServiceSummary => ({
  name: H('api'),
  arn: 'arn:aws:ecs:us-east-1:123456789012:service/lab/api',
  cluster: H('lab'),
  status: 'ACTIVE',
  desired: 2,
  running: 1,
  pending: 1,
  launchType: 'EC2',
  capacityProviderStrategy: [],
  taskDefinition: H('api:1'),
  deployments: [],
  events: [{ id: 'e1', at: NOW - 1000, message: H('(service api) was unable to place a task') }],
});

const queryView = (): QueryView => ({
  queryId: '12ab34cd-0000-4000-8000-000000000001',
  cluster: H('prod'),
  preset: H('cpu'),
  query: H('fields @message'),
  sinceLabel: '1h',
  startMs: NOW - 3600_000,
  endMs: NOW,
  requester: 'U0ALICE',
  limit: 1000,
});
const stats = { recordsScanned: 10, recordsMatched: 2, bytesScanned: 1000 };

const changeView = (status: ChangeCardView['status']): ChangeCardView => ({
  id: 'req000001',
  status,
  plan: samplePlan({
    cluster: H('lab'),
    service: H('api'),
    target: H('lab/api'),
    summary: H('Scale service lab/api from 1 to 4 tasks'),
    current: { value: 1, label: H('1 task') },
    requested: { value: 4, label: H('4 tasks') },
    details: [H('Running 1')],
    effects: [H('effect')],
    warnings: [H('warning')],
  }),
  requestedBy: 'U0ALICE',
  reason: H('deploy'),
  createdAt: NOW,
  expiresAt: NOW + 900_000,
  decidedBy: status === 'pending' ? undefined : 'U0BOB',
  decidedAt: status === 'pending' ? undefined : NOW,
  finishedAt: status === 'succeeded' || status === 'failed' ? NOW : undefined,
  resultSummary: status === 'succeeded' ? H('done') : undefined,
  error: status === 'failed' ? H('AccessDenied') : undefined,
});

const subcommands: Subcommand[] = [
  {
    name: 'query',
    usage: 'query <preset>|"<raw query>" [--since 1h] [--cluster <name>]',
    summary: H('Logs Insights'),
    run: async () => undefined,
  } as unknown as Subcommand,
];

const cases: [string, () => Msg][] = [
  [
    'alarm card (CloudWatch alarm)',
    () => renderAlarmCard(incident(hostileAlarm()), { now: NOW, defaultRegion: 'us-east-1' }),
  ],
  [
    'alarm card (ECS event)',
    () => renderAlarmCard(incident(hostileEcsEvent()), { now: NOW, defaultRegion: 'us-east-1' }),
  ],
  ['alarm card (raw message)', () => renderAlarmCard(incident(hostileRaw()), { now: NOW, defaultRegion: 'us-east-1' })],
  ['plain fallback card', () => renderPlainCard(incident(hostileAlarm()))],
  ['card fallback text', () => textOnly(cardText(incident(hostileRaw())))],
  [
    'storm digest',
    () =>
      renderDigest([incident(hostileAlarm()), incident(hostileEcsEvent()), incident(hostileRaw())], {
        now: NOW,
        threshold: 2,
      }),
  ],
  [
    'thread lines',
    () =>
      renderThreadLines(
        (['state', 'late', 'info', 'repeat'] as const).map((kind, i): IncidentEvent => ({
          id: i,
          incidentId: 'abc123',
          at: NOW,
          kind,
          state: 'ALARM',
          text: H('ALARM again:'),
          posted: false,
        })),
      ),
  ],
  ['subscription note', () => renderNote('unsubscribed', H('arn:aws:sns:us-east-1:1:t'))],
  ['change card (pending)', () => renderChangeCard(changeView('pending'))],
  ['change card (succeeded)', () => renderChangeCard(changeView('succeeded'))],
  ['change card (failed)', () => renderChangeCard(changeView('failed'))],
  [
    'dry run',
    () =>
      renderDryRun(changeView('pending').plan, { requestedBy: 'U0ALICE', reason: H('r'), command: H('/ecs scale') }),
  ],
  ['request posted reply', () => textOnly(requestPostedText(changeView('pending').plan, 'req000001'))],
  [
    'rollout line',
    () =>
      textOnly(
        progressText({ kind: 'service', target: H('lab/api'), desired: 4, desiredNow: 4, running: 1, pending: 3 }),
      ),
  ],
  [
    'audit log',
    () =>
      renderAuditLog(
        [
          {
            at: NOW,
            actor: 'U0ALICE',
            action: H('scale-service'),
            target: H('lab/api'),
            outcome: 'failed',
            approver: 'U0BOB',
            error: H('AccessDenied'),
          },
        ],
        { requested: 20 },
      ),
  ],
  [
    'Scale… suggestions',
    () =>
      renderScaleSuggestions({
        cluster: H('lab'),
        service: { name: H('api'), desired: 1, running: 1, pending: 1 },
        group: { name: H('asg'), desired: 1, inService: 1, min: 1, max: 3 },
        suggestions: [
          {
            label: H('2 tasks'),
            value: { a: 'scale-service', c: 'lab', s: 'api', n: 2 } as never,
            command: H('/ecs scale service lab/api 2'),
          },
        ],
      }),
  ],
  [
    'Scale… with nothing to suggest',
    () => renderScaleSuggestions({ cluster: H('lab'), groupNote: H('no group'), suggestions: [] }),
  ],
  ['insights setting', () => renderInsightsSetting(cluster())],
  ['diagnosis', () => diagnosisMessage()],
  ['diagnosis recovered line', () => textOnly(renderRecoveredLine(watchLine()))],
  ['diagnosis watch expired line', () => textOnly(renderWatchExpiredLine(watchLine()))],
  [
    'doctor report',
    () =>
      renderDoctorReport({
        region: H('us-east-1'),
        at: NOW,
        results: [
          result('x', H('Check'), 'fail', H('detail'), H('fix'), H('aws ecs')),
          result('y', H('Other'), 'pass', H('fine')),
        ],
      }),
  ],
  [
    'Home tab',
    () =>
      renderHome({
        now: NOW,
        userId: 'U0ALICE',
        alarms: { items: [openAlarm()], total: 1 },
        changes: {
          items: [
            {
              id: 'req000001',
              action: 'scale-service',
              summary: H('Scale'),
              target: H('lab/api'),
              requestedBy: 'U0ALICE',
              reason: H('r'),
              createdAt: NOW,
              expiresAt: NOW + 1000,
              warnings: 1,
            },
          ],
          total: 1,
        },
        clusters: {
          items: [
            {
              name: H('lab'),
              containerInsights: 'enabled',
              runningTasks: 1,
              pendingTasks: 0,
              registeredInstances: 1,
              activeServices: 1,
            },
          ],
          total: 1,
        },
        audit: {
          items: [{ at: NOW, actor: 'U0ALICE', action: H('a'), target: H('t'), outcome: 'failed', error: H('e') }],
          total: 1,
        },
      }),
  ],
  [
    'open alarms list',
    () =>
      renderAlarmList({
        now: NOW,
        alarms: [openAlarm(), { ...openAlarm(), id: 'cw:x', knownToBot: false, channel: undefined }],
        knownTotal: 1,
        cloudwatchOnly: 1,
        cloudwatchError: H('Throttling'),
        truncated: false,
      }),
  ],
  ['/ecs help', () => renderHelp(subcommands)],
  [
    'status overview',
    () => renderOverview({ region: H('us-east-1'), at: NOW, clusters: [cluster()], util: new Map() }),
  ],
  [
    'status of a cluster',
    () =>
      renderCluster({
        at: NOW,
        cluster: cluster(),
        services: [service()],
        serviceUtil: new Map(),
        instances: [],
        metricsError: H('AccessDenied'),
      }),
  ],
  [
    'status of a service',
    () => renderService({ at: NOW, cluster: cluster(), service: service(), tasks: [], tasksTotal: 0 }),
  ],
  [
    'query progress',
    () => renderQueryProgress(queryView(), { status: H('Running'), stats, elapsedMs: 1000, note: notInChannelNote() }),
  ],
  [
    'query result',
    () =>
      renderQueryResult(
        queryView(),
        { fields: [H('name')], rows: [{ [H('name')]: H('value') }], stats, elapsedMs: 1 },
        'none',
      ),
  ],
  ['query failed', () => renderQueryEnded(queryView(), { kind: 'failed', detail: H() }, { stats, elapsedMs: 1 })],
  [
    'query cancelled elsewhere',
    () => renderQueryCancelledRemote({ cluster: H('prod'), requester: 'U0ALICE', by: H('U0BOB') }),
  ],
  ['query presets', () => renderQueryHelp([{ name: H('cpu'), summary: H(), query: H('fields') }], H('query'))],
  ['query: Container Insights off', () => textOnly(insightsDisabledText(H('prod'), H('/aws/ecs/containerinsights')))],
  [
    'Acknowledge / Silence answers',
    () =>
      textOnly(
        [
          answer('ack', 'ack', { incident: { ...incident(hostileAlarm()), ackBy: 'U0BOB' }, changed: false }),
          answer('silence', 'silence', { incident: incident(hostileAlarm()), changed: true }),
        ].join('\n'),
      ),
  ],
  ['reply to a mention', () => textOnly(mentionReplyText('U0ALICE', `<@UBOT> ${H('status')}`))],
  ['reply to a mention from a user id that is not one', () => textOnly(mentionReplyText(H('U1'), 'hi'))],
  ['mute question', () => muteQuestion({ id: 'abc123', name: H('alarm') }, H('alarm'), [H('arn:aws:autoscaling')])],
];

function watchLine() {
  return { cluster: H('lab'), service: H('api'), desired: 2, running: 1, pending: 1, elapsedMs: 60_000 };
}

function diagnosisMessage(): Msg {
  const d = diagnose(labIncidentInput());
  return renderDiagnosis(
    {
      ...d,
      cluster: H('lab'),
      service: H('api'),
      headline: H(d.headline),
      findings: d.findings.map((f) => ({ ...f, title: H(f.title), detail: H(f.detail), evidence: [H()] })),
      recommendation: d.recommendation && { ...d.recommendation, summary: H(d.recommendation.summary) },
      gaps: [H('gap')],
    },
    { requestedBy: 'U0ALICE' },
  );
}

function openAlarm() {
  return {
    id: 'inc1',
    name: H('alarm'),
    state: 'ALARM' as const,
    level: 'critical' as const,
    kind: 'alarm' as const,
    since: NOW - 60_000,
    cluster: H('lab'),
    service: H('api'),
    reason: H('Threshold Crossed'),
    channel: 'C0ALARMS',
    cardTs: '1700000001.000001',
    knownToBot: true,
  };
}

describe('every renderer with hostile text from AWS and users', () => {
  it.each(cases)('%s: blocks and the text fallback are safe', (_name, render) => {
    const msg = render();
    expect(unsafeParts(msg, USERS)).toEqual([]);
  });

  it.each(cases.filter(([, render]) => typeof render().text === 'string'))(
    '%s: the text fallback carries no live mention, link or bidi control',
    (_name, render) => {
      const text = render().text as string;
      expect(unsafeParts({ text }, USERS)).toEqual([]);
      expect(text).not.toMatch(/<!channel>|<!here>|<!subteam|<https?:|<@U0BOSS>|<#C/);
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    },
  );

  it('an error quoting a hostile name: no live mention, link or bidi control in it', () => {
    // Error messages are the bot's own sentences, whose `code spans` are kept (escapeOwnText), so a
    // backtick in a quoted name may unbalance one: cosmetic, and only the asker sees it. Nothing else may get through.
    const msg = renderError(new NotFoundError(`cluster "${H('lab')}" does not exist`, [H('lab2')]), subcommands[0]);
    const problems = unsafeParts(msg, USERS).flatMap((p) => p.problems);
    expect(problems.filter((p) => !/unbalanced/.test(p))).toEqual([]);
    expect(msg.text).toContain('&lt;!channel&gt;');
    const usage = renderError(new UsageError('bad flag', H('query <preset>')), subcommands[0]);
    expect(
      unsafeParts(usage, USERS)
        .flatMap((p) => p.problems)
        .filter((p) => !/unbalanced/.test(p)),
    ).toEqual([]);
    expect(usage.text).toContain('&lt;preset&gt;');
  });

  it('the hostile text is shown escaped, not dropped', () => {
    const all = cases.map(([, render]) => JSON.stringify(render())).join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('gnp.exe');
    expect(HOSTILE.bidi).toContain('\u202E');
  });
});
