// `npm run sim:procore`: the Procore simulator on its own, with a demo
// company, for running the service by hand. Configuration from the
// environment, read through zod; a bad value stops it with the name.
import { z } from 'zod';
import { startProcoreSimulator } from './server.js';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROCORE_SIM_SEED: z.coerce.number().int().default(1),
  PROCORE_CLIENT_ID: z.string().min(1).default('corfix-sim-client'),
  PROCORE_CLIENT_SECRET: z.string().min(1).default('corfix-sim-secret'),
  PROCORE_SIM_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(1).default(5400),
  PROCORE_SIM_DEMO_DATA: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

const parsed = envSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;

const simulator = await startProcoreSimulator({
  port: env.PORT,
  host: env.HOST,
  seed: env.PROCORE_SIM_SEED,
  clientId: env.PROCORE_CLIENT_ID,
  clientSecret: env.PROCORE_CLIENT_SECRET,
  tokenLifetimeSeconds: env.PROCORE_SIM_TOKEN_LIFETIME_SECONDS,
  demoData: env.PROCORE_SIM_DEMO_DATA,
  log: true,
});

const companies = [...simulator.state.companies.values()].map((c) => `${c.id} (${c.name})`).join(', ');
console.log(`Procore simulator on ${simulator.url} (API and OAuth); admin API under ${simulator.url}/__admin`);
console.log(`Companies: ${companies || 'none yet: POST /__admin/companies'}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void simulator.stop().then(() => process.exit(0));
  });
}
