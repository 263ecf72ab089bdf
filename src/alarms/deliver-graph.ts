import type { OutboxItem } from '../store/outbox';
import type { MessageGraph } from '../store/message-graphs';
import type { Incident } from '../store/incidents';
import {
  graphRenderer,
  isFileRefusal,
  isUploadDenied,
  shareInThread,
  slackCode,
  uploadPrivate,
  type GraphSpec,
} from '../graphs/api';
import { renderAlarmCard } from './render/alarm-card';
import { cardOptions, graphOf } from './deliver-card';
import { DONE, type Delivery, type DeliveryEnv } from './delivery-types';
import { classifySlackError, sending } from './slack-errors';
import { wellFormedDeep } from '../util/well-formed';
import { alarmClients, originOf } from '../slack/commands/scope-flags';
import { ScopeError } from '../aws/scope';
import type { AwsClients } from '../aws/clients';

/** Slack may refuse a fresh file this many times (1, 2, 4 s apart) before the image goes to the thread. */
export const FILE_REFUSALS = 4;
/** A busy renderer (a storm of renders) is asked again after this long. */
const BUSY_RETRY_MS = 5_000;

/** PNGs uploaded but not yet accepted, kept for the thread fallback so it needs no second render. */
const pendingPngs = new Map<string, Buffer>();
function keepPng(fileId: string, png: Buffer): void {
  pendingPngs.set(fileId, png);
  while (pendingPngs.size > 16) pendingPngs.delete(pendingPngs.keys().next().value as string);
}

const errFields = (err: unknown) => ({ name: (err as Error)?.name, code: slackCode(err) });

/**
 * Puts the alarm's graph in its card: renders the metric around the state change (GetMetricWidgetImage,
 * under the shared cap and at most once a minute per card), uploads it without sharing it, and adds it
 * to the card with a chat.update naming the file. Slack refuses a fresh file for a moment: the update is
 * tried again 1, 2 and 4 s later, and then the image is shared into the thread instead. When the bot may
 * not render or upload, the card says so once in its footer. The card itself never waits for any of it.
 */
export async function deliverGraph(item: OutboxItem, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, log } = env;
  const now = ctx.clock.now();
  const inc = item.incidentId ? await ctx.store.incidents.get(item.incidentId) : undefined;
  if (!inc?.cardTs || !inc.channel || inc.cardKind === 'digest' || inc.notification.kind !== 'alarm') return DONE;
  const spec = graphOf(inc, now);
  if (!spec) return DONE;
  const g: MessageGraph = (await ctx.store.messageGraphs.get(inc.channel, inc.cardTs)) ?? {
    channel: inc.channel,
    ts: inc.cardTs,
    attempts: 0,
    sharedInThread: false,
    updatedAt: now,
  };
  if (g.pendingFileId && g.renderedFor === inc.state) return attach(inc, g, spec, env);
  if (g.renderedFor === inc.state && !g.pendingFileId) return DONE;

  const done = (patch: Partial<MessageGraph>) =>
    ctx.store.messageGraphs.put({ ...g, ...patch, renderedFor: inc.state, renderedAt: now, updatedAt: now });
  // The graph is drawn in the alarm's own account and region (its metric lives there). An account the
  // bot is not configured for gets no graph, and the card's footer says so once.
  let cloudwatch: AwsClients['cloudwatch'];
  try {
    cloudwatch = await alarmCloudWatch(inc, env);
  } catch (err) {
    if (!(err instanceof ScopeError)) throw err;
    log.info(
      { incident: inc.id },
      'metric graph not drawn: the alarm is from an account or region the bot is not configured for',
    );
    const first = g.problem !== 'account-unconfigured';
    await done({ pendingFileId: undefined, problem: 'account-unconfigured' });
    if (first) await updateCard(inc, env);
    return DONE;
  }
  const renderer = graphRenderer(ctx);
  const key = `${inc.channel}:${inc.cardTs}`;
  if ((await renderer.nextRenderAt(key)) > now && !g.fileId) {
    // The last render of this card, under a minute ago, gave no picture: waiting a minute for another
    // try is not worth holding the card's delivery open; the next change tries again.
    await done({});
    return DONE;
  }
  const r = await renderer.render(key, spec.widget, cloudwatch);
  if (r.kind === 'limited') return { deferUntil: r.until };
  if (r.kind === 'busy') return { deferUntil: now + BUSY_RETRY_MS };
  if (r.kind === 'denied' || r.kind === 'failed') {
    log.info(
      { incident: inc.id, code: r.code },
      r.kind === 'denied'
        ? 'metric graph not drawn: the bot may not call cloudwatch:GetMetricWidgetImage (the card says so)'
        : 'metric graph not attached (the card is unaffected)',
    );
    if (r.kind === 'failed') {
      await done({ pendingFileId: undefined });
      return DONE;
    }
    const first = g.problem !== 'metrics-denied';
    await done({ pendingFileId: undefined, problem: 'metrics-denied' });
    if (first) await updateCard(inc, env);
    return DONE;
  }

  let fileId: string;
  try {
    fileId = await uploadPrivate(ctx.slack, r.png, spec.title);
  } catch (err) {
    if (isUploadDenied(err)) {
      log.info({ incident: inc.id, code: slackCode(err) }, 'metric graph not attached: the bot may not upload files');
      const first = g.problem !== 'upload-denied';
      await done({ pendingFileId: undefined, problem: 'upload-denied' });
      if (first) await updateCard(inc, env);
      return DONE;
    }
    log.info({ incident: inc.id, err: errFields(err) }, 'metric graph upload failed (the card is unaffected)');
    if (classifySlackError(err).class === 'transient') throw err;
    await done({ pendingFileId: undefined });
    return DONE;
  }
  keepPng(fileId, r.png);
  const next: MessageGraph = {
    ...g,
    pendingFileId: fileId,
    attempts: 0,
    problem: undefined,
    renderedFor: inc.state,
    renderedAt: now,
    updatedAt: now,
  };
  await ctx.store.messageGraphs.put(next);
  return attach(inc, next, spec, env);
}

