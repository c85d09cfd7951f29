// The ways into the workflows, typed: how the API, the worker's reconciler and
// operators' scripts start a connect and ask a sync how it is going. Nothing
// else names a workflow type or builds a workflow id by hand.
import { Client, Connection, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { Integration } from './db/repositories/integrations.js';
import type { Preview } from './db/repositories/previews.js';
import { temporalConnectionOptions, type TemporalSettings } from './temporal/connection.js';
import { CorfixAccountIdKey, IntegrationIdKey, ProcoreCompanyIdKey, SyncPhaseKey, SyncStateKey } from './temporal/search-attributes.js';
import {
  connectWorkflowId,
  formUploadWorkflowId,
  initialSyncWorkflowId,
  previewWorkflowId,
  projectSyncWorkflowId,
  reconcileWorkflowId,
  userSyncWorkflowId,
} from './temporal/workflow-ids.js';
import {
  CONTINUOUS_SIGNALS,
  procoreChangeSignal,
  statusQuery,
  type ContinuousEntity,
  type ContinuousSignal,
  type ContinuousSyncStatus,
} from './workflows/continuous-messages.js';
import type { ContinuousProjectSync } from './workflows/continuous-project-sync.js';
import { formChangedSignal, formStatusQuery, retryFormSignal, type FormChange, type FormUploadStatus } from './workflows/form-messages.js';
import type { FormUploadInput, FormUploadWithRetry } from './workflows/form-upload.js';
import type { ContinuousUserSync } from './workflows/continuous-user-sync.js';
import type { ConnectIntegration } from './workflows/connect-integration.js';
import type { ReconcileIntegrations } from './workflows/reconcile-integrations.js';
import type { PreviewIntegration } from './workflows/preview-integration.js';
import { progressQuery, type InitialSyncProgress } from './workflows/initial-sync.js';
import { purposeLine, type WorkflowPurpose } from './workflows/sync-words.js';

export interface TemporalClient {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporalClient(settings: TemporalSettings): Promise<TemporalClient> {
  const connection = await Connection.connect(await temporalConnectionOptions(settings));
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return { client, taskQueue: settings.TEMPORAL_TASK_QUEUE, close: () => connection.close() };
}

/** The ids an operator filters by, on every workflow of the integration. */
const searchAttributesOf = (integration: Integration) => [
  { key: IntegrationIdKey, value: integration.id },
  { key: CorfixAccountIdKey, value: integration.corfixAccountId },
  { key: ProcoreCompanyIdKey, value: integration.procoreCompanyId },
];

/** The line the Web UI shows for a workflow of the integration: what it is for, for which account and company. */
const staticSummaryOf = (purpose: WorkflowPurpose, of: Pick<Integration, 'id' | 'corfixAccountId' | 'procoreCompanyId'>) =>
  purposeLine(purpose, { integrationId: of.id, corfixAccountId: of.corfixAccountId, procoreCompanyId: of.procoreCompanyId });

/** Starts the integration's ConnectIntegration workflow (on Connect, and from the reconciler). */
export async function startConnect(temporal: Client, taskQueue: string, integration: Integration): Promise<void> {
  await temporal.workflow.start<typeof ConnectIntegration>('ConnectIntegration', {
    taskQueue,
    workflowId: connectWorkflowId(integration.id),
    // Idempotent start: a second start (a retried request, the reconciler)
    // joins the running one, and a finished one is never run again.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ integrationId: integration.id }],
    typedSearchAttributes: [
      ...searchAttributesOf(integration),
      { key: SyncPhaseKey, value: 'projects' },
      { key: SyncStateKey, value: 'ok' },
    ],
    memo: { generation: integration.generation },
    staticSummary: staticSummaryOf({ kind: 'connect' }, integration),
  });
}

/**
 * Starts the PreviewIntegration workflow of a saved preview. Idempotent like
 * a connect's start; the account and company are its search attributes (it
 * has no integration).
 */
export async function startPreview(temporal: Client, taskQueue: string, preview: Preview): Promise<void> {
  await temporal.workflow.start<typeof PreviewIntegration>('PreviewIntegration', {
    taskQueue,
    workflowId: previewWorkflowId(preview.id),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ previewId: preview.id }],
    typedSearchAttributes: [
      { key: CorfixAccountIdKey, value: preview.corfixAccountId },
      { key: ProcoreCompanyIdKey, value: preview.procoreCompanyId },
      { key: SyncPhaseKey, value: 'projects' },
      { key: SyncStateKey, value: 'ok' },
    ],
    staticSummary: staticSummaryOf({ kind: 'preview' }, preview),
  });
}

/**
 * Cancels the integration's ConnectIntegration (and so its initial sync) if
 * it is still running: a disconnect while connecting. False when none was.
 */
