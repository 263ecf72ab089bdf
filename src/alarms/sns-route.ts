import type { IncomingMessage } from 'node:http';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AppContext } from '../context';
import { BodyTooLargeError, readBody, route, sendJson } from '../http/routes';
import { confirmSubscription } from '../sns/confirm';
import type { SnsEnvelope } from '../sns/envelope';
import { SnsRejectedError, SnsUnavailableError } from '../sns/errors';
import type { SnsHeaders, SnsVerifier } from '../sns/verifier';
import type { Queryable } from '../store/db';
import { ingesterFor } from './ingest-thread';
import { noteChannel } from './routing';

const KNOWN_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/**
 * The largest body SNS can send over HTTP/S: a message of at most 256 KiB (message attributes
 * included), which JSON escaping in the envelope at most doubles for the text alarms are made of
 * (every `"` and `\` of an alarm's JSON becomes two bytes), plus the envelope's own fields.
 */
export const MAX_SNS_BODY = 2 * 256 * 1024 + 64 * 1024;

export interface SnsRouteDeps {
  verifier: SnsVerifier;
  snsClientFor: (region: string) => Promise<SNSClient>;
  /** Called after a commit that gave the outbox work. */
  kick: () => void;
}

/**
 * What became of one SNS body, as an HTTP answer: 2xx stored (or a duplicate), 4xx forged or malformed
 * (never accepted, whoever resends it), 503 the bot cannot store or verify it right now (try again).
 * The SQS poller reads the same answer: 2xx and 4xx delete the message, 5xx leaves it to SQS.
 */
export interface SnsAnswer {
  status: number;
  body: { status?: string; error?: string };
}

/** Takes an SNS body (from POST /sns or an SQS message) through verification, dedup and the store. */
export interface SnsIntake {
  /**
   * `headers` are the HTTP request's (none from SQS); `topicHint` is only for the log of a refused
   * message. Never throws for a bad or undeliverable message: the answer says what happened.
   */
  handle(raw: string, headers?: SnsHeaders, topicHint?: string): Promise<SnsAnswer>;
}

const answer = (status: number, body: SnsAnswer['body']): SnsAnswer => ({ status, body });

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The one path every SNS message takes, whichever way it arrived: verify, then one store transaction
 * (shared dedup), then the answer — Slack is never called here.
 */
