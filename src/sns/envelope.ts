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

/**
 * How deep an SNS envelope nests: the body object, its MessageAttributes object, and one attribute
 * (`{"Type": "String", "Value": "…"}`); the message itself is a string. One level of margin.
 */
export const MAX_ENVELOPE_DEPTH = 4;
/** Objects and arrays in one envelope: the body, MessageAttributes and at most 10 attributes, with margin. */
export const MAX_ENVELOPE_CONTAINERS = 32;

/** A JSON string from its opening quote: anything but quote and backslash, or any escaped character. */
const JSON_STRING = /"[^"\\]*(?:\\[\s\S][^"\\]*)*"/y;

/**
 * True when `raw` nests deeper, or holds more objects and arrays, than an SNS envelope can. One linear
 * pass that jumps over strings (so brackets inside the Message do not count), run before JSON.parse:
 * parsing a mebibyte of `[[[[…` costs hundreds of milliseconds of the only thread, and parsing many
 * small arrays tens, while this scan costs about what reading the body did.
 */
export function exceedsEnvelopeShape(raw: string): boolean {
  let depth = 0;
  let containers = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x22) {
      JSON_STRING.lastIndex = i;
      if (!JSON_STRING.test(raw)) return false; // an unterminated string: JSON.parse refuses it at once
      i = JSON_STRING.lastIndex - 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      containers += 1;
      if (depth > MAX_ENVELOPE_DEPTH || containers > MAX_ENVELOPE_CONTAINERS) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

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
  if (exceedsEnvelopeShape(raw))
    throw new SnsRejectedError('malformed', 'body nests deeper or holds more objects than an SNS envelope');
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
