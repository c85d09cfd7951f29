// Links into the Temporal Web UI, built in one place: the demo, the status
// page, the operator CLI and the alerts all point an operator at the same
// filtered list. The query is the one an operator would type; it uses the
// search attributes of search-attributes.ts (ids only).

/** Where the Web UI is (TEMPORAL_WEB_UI_URL) and the namespace of the service's workflows. */
export interface WebUi {
  url: string;
  namespace: string;
}

/** The visibility query that lists every workflow of one integration. */
export const integrationWorkflowsQuery = (integrationId: string) => `IntegrationId = "${integrationId}"`;

/** The visibility query that lists the workflows of every integration in one sync state. */
export const syncStateQuery = (state: 'ok' | 'retrying' | 'failed') => `SyncState = "${state}"`;

/** The Web UI's workflow list filtered by `query`. */
export function webUiListUrl(webUiUrl: string, namespace: string, query: string): string {
  return `${webUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** The Web UI's list of one integration's workflows (connect, initial sync, continuous syncs, form uploads). */
export const webUiIntegrationUrl = (webUiUrl: string, namespace: string, integrationId: string) =>
  webUiListUrl(webUiUrl, namespace, integrationWorkflowsQuery(integrationId));

/** The Web UI's list holding one workflow (its runs, newest first): a link that stays good across continue-as-new. */
export const webUiWorkflowUrl = (webUiUrl: string, namespace: string, workflowId: string) =>
  webUiListUrl(webUiUrl, namespace, `WorkflowId = "${workflowId}"`);
