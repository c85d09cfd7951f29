// The API clients a process shares: one Corfix client, and one Procore client
// per company (each keeps its own token), all pacing on one shared pacer so a
// company's request budget is counted once per process.
import type { WorkerConfig } from './config.js';
import { CorfixClient } from './corfix/client.js';
import type { Logger } from './logger.js';
import { ProcoreClient } from './procore/client.js';
import { InMemoryRatePacer } from './procore/pacing.js';

export interface ExternalApiClients {
  corfix: CorfixClient;
  procore(companyId: string): ProcoreClient;
}

type ClientSettings = Pick<
  WorkerConfig,
  | 'PROCORE_API_BASE_URL'
  | 'PROCORE_AUTH_BASE_URL'
  | 'PROCORE_CLIENT_ID'
  | 'PROCORE_CLIENT_SECRET'
  | 'CORFIX_API_BASE_URL'
  | 'CORFIX_API_TOKEN'
>;

export function createExternalApiClients(config: ClientSettings, logger: Logger): ExternalApiClients {
  const pacer = new InMemoryRatePacer();
  const procoreClients = new Map<string, ProcoreClient>();
  const corfix = new CorfixClient({
    baseUrl: config.CORFIX_API_BASE_URL,
    token: config.CORFIX_API_TOKEN,
    logger: logger.child({ api: 'corfix' }),
  });
  return {
    corfix,
    procore(companyId: string): ProcoreClient {
      let client = procoreClients.get(companyId);
      if (!client) {
        client = new ProcoreClient({
          apiBaseUrl: config.PROCORE_API_BASE_URL,
          authBaseUrl: config.PROCORE_AUTH_BASE_URL,
          clientId: config.PROCORE_CLIENT_ID,
          clientSecret: config.PROCORE_CLIENT_SECRET,
          companyId,
          pacer,
          logger: logger.child({ api: 'procore', companyId }),
        });
        procoreClients.set(companyId, client);
      }
      return client;
    },
  };
}
