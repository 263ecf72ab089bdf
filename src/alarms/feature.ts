import type { AppContext, Feature } from '../context';
import { httpsCertificateFetcher, type CertificateFetcher } from '../sns/cert-fetch';
import { snsClientsByRegion } from '../sns/confirm';
import { PublicKeyCache } from '../sns/key-cache';
import { SnsVerifier } from '../sns/verifier';
import { registerAlarmButtons } from './buttons';
import { IncidentActions } from './incident-actions';
import { OutboxWorker } from './outbox-worker';
import { snsRoute } from './sns-route';

export interface AlarmsOptions {
  /**
   * Replaces the HTTPS certificate fetcher (tests serve their own signing certificate). It is only
   * ever called with a URL that passed the strict SNS pattern.
   */
  fetchCertificate?: CertificateFetcher;
}

/**
 * Alarms in: POST /sns (verified, deduplicated, stored), one living Slack card per incident delivered
 * by the outbox worker, and the Acknowledge / Silence 1h buttons.
 */
/** The alarms feature, and the incident actions it offers other features (features.ts hands them on). */
export interface AlarmsFeature extends Feature {
  incidents: IncidentActions;
}

export function alarmsFeature(ctx: AppContext, options: AlarmsOptions = {}): AlarmsFeature {
  const keys = new PublicKeyCache({ fetch: options.fetchCertificate ?? httpsCertificateFetcher(), clock: ctx.clock });
  const verifier = new SnsVerifier({
    topicArns: ctx.config.sns.topicArns,
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

  return {
    name: 'alarms',
    routes: [snsRoute(ctx, { verifier, snsClientFor: snsClientsByRegion(ctx.aws.sns), kick })],
    register: (app) => registerAlarmButtons(app, ctx, incidents),
    workers: [worker],
    incidents,
  };
}
