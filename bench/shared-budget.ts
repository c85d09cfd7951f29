// `npm run bench:shared-budget` (and the last part of `npm run bench`):
// several worker processes spending ONE Procore company's request budget at
// once. Procore limits requests per company, whichever process sends them,
// so the workers must share what they know of the budget; a pacer that each
// process keeps in memory does not, and together they overrun the limit.
//
// The stack of the forms bench (bench/forms-support.ts): a company of
// BENCH_PROJECTS projects connected through the API with sync_forms on,
// served by N workers (`--workers N`, at least 3; 3 when not given), the
// Procore simulator limiting each company to SPIKE_LIMIT requests per 10 s.
// BENCH_BUDGET_FORMS forms completed at once want several times that budget.
// Printed: the 429s Procore answered, its busiest 10-s window (the simulator
// counts the refused requests too, so a window above the limit means
// refusals) against the limit, and the requests in all. Not part of CI; it
// measures and prints, it asserts nothing.
import { completeForms, planForms, waitForFiles, waitForQuiet, waitForUploaded, withFormsCompany } from './forms-support.js';
import { benchArgs, LATENCY_MS, loadLine, loadNow, peakRssLine, seconds } from './stack.js';

const FORMS = Number(process.env['BENCH_BUDGET_FORMS'] ?? 150);
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 10);
const SPIKE = { limit: 60, window_seconds: 10 };
/** the scenario is about several processes: fewer than this would hardly contend */
const MIN_WORKERS = 3;
const ACCOUNT = 'acc_budget';
const BURST_TIMEOUT_MS = 20 * 60_000;

async function main(): Promise<void> {
  const args = benchArgs();
  const loadBefore = loadNow();
  const workers = Math.max(MIN_WORKERS, args.workers);
  console.log(
    `shared Procore budget bench: ${workers} worker processes (--workers${args.workersGiven ? '' : ' not given'}; at least ${MIN_WORKERS}), one Procore company ` +
      `limited to ${SPIKE.limit} requests per ${SPIKE.window_seconds} s, ${FORMS} forms completed at once over ${PROJECTS} projects, ` +
      `${LATENCY_MS} ms latency per API call`,
  );
  await withFormsCompany(
    { postgres: { dir: 'bench-budget', port: 54342 }, corfixAccounts: [{ id: ACCOUNT, name: 'Shared budget' }], procore: { spike: SPIKE } },
    { account: ACCOUNT, projects: PROJECTS, workers },
    async ({ stack, client, setup }) => {
      const { db, procore, corfix } = stack;
      const { companyId, integrationId } = setup;
      // The windows and their peaks start afresh, so that what is printed is the burst's alone. A pacer that
      // learnt the budget during the connect then believes less is left than there is: it may wait, never overrun.
      await procore.put('/rate-limits', { spike: SPIKE });
      await Promise.all([procore.resetCounts(), corfix.resetCounts()]);
      const forms = await completeForms(corfix, ACCOUNT, planForms(FORMS, setup.projects));
      await waitForFiles(procore, companyId, forms, BURST_TIMEOUT_MS);
      await waitForUploaded(db, integrationId, FORMS);
      const burstMs = Math.max(...forms.map((f) => f.filedAt as number)) - Math.min(...forms.map((f) => f.completedAt));
      await waitForQuiet(db, client, integrationId);
      const [counts, limits, peakRss] = await Promise.all([procore.requestCounts(), procore.rateLimits(), peakRssLine(setup.workers)]);

      const limited = Object.entries(counts).filter(([route]) => / \/rest\//.test(route));
      const limitedTotal = limited.reduce((n, [, c]) => n + c.total, 0);
      const refused = limited.reduce((n, [, c]) => n + (c.by_status['429'] ?? 0), 0);
      const total = Object.values(counts).reduce((n, c) => n + c.total, 0);
      const peaks = limits.peaks[String(companyId)] ?? { spike: 0, hourly: 0 };
      const served = limitedTotal - refused;
      console.log(
        [
          `429s received:                    ${refused}`,
          `busiest ${SPIKE.window_seconds}-s window:              ${peaks.spike} requests (limit ${SPIKE.limit}${peaks.spike > SPIKE.limit ? `: ${peaks.spike - SPIKE.limit} over, each refused` : ''})`,
          `Procore requests in all:          ${total} (${limitedTotal} to the rate-limited /rest/ API, ${served} of them served; the rest OAuth and upload storage)`,
          `first form completed -> last file: ${seconds(burstMs)} (its ${served} served requests are ${(served / SPIKE.limit).toFixed(1)} windows' worth of the limit)`,
          `worker peak RSS:                  ${peakRss}`,
          loadLine(loadBefore),
        ].join('\n'),
      );
    },
  );
}

await main();
