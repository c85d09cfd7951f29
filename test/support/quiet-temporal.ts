// The SDK logs every worker state change at INFO; tests only want warnings.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already by an earlier test file in this jest worker process.
}
