// The log of the service as production runs it (`npm start`, LOG_LEVEL=debug),
// across a connect and its initial sync (Procore answering 429 and 503 now and
// then, so the clients log from inside activities), a status request, a form
// filed through its webhook, and the stop: every line is one JSON object;
// every line written inside an activity names its integration, workflow and
// activity; a request's lines name the integration it concerns; and no line
// holds a secret the process was given or handed, or the email of anyone
// synced. Needs `npm run build`.
import { randomUUID } from 'node:crypto';
import { eventually } from '../support/eventually.js';
import { ACCOUNT, startServiceRun, type ServiceRun } from './service-process.js';

type Line = Record<string, unknown>;

let run: ServiceRun;
let raw: string;
let lines: Line[];
let notJson: string[];
let secrets: string[];

beforeAll(async () => {
  run = await startServiceRun({
    name: 'json-logs',
    logLevel: 'debug',
    procoreFaults: [
      { fault: { route: 'GET /rest/v1.3/companies/:company_id/users', errors: [{ status: 429, rate: 1, retry_after: 1 }] }, times: 1 },
      // Retried by the Procore client itself, which logs each retry.
      { fault: { route: 'GET /rest/v1.1/projects', errors: [{ status: 503, rate: 1 }] }, times: 2 },
    ],
  });
  expect((await run.api('GET', `/v1/integrations/${ACCOUNT}`)).status).toBe(200);
  const form = run.corfix.state.createForm(ACCOUNT, {
    project_id: run.corfixProjectId,
    template_name: 'Toolbox talk',
    form_date: '2026-11-21',
    status: 'completed',
  });
  const delivered = await run.postCorfixWebhook({
    event_id: `evt_${randomUUID()}`,
    event_type: 'form.completed',
    account_id: ACCOUNT,
    form_id: form.id,
    project_id: form.project_id,
    revision: form.revision,
    occurred_at: new Date().toISOString(),
  });
  expect(delivered).toBe(200);
  await eventually(async () => {
    const upload = await run.api('GET', `/v1/integrations/${ACCOUNT}/forms/${form.id}`);
    return upload.json['state'] === 'uploaded' ? true : undefined;
  }, 30_000);
  secrets = run.secretsAndEmails();
  await run.stop();
  raw = `${run.stdout()}${run.stderr()}`;
  const texts = raw.split('\n').filter((l) => l.trim() !== '');
  lines = [];
  notJson = [];
  for (const text of texts) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) lines.push(parsed as Line);
      else notJson.push(text);
    } catch {
      notJson.push(text);
    }
  }
}, 120_000);
afterAll(async () => run?.stop());

test('every line the process wrote (stdout and stderr) is one JSON object', () => {
  expect(lines.length).toBeGreaterThan(50);
  expect(notJson).toEqual([]);
  expect(lines.every((l) => typeof l['level'] === 'number' && typeof l['time'] === 'number' && typeof l['msg'] === 'string')).toBe(true);
});

const isIntegrationWorkflow = (workflowId: unknown) => typeof workflowId === 'string' && !workflowId.startsWith('reconcile/');

test('every line logged in an activity carries the integration, workflow and activity ids', () => {
  const inActivity = lines.filter((l) => l['activityId'] !== undefined);
  for (const line of inActivity) {
    const ids = {
      workflowId: typeof line['workflowId'],
      activityId: typeof line['activityId'],
      activityType: typeof line['activityType'],
      attempt: typeof line['attempt'],
    };
    expect({ msg: line['msg'], ...ids }).toEqual({ msg: line['msg'], workflowId: 'string', activityId: 'string', activityType: 'string', attempt: 'number' });
    if (isIntegrationWorkflow(line['workflowId'])) expect({ msg: line['msg'], integrationId: line['integrationId'] }).toEqual({ msg: line['msg'], integrationId: run.integrationId });
  }
  // The SDK's own activity lines, the service's, and the Procore client's deep inside a page are all among them.
  const ofIntegration = inActivity.filter((l) => l['integrationId'] === run.integrationId);
  expect(ofIntegration.some((l) => l['msg'] === 'Activity completed' && l['component'] === 'temporal-sdk')).toBe(true);
  expect(ofIntegration.some((l) => l['msg'] === 'continuous syncs running')).toBe(true);
  const procoreRetries = lines.filter((l) => l['msg'] === 'Procore call failed; retrying shortly');
  expect(procoreRetries.length).toBeGreaterThan(0);
  expect(procoreRetries.every((l) => l['integrationId'] === run.integrationId && typeof l['activityId'] === 'string')).toBe(true);
  // The workflows' lines (the SDK's, e.g. "Workflow completed") name the integration too.
  const ofWorkflows = lines.filter((l) => l['activityId'] === undefined && isIntegrationWorkflow(l['workflowId']));
  expect(ofWorkflows.length).toBeGreaterThan(0);
  expect(ofWorkflows.every((l) => l['integrationId'] === run.integrationId)).toBe(true);
});

test("a request's lines carry the integration the route found, its completion line included", () => {
  const incoming = lines.find((l) => l['msg'] === 'incoming request' && (l['req'] as { url?: string } | undefined)?.url === `/v1/integrations/${ACCOUNT}`);
  expect(incoming).toBeDefined();
  const completed = lines.find((l) => l['msg'] === 'request completed' && l['reqId'] === incoming?.['reqId']);
  expect(completed).toMatchObject({ integrationId: run.integrationId, res: { statusCode: 200 } });
  const webhook = lines.find((l) => l['msg'] === 'incoming request' && (l['req'] as { url?: string } | undefined)?.url === '/webhooks/corfix');
  const webhookDone = lines.find((l) => l['msg'] === 'request completed' && l['reqId'] === webhook?.['reqId']);
  expect(webhookDone).toMatchObject({ integrationId: run.integrationId });
});

test("no line holds a secret, an access token, or the email of anyone synced", () => {
  expect(secrets.length).toBeGreaterThan(8);
  const found = secrets.filter((secret) => raw.includes(secret));
  // Named by position only: the test's own output must not repeat them either.
  expect(found.map((s) => secrets.indexOf(s))).toEqual([]);
  expect(raw).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/);
  expect(lines.some((l) => 'taskToken' in l)).toBe(false);
});
