import { SnsRejectedError } from './errors';

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The JSON body SNS posts to an HTTP/S subscriber (aws-formats.md §1.2). Every value is a string. */
export interface SnsEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  /** SubscriptionConfirmation and UnsubscribeConfirmation only. */
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
}

const TYPES = new Set<string>(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);
const BASE_FIELDS = ['MessageId', 'TopicArn', 'Message', 'Timestamp'] as const;
const SIGNATURE_FIELDS = ['SignatureVersion', 'Signature', 'SigningCertURL'] as const;
/** Generous bounds: a genuine value is far shorter; anything longer is not from SNS. */
const MAX_FIELD = 2048;

function str(o: Record<string, unknown>, k: string, required: boolean, max = MAX_FIELD): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw new SnsRejectedError('malformed', `field ${k} is missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SnsRejectedError('malformed', `field ${k} is not a string`);
  if (v.length > max) throw new SnsRejectedError('malformed', `field ${k} is too long`);
  return v;
}

/**
 * Parses and shape-checks an SNS envelope from the raw body. `requireSignature` is false only when
 * SNS_VERIFY_SIGNATURES=false (local emulators), where the signature fields may be absent.
 */
export function parseEnvelope(raw: string, requireSignature = true): SnsEnvelope {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new SnsRejectedError('malformed', 'body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new SnsRejectedError('malformed', 'body is not a JSON object');
  const o = body as Record<string, unknown>;
  const type = o.Type;
  if (typeof type !== 'string') throw new SnsRejectedError('malformed', 'field Type is missing');
  if (!TYPES.has(type)) throw new SnsRejectedError('unknown_type', `unknown message Type "${type.slice(0, 40)}"`);
  const confirmation = type !== 'Notification';
  const env: Record<string, string | undefined> = { Type: type };
  for (const k of BASE_FIELDS) env[k] = str(o, k, true, k === 'Message' ? Number.MAX_SAFE_INTEGER : MAX_FIELD);
  for (const k of SIGNATURE_FIELDS) env[k] = str(o, k, requireSignature);
  env.Subject = confirmation ? undefined : str(o, 'Subject', false);
  env.UnsubscribeURL = str(o, 'UnsubscribeURL', false);
  if (confirmation) {
    env.Token = str(o, 'Token', true);
    env.SubscribeURL = str(o, 'SubscribeURL', true);
  }
  return env as unknown as SnsEnvelope;
}
