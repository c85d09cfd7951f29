// The end of the chaos: faults off, then the system is let to settle before
// the checks. A full reconciliation is asked for through the API (the resync
// route), and the run waits until both continuous syncs ran one that began
// after it and are idle again, and until every completed form's newest
// revision is recorded as filed, every form event handed over and Corfix has
// no delivery left under way. A wait that runs out is noted, and the checks
// run anyway (they then say what is missing).
import type { Client } from '@temporalio/client';
import { continuousSyncStatus } from '../src/client.js';
import type { Database } from '../src/db/database.js';
import type { FormRecord } from '../src/simulators/corfix/state.js';
import type { WebhookDelivery } from '../src/simulators/corfix/webhooks.js';
import type { ContinuousEntity } from '../src/workflows/continuous-messages.js';
import { sleep, waitFor, type SimulatorAdmin } from '../bench/stack.js';
import { CHAOS_ACCOUNT } from './company.js';
import type { ServiceApi } from './service-api.js';

export interface SettleContext {
  api: ServiceApi;
  client: Client;
  db: Database;
  corfix: SimulatorAdmin;
  integrationId: string;
}

/** A probe that has not answered in this long counts as "not yet" (a call to a server that has just come back may hang). */
const PROBE_TIMEOUT_MS = 15_000;

/** `probe` capped at PROBE_TIMEOUT_MS, a failure or the cap counting as "not yet": it never throws. */
const capped = (probe: () => Promise<boolean>) => () => Promise.race([probe().catch(() => false), sleep(PROBE_TIMEOUT_MS).then(() => false)]);

/** Asks `probe` every `everyMs` until it answers true or `timeoutMs` passes; whether it did (the capped probe never throws: only the time ends the wait). */
async function until(probe: () => Promise<boolean>, everyMs: number, timeoutMs: number): Promise<boolean> {
  const answered = capped(probe);
  return waitFor('the probe', async () => ((await answered()) ? true : undefined), everyMs, timeoutMs).catch(() => false);
}

/** What settling waited for, each with whether it came and when (ms from the start of settling). */
export interface SettleStep {
  what: string;
  reached: boolean;
  afterMs: number;
}

export async function settle(ctx: SettleContext, timeoutMs: number): Promise<SettleStep[]> {
  const started = Date.now();
  const left = () => Math.max(1_000, started + timeoutMs - Date.now());
  const steps: SettleStep[] = [];
  const step = async (what: string, probe: () => Promise<boolean>, everyMs = 500) => {
    const reached = await until(probe, everyMs, left());
    steps.push({ what, reached, afterMs: Date.now() - started });
    return reached;
  };

  await step('the API healthy (Postgres and Temporal reachable)', () => ctx.api.healthy());
  await step('the integration active', async () => (await ctx.api.status())?.['status'] === 'active');
  let resyncAt = 0;
  await step('a resync accepted and told to Temporal', async () => {
    resyncAt = Date.now();
    return ctx.api.resync();
  });
  for (const entity of ['projects', 'users'] as ContinuousEntity[]) {
    // reconciledAt is the start of the last full cycle, set as it ends (later cycles of the loop leave it alone).
    await step(`the ${entity} loop: a full cycle begun after the resync, and idle again`, async () => {
      const s = await continuousSyncStatus(ctx.client, ctx.integrationId, entity);
      return s.reconciledAt !== null && Date.parse(s.reconciledAt) >= resyncAt - 1_000 && s.phase === 'waiting' && !s.cycleRequested && !s.fullRequested;
    });
  }
  await step('every form event delivered by Corfix (or given up)', async () => {
    const { deliveries } = await ctx.corfix.get<{ deliveries: WebhookDelivery[] }>('/webhooks');
    return deliveries.every((d) => d.state === 'delivered' || d.state === 'failed');
  });
  await step('every form event handed over to its workflow', async () => {
    const [row] = await ctx.db('webhook_events').where({ source: 'corfix' }).whereNull('processed_at').count<{ count: string }[]>('* as count');
    return Number(row?.count) === 0;
  });
  await step("every completed form recorded as filed at Corfix's revision", async () => {
    const { forms } = await ctx.corfix.get<{ forms: FormRecord[] }>('/state');
    const completed = forms.filter((f) => f.account_id === CHAOS_ACCOUNT && f.status === 'completed');
    const rows = await ctx.db('form_links')
      .where({ integration_id: ctx.integrationId, state: 'uploaded' })
      .select<Array<{ corfix_form_id: string; uploaded_revision: number }>>('corfix_form_id', 'uploaded_revision');
    const filed = new Map(rows.map((r) => [r.corfix_form_id, r.uploaded_revision]));
    return completed.every((f) => filed.get(f.id) === f.revision);
  }, 1_000);
  return steps;
}
