import { ConfigError, readConfig } from '../../src/config.js';

/** What reading `env` through `schema` refuses, as the process would print it; none when it reads. */
export function problemsOf(schema: Parameters<typeof readConfig>[0], env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