export async function cancelConnect(temporal: Client, integrationId: string): Promise<boolean> {
  const handle = temporal.workflow.getHandle(connectWorkflowId(integrationId));
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    await handle.cancel();
    return true;
  } catch (error) {
    // Gone, or it ended between the two calls.
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

const CONTINUOUS = {
  users: { type: 'ContinuousUserSync', id: userSyncWorkflowId },
  projects: { type: 'ContinuousProjectSync', id: projectSyncWorkflowId },
} as const;


/**
 * Starts the integration's two continuous syncs, or joins those running
 * (after the initial sync, and from the reconciler). One that ended (a
 * disconnect, a terminate) may be started again: Postgres decides whether
 * it should run.
 */
export async function startContinuousSyncs(temporal: Client, taskQueue: string, integration: Integration): Promise<void> {
  for (const entity of ['projects', 'users'] as const) {
    const { type, id } = CONTINUOUS[entity];
    await temporal.workflow.start<typeof ContinuousUserSync | typeof ContinuousProjectSync>(type, {
      taskQueue,
      workflowId: id(integration.id),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ integrationId: integration.id }],
      typedSearchAttributes: [...searchAttributesOf(integration), { key: SyncPhaseKey, value: 'waiting' }, { key: SyncStateKey, value: 'ok' }],
      memo: { generation: integration.generation },
      staticSummary: staticSummaryOf({ kind: 'continuous', entity: entity === 'projects' ? 'projects' : 'users' }, integration),
    });
  }
}

/** Signals a running loop; false when it is not running (the message then waits in Postgres, or is moot). */
async function signalIfRunning(temporal: Client, workflowId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<boolean> {
  try {
    await send(temporal.workflow.getHandle(workflowId));
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Tells both loops of the integration (settings changed, resync, pause, resume, disconnect); returns those that were running. */
export async function signalContinuousSyncs(
  temporal: Client,
  integrationId: string,
  message: ContinuousSignal,
): Promise<ContinuousEntity[]> {
  const delivered: ContinuousEntity[] = [];
  for (const entity of ['projects', 'users'] as const) {
    const running = await signalIfRunning(temporal, CONTINUOUS[entity].id(integrationId), (h) => h.signal(CONTINUOUS_SIGNALS[message]));
    if (running) delivered.push(entity);
  }
  return delivered;
}

/** A Procore webhook for this resource is in the inbox: wakes its loop; false when none is running (the next cycle reads the inbox). */
export async function notifyProcoreChange(temporal: Client, integrationId: string, entity: ContinuousEntity): Promise<boolean> {
  return signalIfRunning(temporal, CONTINUOUS[entity].id(integrationId), (h) => h.signal(procoreChangeSignal));
}

/** A continuous sync's live state, straight from its workflow (the API reads Postgres instead). */
export async function continuousSyncStatus(temporal: Client, integrationId: string, entity: ContinuousEntity): Promise<ContinuousSyncStatus> {
  return temporal.workflow.getHandle(CONTINUOUS[entity].id(integrationId)).query(statusQuery);
}

/**
 * Gives a form's FormUploadWithRetry the revision Corfix announced, starting
 * it when it is not running (signalWithStart: no start-then-signal race).
 * A finished one starts again: the new run reads what is already in Procore.
 */
export async function announceFormRevision(
  temporal: Client,
  taskQueue: string,
  integration: Integration,
  formId: string,
  revision: number,
): Promise<void> {
  await temporal.workflow.signalWithStart<typeof FormUploadWithRetry, [FormChange]>('FormUploadWithRetry', {
    ...formUploadStart(taskQueue, integration, formId),
    signal: formChangedSignal,
    signalArgs: [{ revision }],
  });
}

/** Asks a form's FormUploadWithRetry to try again now (an operator's retry), starting it when it is not running. */
export async function retryFormUpload(temporal: Client, taskQueue: string, integration: Integration, formId: string): Promise<void> {
  await temporal.workflow.signalWithStart<typeof FormUploadWithRetry, []>('FormUploadWithRetry', {
    ...formUploadStart(taskQueue, integration, formId),
    signal: retryFormSignal,
  });
}

/** How a form's workflow starts when a signal finds none running. */
function formUploadStart(taskQueue: string, integration: Integration, formId: string) {
  return {
    taskQueue,
    workflowId: formUploadWorkflowId(integration.id, formId),
    // A form filed long ago may have a new revision: its workflow runs again.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [{ integrationId: integration.id, formId }] as [FormUploadInput],
    typedSearchAttributes: [...searchAttributesOf(integration), { key: SyncPhaseKey, value: 'forms' }, { key: SyncStateKey, value: 'ok' }],
    memo: { generation: integration.generation },
    staticSummary: staticSummaryOf({ kind: 'form-upload', formId }, integration),
  };
}

/** A form upload's live state, straight from its workflow (the API reads Postgres instead). */
export async function formUploadStatus(temporal: Client, integrationId: string, formId: string): Promise<FormUploadStatus> {
  return temporal.workflow.getHandle(formUploadWorkflowId(integrationId, formId)).query(formStatusQuery);
}

/** The initial sync's progress, straight from its workflow (the API reads Postgres instead). */
export async function initialSyncProgress(temporal: Client, integrationId: string): Promise<InitialSyncProgress> {
  return temporal.workflow.getHandle(initialSyncWorkflowId(integrationId)).query(progressQuery);
}

/** Starts the task queue's ReconcileIntegrations workflow, or joins the one running. */
export async function startReconciler(temporal: Client, taskQueue: string): Promise<void> {
  await temporal.workflow.start<typeof ReconcileIntegrations>('ReconcileIntegrations', {
    taskQueue,
    workflowId: reconcileWorkflowId(taskQueue),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // One that ended (an operator terminated it) is started again by the next worker.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: `Makes Temporal agree with Postgres for task queue ${taskQueue}: starts what should run, ends what closed unseen`,
  });
}