export function snsIntake(ctx: AppContext, deps: SnsRouteDeps): SnsIntake {
  const log = ctx.logger.child({ component: 'sns' });
  const ingest = ingesterFor(ctx);
  ctx.store.onClose(() => ingest.close());
  const count = (type: string, outcome: string) => ctx.metrics.snsMessages.inc({ type, outcome });

  async function enqueueNote(
    q: Queryable,
    note: 'subscribed' | 'unsubscribed',
    env: SnsEnvelope,
    now: number,
  ): Promise<boolean> {
    const channel = noteChannel(ctx.config);
    if (!channel) return false;
    await ctx.store.outbox.enqueue(
      { kind: 'note', channel, payload: { note, topicArn: env.TopicArn }, availableAt: now },
      q,
    );
    return true;
  }

  async function onNotification(env: SnsEnvelope): Promise<SnsAnswer> {
    const { MessageId, Timestamp, TopicArn, Type, Message, Subject } = env;
    const r = await ingest.submit({
      msg: { MessageId, Timestamp, TopicArn, Type, Message, Subject },
      now: ctx.clock.now(),
    });
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    const { result, n } = r;
    if (result.enqueued) deps.kick();
    count(env.Type, result.outcome === 'duplicate' ? 'duplicate' : 'accepted');
    // A new incident is logged at info; every later update (an alarm storm can bring thousands a
    // second, each recorded in the incident's timeline anyway) and SNS's redeliveries at debug.
    const fields = {
      messageId: env.MessageId,
      key: n.key,
      kind: n.kind,
      state: n.state,
      outcome: result.outcome,
      incident: result.incidentId,
    };
    if (n.kind === 'raw' && result.outcome !== 'duplicate')
      log.warn({ ...fields, subject: n.subject }, 'SNS message of an unknown kind: shown as a raw card');
    else if (result.outcome === 'opened') log.info(fields, 'notification accepted: new incident');
    else log.debug(fields, result.outcome === 'duplicate' ? 'duplicate SNS message ignored' : 'notification accepted');
    return answer(200, { status: result.outcome });
  }

  async function onSubscribe(env: SnsEnvelope): Promise<SnsAnswer> {
    if (await ctx.store.snsMessages.seen(env)) {
      count(env.Type, 'duplicate');
      return answer(200, { status: 'duplicate' });
    }
    let subscriptionArn: string | undefined;
    try {
      subscriptionArn = await confirmSubscription(env, deps.snsClientFor);
    } catch (err) {
      count(env.Type, 'error');
      log.error(
        { topic: env.TopicArn, err },
        'could not confirm the SNS subscription (does the bot role allow sns:ConfirmSubscription?); SNS will resend it',
      );
      return answer(503, { error: 'confirm_failed' });
    }
    const now = ctx.clock.now();
    // The same confirmation may reach two replicas at once (both confirm: harmless); the MessageId
    // lets only the first to store it tell the channel.
    const r = await ctx.store.db.tx(async (q) => {
      if (!(await ctx.store.snsMessages.remember(env, now, q))) return 'duplicate' as const;
      return (await enqueueNote(q, 'subscribed', env, now)) ? ('noted' as const) : ('logged' as const);
    });
    if (r === 'noted') deps.kick();
    count(env.Type, r === 'duplicate' ? 'duplicate' : 'accepted');
    log.info({ topic: env.TopicArn, subscriptionArn }, 'SNS subscription confirmed');
    return answer(200, { status: 'confirmed' });
  }

  async function onUnsubscribe(env: SnsEnvelope): Promise<SnsAnswer> {
    const now = ctx.clock.now();
    const r = await ctx.store.db.tx(async (q) => {
      if (!(await ctx.store.snsMessages.remember(env, now, q))) return 'duplicate' as const;
      return (await enqueueNote(q, 'unsubscribed', env, now)) ? ('noted' as const) : ('logged' as const);
    });
    if (r === 'noted') deps.kick();
    count(env.Type, r === 'duplicate' ? 'duplicate' : 'accepted');
    // Never visit the SubscribeURL of an UnsubscribeConfirmation: it would re-subscribe on a stranger's say-so.
    log.warn({ topic: env.TopicArn }, 'the bot was unsubscribed from an SNS topic; alarms from it will stop');
    return answer(200, { status: r === 'duplicate' ? 'duplicate' : 'unsubscribed' });
  }

  async function handle(raw: string, headers: SnsHeaders = {}, topicHint?: string): Promise<SnsAnswer> {
    const messageType = headers.messageType;
    if (!ctx.config.sns.verifySignatures)
      log.warn('SNS_VERIFY_SIGNATURES=false: this message is NOT verified (local emulators only)');
    let env: SnsEnvelope;
    try {
      env = await deps.verifier.verify(raw, headers);
    } catch (err) {
      // A metric label must never take a value an attacker chooses.
      const type = messageType && KNOWN_TYPES.has(messageType) ? messageType : 'unknown';
      if (err instanceof SnsRejectedError) {
        count(type, `rejected:${err.reason}`);
        log.warn({ reason: err.reason, detail: err.message, topic: topicHint?.slice(0, 300) }, 'SNS message refused');
        return answer(err.status, { error: err.reason });
      }
      if (err instanceof SnsUnavailableError) {
        count(type, 'error:certificate');
        log.warn({ detail: err.message }, 'SNS message not verifiable right now; answering 503 so SNS retries');
        return answer(503, { error: 'certificate_unavailable' });
      }
      throw err;
    }
    try {
      if (env.Type === 'Notification') return await onNotification(env);
      if (env.Type === 'SubscriptionConfirmation') return await onSubscribe(env);
      return await onUnsubscribe(env);
    } catch (err) {
      count(env.Type, 'error:store');
      log.error(
        {
          messageId: env.MessageId,
          err,
        },
        'could not store the SNS message; answering 503 so SNS retries',
      );
      return answer(503, { error: 'store_unavailable' });
    }
  }

  return { handle };
}

/**
 * POST /sns: the intake's answer as the HTTP response. 4xx for forged or malformed input (SNS does not
 * retry it), 503 when the bot cannot store or verify right now (SNS retries).
 */
export function snsRoute(ctx: AppContext, intake: SnsIntake) {
  const log = ctx.logger.child({ component: 'sns' });
  return route('POST', '/sns', log, async (req, res) => {
    let raw: string;
    try {
      raw = await readBody(req, MAX_SNS_BODY);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        ctx.metrics.snsMessages.inc({ type: 'unknown', outcome: 'rejected:too_large' });
        log.warn({ reason: 'too_large' }, 'SNS message refused');
        sendJson(res, 413, { error: 'too_large' });
        return;
      }
      throw err;
    }
    const a = await intake.handle(
      raw,
      { messageType: header(req, 'x-amz-sns-message-type'), rawDelivery: header(req, 'x-amz-sns-rawdelivery') },
      header(req, 'x-amz-sns-topic-arn'),
    );
    sendJson(res, a.status, a.body);
  });
}
