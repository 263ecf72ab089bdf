import { sqsClientsByRegion } from '../aws/sqs-queues';
import { otherAlarmTopicArns } from '../aws/alarm-topics';
import type { AppContext, Feature, Worker } from '../context';
import { httpsCertificateFetcher, type CertificateFetcher } from '../sns/cert-fetch';
import { snsClientsByRegion } from '../sns/confirm';
import { PublicKeyCache } from '../sns/key-cache';
import { SnsVerifier } from '../sns/verifier';
import { registerAlarmButtons } from './buttons';
import { IncidentActions } from './incident-actions';
import { OutboxWorker } from './outbox-worker';
import { snsIntake, snsRoute } from './sns-route';
import { SqsPoller, type SqsPollerOptions } from './sqs-poller';

/** Poller timings tests may shorten. */
type SqsTimings = Partial<Pick<SqsPollerOptions, 'backoffMs' | 'maxBackoffMs' | 'staleMs' | 'waitSeconds'>>;

export interface AlarmsOptions {
  /**
   * Replaces the HTTPS certificate fetcher (tests serve their own signing certificate). It is only
   * ever called with a URL that passed the strict SNS pattern.
   */
  fetchCertificate?: CertificateFetcher;
  /** Shortens the SQS poller's timings (tests). */
  sqs?: SqsTimings;
}

/**
 * Alarms in: POST /sns and the SQS queues of SQS_QUEUE_URLS, both through one intake (verified,
 * deduplicated, stored), one living Slack card per incident delivered by the outbox worker, and the
 * Acknowledge / Silence 1h buttons.
 */
/** The alarms feature, and the incident actions it offers other features (features.ts hands them on). */
export interface AlarmsFeature extends Feature {
  incidents: IncidentActions;
}

export function alarmsFeature(ctx: AppContext, options: AlarmsOptions = {}): AlarmsFeature {
  const keys = new PublicKeyCache({ fetch: options.fetchCertificate ?? httpsCertificateFetcher(), clock: ctx.clock });
  const verifier = new SnsVerifier({
    // The alarms the bot creates in other accounts and regions notify their own topics (see alarm-topics.ts).
    topicArns: [
      ...new Set([...ctx.config.sns.topicArns, ...otherAlarmTopicArns({ aws: ctx.config.aws, ...ctx.config.sns })]),
    ],
    verifySignatures: ctx.config.sns.verifySignatures,
    keys,
    clock: ctx.clock,
  });
  const worker = new OutboxWorker(ctx);
  const kick = () => worker.kick();
  const incidents = new IncidentActions(ctx, kick);

  const log = ctx.logger.child({ component: 'alarms' });
  if (!ctx.config.sns.verifySignatures) {
    log.warn(
      'SNS_VERIFY_SIGNATURES=false: /sns accepts unsigned messages. Use this only with a local emulator, never in production.',
    );
  }
  if (ctx.config.sns.topicArns.length === 0)
    log.warn('SNS_TOPIC_ARNS is empty: /sns refuses every message until you list your alarm topics');
  else if (!ctx.config.slack.alarmChannel && ctx.config.alarmRoutes.length === 0) {
    log.warn('SLACK_ALARM_CHANNEL is not set: alarms are tracked but no card can be posted');
  }

  const intake = snsIntake(ctx, { verifier, snsClientFor: snsClientsByRegion(ctx.aws.sns), kick });
  const workers: Worker[] = [worker];
  if (ctx.config.sqs.queues.length > 0) {
    workers.push(
      new SqsPoller(ctx, {
        queues: ctx.config.sqs.queues,
        pollersPerQueue: ctx.config.sqs.pollersPerQueue,
        clientFor: sqsClientsByRegion(ctx.aws.sqs),
        intake,
        ...options.sqs,
      }),
    );
  }

  return {
    name: 'alarms',
    routes: [snsRoute(ctx, intake)],
    register: (app) => registerAlarmButtons(app, ctx, incidents),
    workers,
    incidents,
  };
}
