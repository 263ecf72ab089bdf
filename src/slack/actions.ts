/**
 * Every interactive action_id in one place, so renderers and handlers cannot drift apart.
 * Button values are compact JSON (≤ 2000 chars) that the handler validates before use.
 */
export const ACTIONS = {
  alarmDiagnose: 'alarm.diagnose',
  alarmStatus: 'alarm.status',
  alarmAck: 'alarm.ack',
  alarmSilence: 'alarm.silence',
  alarmScale: 'alarm.scale',
  /** The service's logs up to the alarm's state change, error lines first, to whoever clicked. */
  alarmLogs: 'alarm.logs',
  changeApprove: 'change.approve',
  changeReject: 'change.reject',
  changeCancel: 'change.cancel',
  /** A recommendation's button: opens a pre-filled change request (never acts by itself). */
  changePropose: 'change.propose',
  queryCancel: 'query.cancel',
  /** App Home: decide a pending change request from the Home tab, or re-read the tab. */
  homeApprove: 'home.change.approve',
  homeReject: 'home.change.reject',
  homeCancel: 'home.change.cancel',
  homeRefresh: 'home.refresh',
  /** Silence reaction on an alarm with non-SNS actions: mute it in AWS anyway, or keep the silence in Slack only. */
  muteConfirm: 'reaction.mute.confirm',
  muteSkip: 'reaction.mute.skip',
} as const;

/** Parses a button value written by encodeValue; returns undefined for anything malformed. */
export function decodeValue<T extends Record<string, unknown>>(value: string | undefined): T | undefined {
  if (!value || value.length > 2000) return undefined;
  try {
    const v = JSON.parse(value);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

export function encodeValue(v: Record<string, unknown>): string {
  const s = JSON.stringify(v);
  if (s.length > 2000) throw new Error('button value exceeds 2000 characters');
  return s;
}
