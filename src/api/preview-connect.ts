// Preview: the decisions behind POST /v1/integrations/preview (and
// `npm run ops -- preview`), what a connect would do with nothing written to
// Corfix, Procore or any integration. Refused as the connect would be
// (already connected: 409; the preflight's 422 and 503), then the preview is
// saved and its PreviewIntegration workflow started. If Temporal does not
// answer, the preview is deleted again, so a 503 leaves nothing saved.
// Not audited: audit_log rows belong to an integration, and a preview changes
// none; one log line says which preview was started for which account and
// company. Knows nothing of HTTP beyond the status each refusal maps to.
import { startPreview } from '../client.js';
import type { NewIntegration } from '../db/repositories/integrations.js';
import { createPreview, deletePreview, type Preview } from '../db/repositories/previews.js';
import { refuseIfConnected, type ConnectDependencies, type ConnectResult } from './connect-integration.js';
import { preflightConnect } from './connect-preflight.js';

export interface PreviewLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** A connect's dependencies; its log also says that a preview started. */
export type PreviewDependencies = ConnectDependencies & { logger: PreviewLog };

/** Started, or refused as the connect of the same body would be (409, the preflight's 422 or 503, Temporal's 503). */
export type PreviewResult = { ok: true; preview: Preview } | Exclude<ConnectResult, { ok: true }>;

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
