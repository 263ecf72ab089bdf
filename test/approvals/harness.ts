import type { Worker } from '../../src/context';
import { ACTIONS } from '../../src/slack/actions';
import type { ChangeRequest } from '../../src/store/change-requests';
import { labWorld } from '../helpers/aws-world';
import { awsClientsFor } from '../helpers/aws-world-clients';
import { eventually } from '../helpers/eventually';
import type { FakeSlack, StoredMessage } from '../helpers/fake-slack';
import { buttonClick } from '../helpers/slack-sign';
import type { TransportKind } from '../helpers/slack-transport';
import { startTestBot, ALARM_CHANNEL, type TestBot, type TestBotOptions } from '../helpers/test-bot';
import { ManualClock } from './fixtures';

export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';
export const CAROL = 'U0CAROL';
export const MALLORY = 'U0MALLORY';
export const CHANNEL = ALARM_CHANNEL;

export { eventually };

export interface Harness {
  t: TestBot;
  lab: ReturnType<typeof labWorld>;
  clock: ManualClock;
  follower: Worker;
  expiry: Worker;
  /** Sends /ecs <text> as `user`; resolves with the first response_url post. */
  command(text: string, user?: string): Promise<any>;
  /** Clicks a button as `user`; resolves with the ephemeral reply, if any arrives (else undefined after the work settles). */
  click(actionId: string, value: string, user: string, o?: { messageTs?: string; expectReply?: boolean }): Promise<any>;
  /** The approval card of a request, as the fake Slack holds it now. */
  card(id: string): Promise<StoredMessage>;
  request(id: string): Promise<ChangeRequest>;
  /** Waits until the request reached `status` and its card shows it (the last step of every decision). */
  settled(id: string, status: ChangeRequest['status']): Promise<ChangeRequest>;
  /** Requests through /ecs and returns the new request id (waits for the card). */
  requestVia(text: string, user?: string): Promise<string>;
  stop(): Promise<void>;
}

export function workersOf(t: TestBot): { follower: Worker; expiry: Worker } {
  const f = t.bot.features.find((x) => x.name === 'approvals');
  if (!f?.workers) throw new Error('approvals feature not registered');
  return {
    follower: f.workers.find((w) => w.name === 'rollout-follower')!,
    expiry: f.workers.find((w) => w.name === 'change-expiry')!,
  };
}

export function cardText(m: StoredMessage): string {
  return JSON.stringify(m.blocks ?? []);
}

export function buttonsOf(m: StoredMessage): string[] {
  return (m.blocks ?? [])
    .filter((b: any) => b.type === 'actions')
    .flatMap((b: any) => b.elements.map((e: any) => e.action_id));
}

/** Starts the bot over the lab world, with workers driven by hand and a clock moved by hand. */
export async function startHarness(
  o: {
    env?: Record<string, string | undefined>;
    lab?: ReturnType<typeof labWorld>;
    slack?: FakeSlack;
    store?: TestBotOptions['store'];
    clock?: ManualClock;
    /** How Slack reaches the bot (default signed HTTP). */
    transport?: TransportKind;
  } = {},
): Promise<Harness> {
  const lab = o.lab ?? labWorld();
  const clock = o.clock ?? new ManualClock(lab.world.now);
  const t = await startTestBot({
    env: { APPROVERS: `${BOB},${CAROL}`, ...o.env },
    aws: awsClientsFor(lab.world),
    clock,
    noWorkers: true,
    slack: o.slack,
    store: o.store,
    transport: o.transport,
    inject: { approvals: { pollIntervalMs: 15_000, instanceId: `test-${Math.random().toString(36).slice(2, 8)}` } },
  });
  const { follower, expiry } = workersOf(t);
  let n = 0;
  const h: Harness = {
    t,
    lab,
    clock,
    follower,
    expiry,
    async command(text, user = ALICE) {
      const id = `cmd${++n}`;
      const res = await t.transport.command({
        text,
        user_id: user,
        channel_id: CHANNEL,
        response_url: t.slack.responseUrl(id),
      });
      if (res.status !== 200) throw new Error(`command answered ${res.status}`);
      if (res.body?.text) return res.body;
      return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, `the answer to /ecs ${text}`)).body;
    },
    async click(actionId, value, user, c = {}) {
      const id = `click${++n}`;
      const res = await t.transport.interaction(
        buttonClick({
          actionId,
          value,
          userId: user,
          channelId: CHANNEL,
          messageTs: c.messageTs,
          responseUrl: t.slack.responseUrl(id),
        }),
      );
      if (res.status !== 200) throw new Error(`click answered ${res.status}`);
      if (c.expectReply === false) return undefined;
      return (await t.slack.waitFor(() => t.slack.responsesTo(id)[0], 8000, `the reply to a ${actionId} click`)).body;
    },
    async card(id) {
      const r = await h.request(id);
      const m = t.slack.messages.get(`${r.cardChannel}:${r.cardTs}`);
      if (!m) throw new Error(`no card for ${id}`);
      return m;
    },
    async request(id) {
      const r = await t.store.changeRequests.get(id);
      if (!r) throw new Error(`no request ${id}`);
      return r;
    },
    async settled(id, status) {
      const marker: Record<string, string> = {
        succeeded: 'and applied',
        failed: 'failed',
        rejected: 'Rejected by',
        cancelled: 'Cancelled by',
        expired: 'Expired',
      };
      return eventually(async () => {
        const r = await h.request(id);
        if (r.status !== status) return undefined;
        const m = r.cardTs ? t.slack.messages.get(`${r.cardChannel}:${r.cardTs}`) : undefined;
        return m && JSON.stringify(m.blocks ?? []).includes(marker[status] ?? status) ? r : undefined;
      }, `request ${id} to be ${status} with its card updated`);
    },
    async requestVia(text, user = ALICE) {
      const answer = await h.command(text, user);
      const m = /request `([A-Za-z0-9_-]+)`/.exec(answer.text ?? '');
      if (!m) throw new Error(`no request id in: ${answer.text}`);
      return m[1];
    },
    stop: () => t.stop(),
  };
  return h;
}

export const decision = (id: string) => JSON.stringify({ id });
export { ACTIONS };

/** The approval card of a pending request, checked as every one must be: in the channel, with Approve, Reject and Cancel. */
export async function pendingCard(h: Harness, id: string): Promise<StoredMessage> {
  const card = await h.card(id);
  expect(card.channel).toBe(CHANNEL);
  expect(buttonsOf(card)).toEqual([ACTIONS.changeApprove, ACTIONS.changeReject, ACTIONS.changeCancel]);
  return card;
}

/**
 * Bob approves from the card; resolves once the request succeeded and the card says so, with the card
 * as it is then (its buttons gone).
 */
export async function approveAndApply(h: Harness, id: string, card: StoredMessage): Promise<StoredMessage> {
  await h.click(ACTIONS.changeApprove, decision(id), BOB, { messageTs: card.ts, expectReply: false });
  await h.settled(id, 'succeeded');
  const done = await eventually(async () => {
    const c = await h.card(id);
    return cardText(c).includes('Approved by <@U0BOB>* and applied') && c;
  }, 'the card to show the result');
  expect(buttonsOf(done)).toEqual([]);
  return done;
}

/** The lines of the rollout thread under `card`, read anew at each call, once its start line is there. */
export async function rolloutThread(h: Harness, card: StoredMessage): Promise<() => string[]> {
  const thread = () => h.t.slack.repliesTo(CHANNEL, card.ts).map((m) => m.text ?? '');
  await eventually(() => thread().some((t) => t.includes('Following the rollout')), 'the start line');
  return thread;
}