/** The card updated with the pending file; tried again while Slack refuses the fresh file, then the thread. */
async function attach(inc: Incident, g: MessageGraph, spec: GraphSpec, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, log } = env;
  const now = ctx.clock.now();
  const fileId = g.pendingFileId as string;
  try {
    await updateCard(inc, env, fileId);
  } catch (err) {
    if (classifySlackError(err).gone) return DONE;
    if (!isFileRefusal(err)) throw err;
    const attempts = g.attempts + 1;
    if (attempts < FILE_REFUSALS) {
      await ctx.store.messageGraphs.put({ ...g, attempts, updatedAt: now });
      log.debug({ incident: inc.id, attempts }, 'Slack refused the fresh graph file; trying again shortly');
      return { deferUntil: now + 1000 * 2 ** (attempts - 1) };
    }
    return toThread(inc, g, spec, env);
  }
  await ctx.store.messageGraphs.put({ ...g, fileId, pendingFileId: undefined, attempts: 0, updatedAt: now });
  pendingPngs.delete(fileId);
  log.info({ incident: inc.id, file: fileId }, 'metric graph shown in the alarm card');
  return DONE;
}

/** Slack kept refusing the file in the card: the image goes into the card's thread, where it always shows. */
async function toThread(inc: Incident, g: MessageGraph, spec: GraphSpec, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, log } = env;
  const now = ctx.clock.now();
  const fileId = g.pendingFileId as string;
  let png = pendingPngs.get(fileId);
  if (!png) {
    const r = await graphRenderer(ctx).render(
      `${inc.channel}:${inc.cardTs}`,
      spec.widget,
      await alarmCloudWatch(inc, env),
    );
    if (r.kind === 'limited') return { deferUntil: r.until };
    if (r.kind === 'busy') return { deferUntil: now + BUSY_RETRY_MS };
    if (r.kind !== 'png') {
      await ctx.store.messageGraphs.put({ ...g, pendingFileId: undefined, updatedAt: now });
      return DONE;
    }
    png = r.png;
  }
  await shareInThread(ctx.slack, png, { channel: inc.channel as string, threadTs: inc.cardTs, title: spec.title });
  await ctx.store.messageGraphs.put({ ...g, pendingFileId: undefined, sharedInThread: true, updatedAt: now });
  pendingPngs.delete(fileId);
  log.warn(
    { incident: inc.id, file: fileId, attempts: g.attempts + 1 },
    'Slack kept refusing the graph in the alarm card; shared it into the thread instead',
  );
  return DONE;
}

/** The CloudWatch client of the alarm's account and region (the default one for a single-account install). */
async function alarmCloudWatch(inc: Incident, env: DeliveryEnv): Promise<AwsClients['cloudwatch']> {
  return (await alarmClients(env.ctx, originOf(inc.notification))).cloudwatch;
}

/** chat.update of the card from its latest state, with `fileId` as its image when given (no fallback here: the caller decides). */
async function updateCard(inc: Incident, env: DeliveryEnv, fileId?: string): Promise<void> {
  const { ctx } = env;
  const o = await cardOptions(inc, env, fileId);
  const msg = wellFormedDeep(renderAlarmCard(inc, o));
  await sending(() =>
    ctx.slack.chat.update({ channel: inc.channel as string, ts: inc.cardTs as string, ...msg } as never),
  );
}
