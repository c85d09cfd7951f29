// Build step: bundles the workflows once, so production workers start without
// webpack (`npm run build` runs this after tsc).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowBundlePath, workflowsSourcePath } from '../worker.js';

const { code } = await bundleWorkflowCode({ workflowsPath: workflowsSourcePath(), logger: new DefaultLogger('WARN') });
await writeFile(workflowBundlePath, code);
console.log(`workflow bundle written to ${workflowBundlePath} (${Math.round(code.length / 1024)} KiB)`);
