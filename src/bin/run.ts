// Shared start-up of the bin/ entry points: read the config, report a bad one
// as a list of named variables (exit 1), run until a signal.
import type { z } from 'zod';
import { ConfigError, readConfig } from '../config.js';

export async function runEntryPoint<S extends z.ZodType>(
  schema: S,
  main: (config: z.infer<S>) => Promise<void>,
): Promise<void> {
  let config: z.infer<S>;
  try {
    config = readConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  try {
    await main(config);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
