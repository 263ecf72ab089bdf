/** What the alarms feature offers the other features; they import alarms only through this file (lint). */
export { styleFor } from './render/alarm-style';
export type { IncidentActions } from './incident-actions';
export { cardIntentKey } from './ingest';
