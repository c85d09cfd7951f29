// The search attributes an operator filters by in the Web UI. Keyword only:
// ids and states, never names or emails (they are stored unencrypted).
// Workflow code imports this file too: keep it free of I/O.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const IntegrationIdKey = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const CorfixAccountIdKey = defineSearchAttributeKey('CorfixAccountId', SearchAttributeType.KEYWORD);
export const ProcoreCompanyIdKey = defineSearchAttributeKey('ProcoreCompanyId', SearchAttributeType.KEYWORD);
/** projects | users | done | waiting | paused */
export const SyncPhaseKey = defineSearchAttributeKey('SyncPhase', SearchAttributeType.KEYWORD);
/** ok | retrying | failed */
export const SyncStateKey = defineSearchAttributeKey('SyncState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [IntegrationIdKey, CorfixAccountIdKey, ProcoreCompanyIdKey, SyncPhaseKey, SyncStateKey];
