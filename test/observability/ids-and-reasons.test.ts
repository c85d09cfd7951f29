// The small decisions behind the logs' ids and the metrics' reasons.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { uploadFailureReason } from '../../src/activities/form-upload.js';
import { toFailure } from '../../src/activities/activity-support.js';
import { RateLimitedError, UnavailableError } from '../../src/http/errors.js';
import { sdkLogFields } from '../../src/temporal/runtime-logger.js';
import { formUploadWorkflowId, initialSyncWorkflowId, integrationIdOfWorkflow, reconcileWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';

test("a workflow's id names its integration, except the reconciler's", () => {
  expect(integrationIdOfWorkflow(initialSyncWorkflowId('int-1'))).toBe('int-1');
  expect(integrationIdOfWorkflow(userSyncWorkflowId('int-2'))).toBe('int-2');
  expect(integrationIdOfWorkflow(formUploadWorkflowId('int-3', 'frm_9'))).toBe('int-3');
  expect(integrationIdOfWorkflow(reconcileWorkflowId('corfix-procore'))).toBeUndefined();
  expect(integrationIdOfWorkflow('something-else/int-4')).toBeUndefined();
  expect(integrationIdOfWorkflow('connect/')).toBeUndefined();
});

test("the SDK's log metadata gains the integration and loses the activity's task token", () => {
  expect(sdkLogFields({ workflowId: 'initial-sync/int-1', activityId: '3', taskToken: 'c2VjcmV0' })).toEqual({
    integrationId: 'int-1',
    workflowId: 'initial-sync/int-1',
    activityId: '3',
  });
  expect(sdkLogFields({ taskQueue: 'q' })).toEqual({ taskQueue: 'q' });
  expect(sdkLogFields(undefined)).toEqual({});
});

test("a failed upload attempt's reason is its failure's kind; a stop is not a failure", () => {
  const details = { api: 'Procore' as const, operation: 'POST /rest/v1.1/projects/1/uploads' };
  expect(uploadFailureReason(toFailure(new RateLimitedError(details, 1_000)))).toBe('rate_limited');
  expect(uploadFailureReason(toFailure(new UnavailableError({ ...details, status: 503 }, 'status 503')))).toBe('unavailable');
  expect(uploadFailureReason(toFailure(new TypeError('x is undefined')))).toBe('unexpected');
  expect(uploadFailureReason(ApplicationFailure.create({ type: 'DatabaseUnavailable', message: 'away' }))).toBe('database_unavailable');
  expect(uploadFailureReason(ApplicationFailure.create({ type: 'WorkerShutdown', message: 'handed back' }))).toBeUndefined();
  expect(uploadFailureReason(new CancelledFailure('CANCELLED'))).toBeUndefined();
});
