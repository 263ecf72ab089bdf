// Linted as a renderer (src/<feature>/render/<file>.ts or src/<feature>/render.ts): store rows are refused.
import type { Incident } from '../../store/incidents';
import type { AuditEntry } from '../../store/audit';
import type { Store } from '../../store';
import { escapeText } from '../../slack/mrkdwn';

export const used: unknown[] = [escapeText];
export type Used = [Incident, AuditEntry, Store];
