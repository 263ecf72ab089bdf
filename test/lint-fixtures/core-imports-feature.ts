// Linted as a core file (src/slack/commands/<file>.ts, src/util/<file>.ts, src/<root file>.ts): imports of
// an existing feature and of one not written yet (every non-core folder is a feature).
import type { ChangeRequest } from '../../approvals/types';
import { billingFeature } from '../../billing/feature';

export const used: unknown[] = [billingFeature];
export type Used = ChangeRequest;
