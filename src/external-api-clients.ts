// The API clients a process shares: one Corfix client, and one Procore client
// per company (each keeps its own token), all pacing on one pacer: the
// process's services pass the one shared through Postgres
// (src/procore/shared-pacing.ts), so that a company's request budget is
// counted once across processes; without one, the budget is counted in
// this process's memory (tests).
// The Procore clients are kept for the PROCORE_CLIENT_LIMIT most recently used
// companies: the connect preflight asks for one per company id a caller sends,
// so an unbounded map would grow with caller input. Dropping a client loses
// only its cached token (the pacer keeps the company's budget).
import type { WorkerConfig } from './config.js';
import { CorfixClient } from './corfix/client.js';
import type { Logger } from './logger.js';
import { ProcoreClient } from './procore/client.js';
import { InMemoryRatePacer, type RatePacer } from './procore/pacing.js';

export interface ExternalApiClients {
  corfix: CorfixClient;
  procore(companyId: string): ProcoreClient;
}

/** Procore clients kept per process (least recently used dropped first). */
export const PROCORE_CLIENT_LIMIT = 1000;

/** What a process holds; `procoreClientCount` is how many Procore clients it keeps now. */
export interface ProcessApiClients extends ExternalApiClients {
  procoreClientCount(): number;
}

export type ClientSettings = Pick<
  WorkerConfig,
  | 'PROCORE_API_BASE_URL'
  | 'PROCORE_AUTH_BASE_URL'
  | 'PROCORE_CLIENT_ID'
  | 'PROCORE_CLIENT_SECRET'
  | 'CORFIX_API_BASE_URL'
  | 'CORFIX_API_TOKEN'
>;

export interface ClientTuning {
  /** how often a refusal someone can fix (a permission, a credential) is tried again; default 5 min */
  accessRetryMs?: number;
}

export interface ExternalApiClientOptions extends ClientTuning {
  /** the Procore pacer of every company's client; default: counted in this process's memory */
  pacer?: RatePacer;
}

export function createExternalApiClients(config: ClientSettings, logger: Logger, options: ExternalApiClientOptions = {}): ProcessApiClients {
  const { pacer = new InMemoryRatePacer(), ...tuning } = options;
  // A Map iterates in insertion order: re-inserting on use keeps the least
  // recently used company first, which is the one dropped past the limit.
  const procoreClients = new Map<string, ProcoreClient>();
  const corfix = new CorfixClient({
    baseUrl: config.CORFIX_API_BASE_URL,
    token: config.CORFIX_API_TOKEN,
    logger: logger.child({ api: 'corfix' }),
    ...tuning,
  });
  return {
    corfix,
    procoreClientCount: () => procoreClients.size,
    procore(companyId: string): ProcoreClient {
      let client = procoreClients.get(companyId);
      if (client) {
        procoreClients.delete(companyId);
      } else {
        client = new ProcoreClient({
          apiBaseUrl: config.PROCORE_API_BASE_URL,
          authBaseUrl: config.PROCORE_AUTH_BASE_URL,
          clientId: config.PROCORE_CLIENT_ID,
          clientSecret: config.PROCORE_CLIENT_SECRET,
          companyId,
          pacer,
          logger: logger.child({ api: 'procore', companyId }),
          ...tuning,
        });
      }
      procoreClients.set(companyId, client);
      if (procoreClients.size > PROCORE_CLIENT_LIMIT) {
        const [leastRecent] = procoreClients.keys();
        if (leastRecent !== undefined) procoreClients.delete(leastRecent);
      }
      return client;
    },
  };
}
