import { integrationWorkflowsQuery, webUiIntegrationUrl, webUiWorkflowUrl } from '../../src/temporal/web-ui.js';

test("an integration's link is the Web UI's list filtered by the query an operator would type", () => {
  expect(integrationWorkflowsQuery('0b1c')).toBe('IntegrationId = "0b1c"');
  const url = new URL(webUiIntegrationUrl('http://127.0.0.1:8233/', 'default', '0b1c'));
  expect(url.pathname).toBe('/namespaces/default/workflows');
  expect(url.searchParams.get('query')).toBe('IntegrationId = "0b1c"');
});

test("a workflow's link survives continue-as-new: it lists the workflow id, not one run", () => {
  const url = new URL(webUiWorkflowUrl('https://temporal.example.com', 'prod ns', 'form-upload/i1/f 2'));
  expect(url.pathname).toBe('/namespaces/prod%20ns/workflows');
  expect(url.searchParams.get('query')).toBe('WorkflowId = "form-upload/i1/f 2"');
});
