import { ACTIONS } from '../../src/slack/actions';
import { blockTextLength } from '../../src/slack/block-budget';
import { LIMITS } from '../../src/slack/limits';
import { eventually } from '../approvals/harness';
import { startAlarmBot, type AlarmBot } from '../alarms/helpers';
import { labWorld, WorldError } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { buttonClick, sendEvent, sendInteraction } from '../helpers/slack-sign';
import { TRANSPORTS, type TransportKind } from '../helpers/slack-transport';
import { ALARM_CHANNEL } from '../helpers/test-bot';
import { pendingTaskAlarm } from '../notifications/fixtures';

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

async function flush(b: AlarmBot): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await b.worker.runOnce();
    const soon = (await b.store.outbox.list())
      .map((x) => Math.max(x.availableAt, x.claimedUntil ?? 0))
      .filter((t) => t <= b.clock.now() + 5000);
    if (soon.length === 0) return;
    b.clock.set(Math.min(...soon));
  }
}

function homeOpened(user: string, tab = 'home') {
  return { type: 'app_home_opened', user, channel: 'D0HOME', tab, event_ts: `${Math.floor(Date.now() / 1000)}.000200` };
}

async function command(b: AlarmBot, text: string, user: string): Promise<any> {
  const id = `c${Math.random().toString(36).slice(2, 8)}`;
  await b.transport.command({ text, user_id: user, channel_id: ALARM_CHANNEL, response_url: b.slack.responseUrl(id) });
  return (await b.slack.waitFor(() => b.slack.responsesTo(id)[0], 8000, `the answer to /ecs ${text}`)).body;
}

/** Opens the Home tab as `user` and returns the view the bot published for them. */
async function openHome(b: AlarmBot, user: string): Promise<any> {
  const before = b.slack.views.length;
  const res = await b.transport.event(homeOpened(user));
  expect(res.status).toBe(200);
  const v = await b.slack.waitFor(
    () => b.slack.views.slice(before).find((x) => x.user_id === user),
    8000,
    'views.publish',
  );
  return v.view;
}

/** A bot over the lab world with an open alarm card, acknowledged by Alice; Slack reaches it over `transport`. */
async function homeLab(transport: TransportKind): Promise<{ b: AlarmBot; lab: ReturnType<typeof labWorld> }> {
  const lab = labWorld();
  lab.world.addInstance(lab.cluster, 't3.medium');
  lab.world.addCluster('quiet-cluster', { containerInsights: 'disabled' });
  const b = await startAlarmBot({ aws: awsClientsFor(lab.world), env: { APPROVERS: BOB }, transport });
  await b.notify(
    pendingTaskAlarm({
      at: b.clock.now() - 120_000,
      name: 'lab-pending',
      cluster: 'EcsLabCluster',
      service: 'EcsLabApi',
    }),
  );
  await flush(b);
  const inc = (await b.store.incidentReactions.open(b.clock.now())).incidents[0];
  await b.store.incidents.acknowledge(inc.id, ALICE, b.clock.now());
  return { b, lab };
}

