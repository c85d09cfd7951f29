// `npm run migrate`: applies pending migrations and exits.
import { migrateConfigSchema } from '../config.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { runEntryPoint } from './run.js';

await runEntryPoint(migrateConfigSchema, async (config) => {
  const db = openDatabase(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema up to date');
  } finally {
    await db.destroy();
  }
});
