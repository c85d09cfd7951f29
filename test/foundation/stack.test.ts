// The foundation against the real parts: a Temporal dev server, a Postgres
import Long from 'long';
// server, a worker running a workflow whose activity writes through the
// repositories.
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createIntegration } from '../../src/db/repositories/integrations.js';
import { listAudit } from '../../src/db/repositories/audit-log.js';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { ensureSearchAttributes, MissingSearchAttributesError } from '../../src/temporal/ensure-search-attributes.js';
import { createAuditTrailActivities } from '../support/audit-trail-activities.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal.js';

let t: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await temporal?.close();
  await t?.drop();
});

test('reports the versions of Temporal and Postgres it runs against, and the CLI used', async () => {
  const info = await temporal.client.workflowService.getSystemInfo({});
  const { rows } = await t.db.raw('select version() as version');
  const postgresVersion = String(rows[0].version);
  const cli = process.env['TEST_TEMPORAL_CLI'] ?? '';
  console.log(
    [
      `Temporal server ${info.serverVersion} at ${process.env['TEMPORAL_ADDRESS']}`,
      `temporal CLI: ${cli}`,
      `${postgresVersion} (${process.env['TEST_POSTGRES_KIND']})`,
    ].join('\n'),
  );
  expect(info.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(postgresVersion).toMatch(/^PostgreSQL \d+/);
  expect(cli).toMatch(/temporal/);
});

test('the namespace has the search attributes the workflows set', async () => {
  expect(await ensureSearchAttributes(temporal.client, 'default')).toEqual([]);
  const { customAttributes } = await temporal.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const key of SEARCH_ATTRIBUTES) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
});

test('missing search attributes are added to a namespace that lacks them', async () => {
  const namespace = `sa-${Date.now()}`;
  await temporal.client.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) },
  });
  // The dev server applies new namespaces and attributes asynchronously.
  await new Promise((r) => setTimeout(r, 1_000));
  const added = await ensureSearchAttributes(temporal.client, namespace);
  expect(added.sort()).toEqual(SEARCH_ATTRIBUTES.map((k) => k.name).sort());
  expect(await ensureSearchAttributes(temporal.client, namespace)).toEqual([]);
});

test('where the server refuses to add them, start-up stops naming them and the command that adds them', () => {
  const error = new MissingSearchAttributesError(['SyncPhase', 'SyncState'], 'prod-ns', 'PermissionDenied');
  expect(error.message).toContain('lacks the search attributes SyncPhase, SyncState');
  expect(error.message).toContain('temporal operator search-attribute create --namespace prod-ns --name SyncPhase --type Keyword');
  expect(error.message).toContain('--name SyncState --type Keyword');
});

test('a workflow runs on the real server and its activity writes through the repositories', async () => {
  const integration = await createIntegration(t.db, {
    corfixAccountId: 'acc_stack',
    procoreCompanyId: '4294967296123',
    syncEmployeesOnly: false,
    autoActivateWorkers: false,
    syncForms: false,
  });
  const taskQueue = uniqueTaskQueue('stack');
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../support/workflows/audit-trail.ts', import.meta.url)),
    activities: createAuditTrailActivities(t.db),
  });
  const workflowId = `audit-trail/${integration.id}`;
  const written = await worker.runUntil(
    temporal.client.workflow.execute('auditTrailWorkflow', {
      taskQueue,
      workflowId,
      args: [integration.id, ['connect', 'pause', 'resume']],
    }),
  );
  expect(written).toBe(3);
  const audit = await listAudit(t.db, integration.id);
  expect(audit.map((a) => [a.actor, a.action, a.details['workflowId']])).toEqual([
    ['test-workflow', 'connect', workflowId],
    ['test-workflow', 'pause', workflowId],
    ['test-workflow', 'resume', workflowId],
  ]);
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  expect(history.events?.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(3);
});
