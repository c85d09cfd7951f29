// Connection options for a Temporal server, a cluster with mTLS, or Temporal
// Cloud with an API key: the same settings serve the client and the worker.
import { readFile } from 'node:fs/promises';
import type { WorkerConfig } from '../config.js';

export type TemporalSettings = Pick<
  WorkerConfig,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH'
>;

export interface TemporalConnectionOptions {
  address: string;
  tls?: { clientCertPair: { crt: Buffer; key: Buffer } } | true;
  apiKey?: string;
}

export async function temporalConnectionOptions(settings: TemporalSettings): Promise<TemporalConnectionOptions> {
  const options: TemporalConnectionOptions = { address: settings.TEMPORAL_ADDRESS };
  if (settings.TEMPORAL_TLS_CERT_PATH && settings.TEMPORAL_TLS_KEY_PATH) {
    const [crt, key] = await Promise.all([
      readFile(settings.TEMPORAL_TLS_CERT_PATH),
      readFile(settings.TEMPORAL_TLS_KEY_PATH),
    ]);
    options.tls = { clientCertPair: { crt, key } };
  }
  if (settings.TEMPORAL_API_KEY) {
    options.apiKey = settings.TEMPORAL_API_KEY;
    options.tls ??= true;
  }
  return options;
}
