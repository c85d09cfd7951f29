// The operator CLI's commands (`npm run ops -- ...`): list, show and
// preview-show read the read models the status page and the status API read
// (integration-overview.ts, preview-overview.ts); the controls call the use
// cases the API's routes call (integration-controls.ts, form-controls.ts), so
// each change is written and audited the same way (actor `ops`), then
// Temporal is told, bounded in time; preview starts one through the API's
// use case (preview-connect.ts), refused as the API refuses it.
// Exit codes: 0 done, 1 refused (or failed), 2 usage or configuration error.
import type { Client } from '@temporalio/client';
import type { WarnLog } from '../api/bounded-calls.js';
import { retryForm } from '../api/form-controls.js';
import {
  disconnectIntegration,
  neverConnected,
  pauseIntegration,
  resumeIntegration,
  resyncIntegration,
  type ControlDependencies,
  type ControlResult,
} from '../api/integration-controls.js';
import { listIntegrationOverviews, readIntegrationDetail, readIntegrationOverview } from '../api/integration-overview.js';
import { previewConnect, type PreviewLog } from '../api/preview-connect.js';
import { readPreview, readPreviewProgress, type PreviewView } from '../api/preview-overview.js';
import { integrationStatusPath, previewStatusPagePath, statusPageAddress } from '../api/status-page-paths.js';
import { ConfigError } from '../config.js';
import type { Database } from '../db/database.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import type { NewIntegration } from '../db/repositories/integrations.js';
import { previewWorkflowId } from '../temporal/workflow-ids.js';
import { webUiIntegrationUrl, webUiWorkflowUrl, type WebUi } from '../temporal/web-ui.js';
import { parseOpsArguments, USAGE, UsageError, type AccountControl, type OpsCommand } from './arguments.js';
import { controlDone, integrationDetail, integrationList, previewDetail, previewProgressLine, previewStarted } from './print.js';

export const EXIT = { done: 0, refused: 1, usage: 2 } as const;

/** How often `preview --wait` looks at the preview by default. */
export const PREVIEW_POLL_MS = 2000;

/** Where the CLI writes: what was asked for (stdout), and refusals and problems (stderr). */
export interface OpsIo {
  out(text: string): void;
  err(text: string): void;
}

export interface OpsDependencies {
  db: Database;
  /** Temporal, connected when a control first needs it (list and show read Postgres only) */
  temporal(): Promise<{ client: Client; taskQueue: string }>;
  /** the clients a disconnect removes the hook with and a preview's preflight asks; rejects with a ConfigError when the settings are missing */
  clients(): Promise<ExternalApiClients>;
  logger: WarnLog & PreviewLog;
  /** how often `preview --wait` reads the preview's state in Postgres (default PREVIEW_POLL_MS) */
  previewPollMs?: number;
  webUi: WebUi | undefined;
  /** PUBLIC_URL: where the service, and so its status page, is reached; without it the page's path is given */
  publicUrl: string | undefined;
}

