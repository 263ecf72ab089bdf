import type { Config } from '../config';
import type { Notification } from '../notifications/types';

const cache = new Map<string, RegExp>();

/** `prod-*` → /^prod-.*$/i; only `*` is special. */
export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/**
 * The channel for a new incident: the first ALARM_ROUTES rule whose pattern matches the cluster or
 * the alarm name, else SLACK_ALARM_CHANNEL. Decided once per incident, so a routing change never
 * moves an existing card.
 */
/** What routing needs of the config (no tokens: the SNS ingest thread gets a copy of it). */
export type RoutingConfig = Pick<Config, 'alarmRoutes'> & { slack: Pick<Config['slack'], 'alarmChannel'> };

export function channelFor(n: Pick<Notification, 'cluster' | 'name'>, config: RoutingConfig): string | undefined {
  for (const r of config.alarmRoutes) {
    const re = globToRegExp(r.pattern);
    if ((n.cluster && re.test(n.cluster)) || re.test(n.name)) return r.channel;
  }
  return config.slack.alarmChannel;
}

/** Where channel notes (topic connected, unsubscribed) go. */
export function noteChannel(config: RoutingConfig): string | undefined {
  return config.slack.alarmChannel ?? config.alarmRoutes[0]?.channel;
}
