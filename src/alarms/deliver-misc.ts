import { GetMetricWidgetImageCommand } from '@aws-sdk/client-cloudwatch';
import { renderDigest, renderPlainDigest } from './render/alarm-digest';
import { renderNote, type ChannelNoteKind } from './render/alarm-thread';
import type { OutboxItem } from '../store/outbox';
import { metricWidgetFor } from './graph';
import { DONE, type Delivery, type DeliveryEnv } from './delivery-types';
import { sendWithFallback } from './send-with-fallback';
import { sending } from './slack-errors';
import { DIGEST_EVENT_TYPE, digestMetadata, findUnheardPost } from './card-adoption';

/**
 * Posts or updates one storm digest from the current state of the incidents it lists; as plain text
 * when Slack refuses its blocks, so that the alarms it lists are seen either way.
 */
export async function deliverDigest(item: OutboxItem, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, pacer } = env;
  const now = ctx.clock.now();
  const id = typeof item.payload.digestId === 'string' ? item.payload.digestId : undefined;
  const digest = id ? await ctx.store.incidents.getDigest(id) : undefined;
  if (!digest) return DONE;
  const incidents = await ctx.store.incidents.byDigest(digest.id);
  if (incidents.length === 0) return DONE;
  const threshold = ctx.config.stormThreshold;
  const send = <T>(call: (msg: Record<string, unknown>) => Promise<T>) =>
    sendWithFallback({
      render: () => ({ ...renderDigest(incidents, { now, threshold }) }),
      plain: () => renderPlainDigest(incidents, { threshold }),
      send: call,
      log: env.log,
      what: 'storm digest',
      fields: { digest: digest.id, alarms: incidents.length },
    });
  const metadata = digestMetadata(digest.id);
  if (!digest.ts) {
    // An earlier attempt may have reached Slack unheard: adopt that digest rather than post a second one.
    const attemptAt = await ctx.store.incidents.postAttemptAt('digest', digest.id);
    const found =
      attemptAt === undefined
        ? undefined
        : await findUnheardPost(
            {
              channel: digest.channel,
              attemptAt,
              eventType: DIGEST_EVENT_TYPE,
              matches: (p) => p.digest_id === digest.id,
              what: 'storm digest',
              fields: { digest: digest.id },
            },
            env,
          );
    const ts = found?.ts;
    if (ts) {
      await ctx.store.incidents.setDigestTs(digest.id, ts);
      env.log.info(
        { digest: digest.id, channel: digest.channel, ts },
        'storm digest found in the channel after an unheard post; updating it instead of posting again',
      );
      digest.ts = ts;
    }
  }
  if (digest.ts) {
    await send((msg) =>
      ctx.slack.chat.update({ channel: digest.channel, ts: digest.ts as string, ...msg, metadata } as never),
    );
    return DONE;
  }
  if (!pacer.ready(digest.channel, now)) return { deferUntil: pacer.readyAt(digest.channel) };
  pacer.posted(digest.channel, now);
  // From here until its ts is stored, Slack may hold the digest without the bot knowing.
  await ctx.store.incidents.markPostAttempt('digest', digest.id, now);
  const res = await send((msg) =>
    ctx.slack.chat.postMessage({ channel: digest.channel, ...msg, metadata, unfurl_links: false } as never),
  );
  await ctx.store.incidents.setDigestTs(digest.id, String(res.ts));
  env.log.info({ digest: digest.id, channel: digest.channel, alarms: incidents.length }, 'alarm storm digest posted');
  return DONE;
}

/** Posts a channel note (topic connected, unsubscribed). */
export async function deliverNote(item: OutboxItem, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, pacer } = env;
  const now = ctx.clock.now();
  const channel = item.channel;
  const kind = item.payload.note as ChannelNoteKind | undefined;
  const topic = typeof item.payload.topicArn === 'string' ? item.payload.topicArn : '';
  if (!channel || !kind) return DONE;
  if (!pacer.ready(channel, now)) return { deferUntil: pacer.readyAt(channel) };
  pacer.posted(channel, now);
  await sending(() => ctx.slack.chat.postMessage({ channel, ...renderNote(kind, topic), unfurl_links: false }));
  return DONE;
}

/**
 * Attaches a graph of the alarm's metric to the card's thread (GetMetricWidgetImage, then
 * files.uploadV2). Best effort: any failure — no cloudwatch:GetMetricWidgetImage permission, no
 * files:write scope — is logged once and never retried, so it can never hold a card back.
 */
export async function deliverGraph(item: OutboxItem, env: DeliveryEnv): Promise<Delivery> {
  const { ctx, pacer, log } = env;
  const now = ctx.clock.now();
  const inc = item.incidentId ? await ctx.store.incidents.get(item.incidentId) : undefined;
  if (!inc?.cardTs || !inc.channel || inc.notification.kind !== 'alarm') return DONE;
  const widget = metricWidgetFor(inc.notification, now);
  if (!widget) return DONE;
  if (!pacer.ready(inc.channel, now)) return { deferUntil: pacer.readyAt(inc.channel) };
  try {
    const out = await ctx.aws.cloudwatch.send(
      new GetMetricWidgetImageCommand({ MetricWidget: widget, OutputFormat: 'png' }),
    );
    if (!out.MetricWidgetImage?.length) return DONE;
    pacer.posted(inc.channel, ctx.clock.now());
    await ctx.slack.filesUploadV2({
      channel_id: inc.channel,
      thread_ts: inc.cardTs,
      file: Buffer.from(out.MetricWidgetImage),
      filename: 'metric.png',
      title: `${inc.name} around the alarm`,
    });
    log.info({ incident: inc.id }, 'metric graph attached to the alarm card');
  } catch (err) {
    log.info({ incident: inc.id, err }, 'metric graph not attached (the card is unaffected)');
  }
  return DONE;
}