describe.each(TRANSPORTS)('the App Home tab over %s', (transport) => {
  let b: AlarmBot;
  let lab: ReturnType<typeof labWorld>;

  beforeEach(async () => {
    ({ b, lab } = await homeLab(transport));
  });

  afterEach(async () => {
    await b?.stop();
  });

  it('is published on app_home_opened with every section, within Slack limits', async () => {
    const answer = await command(b, 'scale service EcsLabCluster/EcsLabApi 2 --reason "more room"', ALICE);
    expect(answer.text).toContain('Requested');
    const view = await openHome(b, ALICE);
    expect(view.type).toBe('home');
    const json = JSON.stringify(view.blocks);

    // Open alarms: state, since when, acknowledged by.
    expect(json).toContain('Open alarms (1)');
    expect(json).toContain('*lab-pending*');
    expect(json).toContain('`EcsLabCluster/EcsLabApi`');
    expect(json).toMatch(/since <!date\^\d+\^/);
    expect(json).toContain(`acknowledged by <@${ALICE}>`);
    // Pending change requests with their buttons (Cancel only for the requester).
    expect(json).toContain('Pending change requests (1)');
    expect(json).toContain('Scale a service');
    const actionIds = view.blocks
      .filter((x: any) => x.type === 'actions')
      .flatMap((x: any) => x.elements.map((e: any) => e.action_id));
    expect(actionIds).toEqual(
      expect.arrayContaining([ACTIONS.homeApprove, ACTIONS.homeReject, ACTIONS.homeCancel, ACTIONS.homeRefresh]),
    );
    // Clusters at a glance.
    expect(json).toContain('Clusters (2)');
    expect(json).toContain(
      '`EcsLabCluster` · :large_green_circle: Insights enabled · 1 running · 0 pending · 2 instances · 1 service',
    );
    expect(json).toContain('`quiet-cluster` · :white_circle: Insights disabled');
    // Latest audited actions.
    expect(json).toContain('Latest actions');
    expect(json).toMatch(/scale-service `EcsLabCluster\/EcsLabApi` · requested · <@U0ALICE>/);

    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerView);
    expect(view.blocks.reduce((a: number, x: unknown) => a + blockTextLength(x), 0)).toBeLessThanOrEqual(
      LIMITS.cumulativeBlockText,
    );

    // Bob (not the requester) gets no Cancel button.
    const bobs = await openHome(b, BOB);
    const bobIds = bobs.blocks
      .filter((x: any) => x.type === 'actions')
      .flatMap((x: any) => x.elements.map((e: any) => e.action_id));
    expect(bobIds).toContain(ACTIONS.homeApprove);
    expect(bobIds).not.toContain(ACTIONS.homeCancel);
  });

  it('approves from the Home tab: the change runs once, the card and the tab show it', async () => {
    await command(b, 'scale service EcsLabCluster/EcsLabApi 2', ALICE);
    const [req] = await b.store.changeRequests.list({ statuses: ['pending'] });
    const before = b.slack.views.length;
    const res = await b.transport.interaction({
      ...buttonClick({
        actionId: ACTIONS.homeApprove,
        value: JSON.stringify({ id: req.id }),
        userId: BOB,
        responseUrl: '',
      }),
      container: { type: 'view', view_id: 'V1' },
      view: { id: 'V1', type: 'home' },
      channel: undefined,
      message: undefined,
      response_url: undefined,
    });
    expect(res.status).toBe(200);
    const view = await b.slack.waitFor(
      () => b.slack.views.slice(before).find((v) => v.user_id === BOB),
      8000,
      'the re-published home',
    );
    const json = JSON.stringify(view.view.blocks);
    expect(json).toContain(`You approved request \`${req.id}\``);
    expect(json).toContain('Pending change requests (0)');
    expect(lab.world.callsTo('UpdateService').map((c) => c.input.desiredCount)).toEqual([2]);
    expect((await b.store.changeRequests.get(req.id))?.status).toBe('succeeded');
    const card = b.slack.messages.get(`${ALARM_CHANNEL}:${(await b.store.changeRequests.get(req.id))?.cardTs}`);
    expect(JSON.stringify(card?.blocks)).toContain('and applied');
  });
});

describe('the App Home tab', () => {
  let b: AlarmBot;
  let lab: ReturnType<typeof labWorld>;

  beforeEach(async () => {
    ({ b, lab } = await homeLab('http'));
  });

  afterEach(async () => {
    await b?.stop();
  });

  it('publishes nothing when the Messages tab is opened', async () => {
    await sendEvent(b.url, homeOpened(ALICE, 'messages'));
    await sendEvent(b.url, homeOpened(BOB));
    await b.slack.waitFor(() => b.slack.views.find((v) => v.user_id === BOB), 8000, "Bob's home");
    expect(b.slack.views.filter((v) => v.user_id === ALICE)).toHaveLength(0);
  });

  it('shows a refused click on top of the tab and changes nothing', async () => {
    await command(b, 'scale service EcsLabCluster/EcsLabApi 2', ALICE);
    const [req] = await b.store.changeRequests.list({ statuses: ['pending'] });
    const before = b.slack.views.length;
    // Alice requested it; she may not approve her own change.
    await sendInteraction(b.url, {
      ...buttonClick({
        actionId: ACTIONS.homeApprove,
        value: JSON.stringify({ id: req.id }),
        userId: ALICE,
        responseUrl: '',
      }),
      container: { type: 'view', view_id: 'V1' },
      response_url: undefined,
    });
    const view = await b.slack.waitFor(
      () => b.slack.views.slice(before).find((v) => v.user_id === ALICE),
      8000,
      'the re-published home',
    );
    expect(JSON.stringify(view.view.blocks)).toContain('someone else must approve it');
    expect(lab.world.callsTo('UpdateService')).toHaveLength(0);
    expect((await b.store.changeRequests.get(req.id))?.status).toBe('pending');
  });

  it('says which section could not be read instead of failing the whole tab', async () => {
    lab.world.failNext('ListClusters', () => new WorldError('AccessDeniedException', 'no'), 5);
    const view = await openHome(b, ALICE);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain(':warning: Clusters: ');
    expect(json).toContain('ecs:ListClusters');
    expect(json).toContain('*lab-pending*');
  });

  it('reads the clusters at most once per 30 s however often the tab opens', async () => {
    await openHome(b, ALICE);
    await openHome(b, BOB);
    expect(lab.world.callsTo('DescribeClusters')).toHaveLength(1);
    b.clock.advance(31_000);
    await openHome(b, ALICE);
    await eventually(() => lab.world.callsTo('DescribeClusters').length === 2, 'a fresh cluster read');
  });
});
