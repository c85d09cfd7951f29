// Workflow ids are business ids: "is it running?" has one answer per
// integration. They carry the integration id (not the account), so a
// reconnect (a new integration, a new generation) never meets an old run.
export const connectWorkflowId = (integrationId: string) => `connect/${integrationId}`;
export const initialSyncWorkflowId = (integrationId: string) => `initial-sync/${integrationId}`;
/** One reconciler per task queue: the workers of one deployment share it. */
export const reconcileWorkflowId = (taskQueue: string) => `reconcile/${taskQueue}`;
/** The long-lived loops that keep one integration's workers and projects in step after the connect. */
export const userSyncWorkflowId = (integrationId: string) => `user-sync/${integrationId}`;
export const projectSyncWorkflowId = (integrationId: string) => `project-sync/${integrationId}`;
/** A preview of a connect (no integration yet): one per preview. */
export const previewWorkflowId = (previewId: string) => `preview/${previewId}`;
/** One per Corfix form of an integration: at most one upload in flight per form. */
export const formUploadWorkflowId = (integrationId: string, corfixFormId: string) => `form-upload/${integrationId}/${corfixFormId}`;

/** The workflows that work for one integration, by the first part of their id. */
const INTEGRATION_WORKFLOW_PREFIXES = new Set(['connect', 'initial-sync', 'user-sync', 'project-sync', 'form-upload']);

/** The integration a workflow works for, read from its id; undefined for the reconciler (a task queue's) and unknown ids. */
export function integrationIdOfWorkflow(workflowId: string): string | undefined {
  const [prefix, integrationId] = workflowId.split('/');
  return prefix !== undefined && INTEGRATION_WORKFLOW_PREFIXES.has(prefix) && integrationId ? integrationId : undefined;
}
