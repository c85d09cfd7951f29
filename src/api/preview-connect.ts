// Preview: the decisions behind POST /v1/integrations/preview (and
// `npm run ops -- preview`), what a connect would do with nothing written to
// Corfix, Procore or any integration. Refused as the connect would be
// (already connected: 409; the preflight's 422 and 503), then the preview is
// saved and its PreviewIntegration workflow started. If Temporal does not
// answer, the preview is deleted again, so a 503 leaves nothing saved.
// Not audited: audit_log rows belong to an integration, and a preview changes
// none; one log line says which preview was started for which account and
// company. Knows nothing of HTTP beyond the status each refusal maps to.
import type { Client } from '@temporalio/client';
import { startPreview } from '../client.js';
import type { Database } from '../db/database.js';
import type { NewIntegration } from '../db/repositories/integrations.js';
import { createPreview, deletePreview, type Preview } from '../db/repositories/previews.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { refuseIfConnected, type AlreadyConnected } from './connect-integration.js';
import { preflightConnect, type PreflightResult } from './connect-preflight.js';

export interface PreviewLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface PreviewDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  clients: ExternalApiClients;
  logger: PreviewLog;
}

export type PreviewResult =
  | { ok: true; preview: Preview }
  /** the account or the company already has a live integration (409): a connect would be refused too */
  | AlreadyConnected
  /** preflight, as a connect's: the request can never succeed as sent (422), or an API is down or limiting us (503) */
  | Exclude<PreflightResult, { ok: true }>
  /** Temporal did not answer; nothing was saved (503) */
  | { ok: false; status: 503; code: 'temporal_unavailable'; message: string };

export async function previewConnect(deps: PreviewDependencies, request: NewIntegration): Promise<PreviewResult> {
  const connected = await refuseIfConnected(deps.db, request);
  if (connected) return connected;
  const preflight = await preflightConnect(deps.clients, request);
  if (!preflight.ok) return preflight;

  const preview = await createPreview(deps.db, request);
  try {
    await startPreview(deps.temporal, deps.taskQueue, preview);
  } catch (error) {
    // Without its workflow the preview would stay `running` for ever: take it back, so the same request can be sent again.
    await deletePreview(deps.db, preview.id);
    deps.logger.error({ err: error, previewId: preview.id }, 'could not start the preview workflow');
    return {
      ok: false,
      status: 503,
      code: 'temporal_unavailable',
      message: 'the preview could not be started (Temporal did not answer); nothing was saved, send the same request again',
    };
  }
  deps.logger.info(
    { previewId: preview.id, corfixAccountId: preview.corfixAccountId, procoreCompanyId: preview.procoreCompanyId },
    'preview of a connect started',
  );
  return { ok: true, preview };
}
