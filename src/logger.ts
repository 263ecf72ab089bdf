import pino from 'pino';

export type Logger = pino.Logger;

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const REDACT_PATHS = [
  'token',
  'botToken',
  'signingSecret',
  'appToken',
  'authorization',
  'Signature',
  'Token',
  'SubscribeURL',
  '*.token',
  '*.botToken',
  '*.signingSecret',
  '*.appToken',
  '*.authorization',
  '*.Signature',
  '*.Token',
  '*.SubscribeURL',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
];

/** Structured JSON logs, one line per event. `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ecs-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
