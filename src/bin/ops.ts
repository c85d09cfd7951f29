// `npm run ops -- <command>`: the operator CLI (src/ops/). Reads the
// service's environment (DATABASE_URL, TEMPORAL_*), prints what was asked for
// on stdout and logs on stderr; exit 0 done, 1 refused or failed, 2 usage or
// configuration error.
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { ConfigError, opsClientConfigSchema, opsConfigSchema, readConfig, type OpsConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../logger.js';
import { commandOf, EXIT, runOpsCommand, type OpsIo } from '../ops/commands.js';
import { USAGE } from '../ops/arguments.js';
import { temporalConnectionOptions } from '../temporal/connection.js';

const io: OpsIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

async function main(): Promise<number> {
  const command = commandOf(process.argv.slice(2), io);
  if ('exit' in command) return command.exit;
  if (command.name === 'help') {
    io.out(USAGE);
    return EXIT.done;
  }
  let config: OpsConfig;
  try {
    config = readConfig(opsConfigSchema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }
  const logger = createLogger(config.LOG_LEVEL, 'ops', { destination: pino.destination({ dest: 2, sync: true }) });
  const db = openDatabase(config.DATABASE_URL, { poolMax: 2 });
  // Lazy: a control saves its change even while Temporal is away (its calls then time out, and it says so).
  let connection: Connection | undefined;
  const temporal = async () => {
    connection ??= Connection.lazy(await temporalConnectionOptions(config));
    return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), taskQueue: config.TEMPORAL_TASK_QUEUE };
  };
  try {
    return await runOpsCommand(
      command,
      {
        db,
        temporal,
        clients: async () => {
          const settings = readConfig(opsClientConfigSchema);
          // Loaded for a disconnect or a preview only: the Procore clients pace on the budget shared through Postgres, as the service's do.
          const { serviceApiClients } = await import('../service.js');
          return serviceApiClients(settings, db, logger);
        },
        logger,
        webUi: config.TEMPORAL_WEB_UI_URL === undefined ? undefined : { url: config.TEMPORAL_WEB_UI_URL, namespace: config.TEMPORAL_NAMESPACE },
        publicUrl: config.PUBLIC_URL,
      },
      io,
    );
  } finally {
    await connection?.close();
    await db.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(error instanceof Error ? error.message : String(error));
    process.exitCode = EXIT.refused;
  },
);
