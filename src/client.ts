// The Temporal client the API (and operators' scripts) use to start, signal
// and query workflows.
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalSettings } from './temporal/connection.js';

export interface TemporalClient {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporalClient(settings: TemporalSettings): Promise<TemporalClient> {
  const connection = await Connection.connect(await temporalConnectionOptions(settings));
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return { client, taskQueue: settings.TEMPORAL_TASK_QUEUE, close: () => connection.close() };
}