/** The command line, or the exit code of a usage error (printed with a pointer to help). */
export function commandOf(argv: readonly string[], io: OpsIo): OpsCommand | { exit: number } {
  try {
    return parseOpsArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\nRun "npm run ops -- help" for the commands.`);
    return { exit: EXIT.usage };
  }
}

/** Parses `argv` and runs it: what the built `ops` entry point does once its dependencies are up. */
export async function runOps(argv: readonly string[], deps: OpsDependencies, io: OpsIo): Promise<number> {
  const command = commandOf(argv, io);
  return 'exit' in command ? command.exit : runOpsCommand(command, deps, io);
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A refusal: why, on stderr (and as JSON on stdout with --json); exit 1. */
function refused(io: OpsIo, asJson: boolean, refusal: { code: string; message: string }): number {
  if (asJson) io.out(json({ ok: false, error: { code: refusal.code, message: refusal.message } }));
  io.err(`refused: ${refusal.message}`);
  return EXIT.refused;
}

/** The integration's status page: its address under PUBLIC_URL, else its path on the API. */
const statusPageOf = (deps: OpsDependencies, accountId: string) => statusPageAddress(deps.publicUrl, integrationStatusPath(accountId));

async function show(accountId: string, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<number> {
  const detail = await readIntegrationDetail(deps.db, accountId);
  if (!detail) return refused(io, asJson, neverConnected(accountId));
  const { webUi } = deps;
  const statusPage = statusPageOf(deps, accountId);
  if (!asJson) {
    const where = deps.publicUrl === undefined ? `${statusPage} on the API (set PUBLIC_URL for the full address)` : statusPage;
    io.out(integrationDetail(detail, { webUi, statusPage: where }));
    return EXIT.done;
  }
  const webUiLink = webUi ? webUiIntegrationUrl(webUi.url, webUi.namespace, detail.integration.integration_id) : null;
  io.out(json({ ...detail, links: { web_ui: webUiLink, status_page: statusPage } }));
  return EXIT.done;
}

const CONTROLS: Record<Exclude<AccountControl, 'disconnect'>, (deps: ControlDependencies, accountId: string) => Promise<ControlResult>> = {
  resync: resyncIntegration,
  pause: pauseIntegration,
  resume: resumeIntegration,
};

/** What the API's use cases need, with the actor the audit log records. */
const controlDeps = (deps: OpsDependencies, temporal: { client: Client; taskQueue: string }): ControlDependencies => ({
  actor: 'ops',
  db: deps.db,
  temporal: temporal.client,
  taskQueue: temporal.taskQueue,
  logger: deps.logger,
});

async function control(name: AccountControl, accountId: string, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<number> {
  const result =
    name === 'disconnect'
      ? // It also removes the Procore hook: the client settings are read first, so a missing one changes nothing.
        await disconnectIntegration({ clients: await deps.clients(), ...controlDeps(deps, await deps.temporal()) }, accountId)
      : await CONTROLS[name](controlDeps(deps, await deps.temporal()), accountId);
  if (!result.ok) return refused(io, asJson, result);
  const integration = await readIntegrationOverview(deps.db, result.integration);
  io.out(asJson ? json({ ok: true, action: name, integration, signalled: result.signalled }) : controlDone(name, integration, result.signalled));
  return EXIT.done;
}

async function retry(accountId: string, formId: string, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<number> {
  const result = await retryForm(controlDeps(deps, await deps.temporal()), accountId, formId);
  if (!result.ok) return refused(io, asJson, result);
  if (asJson) {
    io.out(json({ ok: true, action: 'retry-form', form_id: formId, workflow_id: result.workflowId, signalled: result.signalled }));
  } else {
    io.out(
      result.signalled
        ? `retry-form: form ${formId} of Corfix account ${accountId} handed to its upload (workflow ${result.workflowId}); audited as ops`
        : `retry-form: form ${formId} of Corfix account ${accountId} is recorded (audited as ops), but Temporal did not answer in time: the reconciler hands the retry to workflow ${result.workflowId}`,
    );
  }
  return EXIT.done;
}

/** A preview's status page: its address under PUBLIC_URL, else its path on the API. */
const previewPageOf = (deps: OpsDependencies, previewId: string) => statusPageAddress(deps.publicUrl, previewStatusPagePath(previewId));

const previewLinks = (deps: OpsDependencies, p: PreviewView) => ({
  web_ui: deps.webUi ? webUiWorkflowUrl(deps.webUi.url, deps.webUi.namespace, p.workflow_id) : null,
  status_page: previewPageOf(deps, p.preview_id),
});

/** The preview as `preview-show` prints it; exit 0 (also while running, or failed: it is shown, not done). */
function printPreview(p: PreviewView, asJson: boolean, deps: OpsDependencies, io: OpsIo): void {
  io.out(asJson ? json({ ...p, links: previewLinks(deps, p) }) : previewDetail(p, { webUi: deps.webUi, statusPage: previewPageOf(deps, p.preview_id) }));
}

const unknownPreview = (previewId: string) => ({ code: 'preview_not_found', message: `there is no preview ${previewId}` });

async function previewShow(previewId: string, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<number> {
  const p = await readPreview(deps.db, previewId);
  if (!p) return refused(io, asJson, unknownPreview(previewId));
  printPreview(p, asJson, deps, io);
  return EXIT.done;
}

/**
 * Reads the preview's progress in Postgres until it is completed or failed,
 * printing it on stderr as it goes (text only), then reads the preview with
 * its counts: its lines are counted once, not at every look.
 */
async function waitForPreview(previewId: string, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<PreviewView | undefined> {
  let last = '';
  for (;;) {
    const p = await readPreviewProgress(deps.db, previewId);
    if (!p) return undefined;
    if (p.state !== 'running') return readPreview(deps.db, previewId);
    const line = previewProgressLine(p);
    if (!asJson && line !== last) io.err(line);
    last = line;
    await new Promise((resolve) => setTimeout(resolve, deps.previewPollMs ?? PREVIEW_POLL_MS));
  }
}

/** Starts a preview through the API's use case; with `wait`, prints it once it ended (exit 1 when it failed). */
async function preview(request: NewIntegration, wait: boolean, asJson: boolean, deps: OpsDependencies, io: OpsIo): Promise<number> {
  const temporal = await deps.temporal();
  const result = await previewConnect({ db: deps.db, temporal: temporal.client, taskQueue: temporal.taskQueue, clients: await deps.clients(), logger: deps.logger }, request);
  if (!result.ok) return refused(io, asJson, result);
  const previewId = result.preview.id;
  const workflowId = previewWorkflowId(previewId);
  if (!wait) {
    io.out(
      asJson
        ? json({ ok: true, action: 'preview', preview_id: previewId, workflow_id: workflowId, state: 'running' })
        : previewStarted({ previewId, workflowId, corfixAccountId: request.corfixAccountId, procoreCompanyId: request.procoreCompanyId }, previewPageOf(deps, previewId)),
    );
    return EXIT.done;
  }
  if (!asJson) io.err(`preview ${previewId} started (workflow ${workflowId}); waiting for it to complete`);
  const ended = await waitForPreview(previewId, asJson, deps, io);
  if (!ended) return refused(io, asJson, unknownPreview(previewId));
  if (asJson) io.out(json({ ok: ended.state === 'completed', action: 'preview', preview: ended, links: previewLinks(deps, ended) }));
  else io.out(previewDetail(ended, { webUi: deps.webUi, statusPage: previewPageOf(deps, previewId) }));
  if (ended.state === 'failed') {
    io.err(`failed: ${ended.error ?? 'the preview failed'}`);
    return EXIT.refused;
  }
  return EXIT.done;
}

export async function runOpsCommand(command: OpsCommand, deps: OpsDependencies, io: OpsIo): Promise<number> {
  try {
    switch (command.name) {
      case 'help':
        io.out(USAGE);
        return EXIT.done;
      case 'list': {
        const integrations = await listIntegrationOverviews(deps.db);
        io.out(command.json ? json(integrations) : integrationList(integrations));
        return EXIT.done;
      }
      case 'show':
        return await show(command.accountId, command.json, deps, io);
      case 'retry-form':
        return await retry(command.accountId, command.formId, command.json, deps, io);
      case 'preview':
        return await preview(command.request, command.wait, command.json, deps, io);
      case 'preview-show':
        return await previewShow(command.previewId, command.json, deps, io);
      default:
        return await control(command.name, command.accountId, command.json, deps, io);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`${command.name} cannot run: ${error.message}`);
    return EXIT.usage;
  }
}
