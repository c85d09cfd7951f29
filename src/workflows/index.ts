// The workflows the worker runs, one per file, listed by name (no wildcard
// re-exports, which can hide a workflow from the bundle).
export { ConnectIntegration } from './connect-integration.js';
export { InitialSync } from './initial-sync.js';
export { ReconcileIntegrations } from './reconcile-integrations.js';
export { ContinuousProjectSync } from './continuous-project-sync.js';
export { ContinuousUserSync } from './continuous-user-sync.js';
export { FormUploadWithRetry } from './form-upload.js';
export { PreviewIntegration } from './preview-integration.js';
