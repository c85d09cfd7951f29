// Connections to the run's Temporal server (started by the global setup).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TestTemporal {
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export function temporalAddress(): string {
  const address = process.env['TEMPORAL_ADDRESS'];
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (npm test), whose global setup starts Temporal');
  return address;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  const address = temporalAddress();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    nativeConnection,
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A task queue no other test uses, so workers of different tests never steal each other's tasks. */
export const uniqueTaskQueue = (name: string) => `test-${name}-${randomUUID()}`;
