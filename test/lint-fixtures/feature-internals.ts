// Linted as src/status/<file>.ts: another feature's internals (and a future feature's), then its api.ts.
import { requestChange } from '../approvals/request';
import { proposeButton } from '../approvals/render/change-request';
import { clip } from '../alarms/render/alarm-style';
import { charge } from '../billing/ledger';
import { outcomeIcon } from '../approvals/api';

export const used: unknown[] = [requestChange, proposeButton, clip, charge, outcomeIcon];
