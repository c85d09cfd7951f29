// The harness of the forms end-to-end tests (forms-end-to-end.test.ts,
// forms-smaller-cases.test.ts): the whole service — the Corfix simulator's
// signed webhooks on the API's real port (through a recorder that keeps each
// answer), the real worker and the reconciler, the Procore simulator's
// folders, files and versions — and the helpers that connect an account and
// read back what was filed. Each test file calls useFormsHarness once: a
// harness of its own (its database, its task queue), read through the live
// bindings below once beforeAll ran.
import { createServer, type Server } from 'node:http';
import { procoreProjectExternalRef } from '../../src/domain/external-ref.js';
import { renderFormPdf } from '../../src/simulators/corfix/pdf.js';
import type { FormRecord } from '../../src/simulators/corfix/state.js';
import type { SimFile } from '../../src/simulators/procore/state.js';
import { API_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

export const auth = { authorization: `Bearer ${API_TOKEN}` };

/** What the API answered to one webhook delivery of the Corfix simulator. */
export interface WebhookAnswer {
  eventId: string;
  formId: string;
  status: number;
  body: Record<string, unknown>;
}

export let h: SyncHarness;
/** Between the Corfix simulator and the API's real port: forwards each delivery as it is and keeps the answer. */
let recorder: Server;
export let recorderUrl: string;
export const answers: WebhookAnswer[] = [];

/** Call at the top of a test file: its harness, for the Corfix accounts it uses, with the worker, the reconciler and the recorder. */
export function useFormsHarness(name: string, corfixAccounts: string[]): void {
  beforeAll(async () => {
    h = await startSyncHarness({
      name,
      corfixAccounts,
      // The 200 forms of forms-end-to-end.test.ts: two Procore calls per form (and some for folders and
      // versions), about 500 in all, which at the simulator's default spike window (100 calls in 10 s) would
      // spend some 50 s waiting for the budget (the pacer's own tests cover that wait); ten times that keeps
      // the test about filing, still paced (no 429).
      procore: { rateLimits: { spike: { limit: 1000, window_seconds: 10 } } },
    });
    // The reconciler runs as in production: an event Temporal did not take in time (a slow machine) is handed over by it.
    await h.startWorker({ pollIntervalMs: 60_000, reconcileIntervalMs: 5_000 });
    const api = await h.listenApi();
    recorder = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'corfix-timestamp', 'corfix-signature']) {
          const value = request.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        fetch(`${api}${request.url ?? ''}`, { method: 'POST', headers, body })
          .then(async (answer) => {
            const text = await answer.text();
            const event = JSON.parse(body.toString('utf8')) as { event_id: string; form_id: string };
            answers.push({
              eventId: event.event_id,
              formId: event.form_id,
              status: answer.status,
              body: JSON.parse(text) as Record<string, unknown>,
            });
            response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
          })
          .catch(() => response.writeHead(502).end());
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const address = recorder.address();
    if (address === null || typeof address === 'string') throw new Error('the recorder has no port');
    recorderUrl = `http://127.0.0.1:${address.port}`;
  }, 60_000);

  afterAll(async () => {
    h?.corfix.webhooks.stop();
    await new Promise((resolve) => (recorder ? recorder.close(resolve) : resolve(undefined)));
    await h?.stop();
  });
}

export interface Connected {
  integrationId: string;
  procoreProjectIds: number[];
  /** Procore project id -> the Corfix project the initial sync made for it */
  corfixProjectOf: Map<number, string>;
}

/** A Procore company with these projects, connected to `account`; the initial sync done and the webhooks pointed at the API. */
export async function connectAccount(account: string, projectNames: string[], syncForms: boolean): Promise<Connected> {
  const company = h.procore.state.addCompany({ name: `Company of ${account}` });
  const projects = h.procore.state.addProjects(
    company.id,
    projectNames.map((name, i) => ({ name, project_number: `${account}-${i + 1}`, active: true, template: false })),
  );
  const connected = await h.connect({ corfix_account_id: account, procore_company_id: String(company.id), sync_forms: syncForms });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const corfixProjectOf = new Map<number, string>();
  for (const project of projects) {
    const ref = procoreProjectExternalRef(String(company.id), String(project.id));
    const corfix = [...h.corfix.state.projects.values()].find((p) => p.account_id === account && p.external_ref === ref);
    if (!corfix) throw new Error(`the initial sync made no Corfix project for Procore project ${project.id}`);
    corfixProjectOf.set(project.id, corfix.id);
  }
  h.corfix.state.webhookUrls.set(account, `${recorderUrl}/webhooks/corfix`);
  return { integrationId, procoreProjectIds: projects.map((p) => p.id), corfixProjectOf };
}

export async function getJson(url: string): Promise<{ statusCode: number; json: Record<string, unknown> }> {
  const response = await h.api.inject({ method: 'GET', url, headers: auth });
  return { statusCode: response.statusCode, json: response.json() };
}

export const liveFilesOf = (projectIds: readonly number[]): SimFile[] =>
  [...h.procore.state.files.values()].filter((f) => !f.is_deleted && projectIds.includes(f.project_id));

export const pdfOf = async (form: FormRecord): Promise<Buffer> => {
  const project = h.corfix.state.projects.get(form.project_id);
  if (!project) throw new Error(`no Corfix project ${form.project_id}`);
  return Buffer.from(await renderFormPdf(form, project.name));
};
