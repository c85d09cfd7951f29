// The ids every log line carries where they are known, whichever logger
// writes it (the service's, a client's, fastify's, the Temporal SDK's): the
// pino logger's mixin (src/logger.ts) asks here on each line.
// - In an activity: its workflow id, activity id and type, attempt, and the
//   integration the workflow works for (read from the Temporal SDK's activity
//   context, which the worker sets around every activity).
// - In an API request: the integration, once the request has found it
//   (noteRequestIntegration).
// Ids only: never an account's or a person's data.
import { AsyncLocalStorage } from 'node:async_hooks';
import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import { integrationIdOfWorkflow } from '../temporal/workflow-ids.js';

interface LogContext {
  integrationId?: string;
  workflowId?: string;
  activityId?: string;
  activityType?: string;
  attempt?: number;
}

interface RequestLogContext {
  integrationId?: string;
}

const requestContext = new AsyncLocalStorage<RequestLogContext>();

/** The fields of the current activity or request; none elsewhere. */
export function logContextFields(): LogContext {
  const activity = activityContext.getStore();
  if (activity) {
    const { info } = activity;
    const workflowId = info.workflowExecution?.workflowId;
    const integrationId = workflowId !== undefined ? integrationIdOfWorkflow(workflowId) : undefined;
    return {
      ...(integrationId !== undefined ? { integrationId } : {}),
      ...(workflowId !== undefined ? { workflowId } : {}),
      activityId: info.activityId,
      activityType: info.activityType,
      attempt: info.attempt,
    };
  }
  const integrationId = requestContext.getStore()?.integrationId;
  return integrationId !== undefined ? { integrationId } : {};
}

/** Runs `next` (the rest of an API request) with a context of its own (fastify's onRequest hook). */
export function runWithRequestLogContext(next: () => void): void {
  requestContext.run({}, next);
}

/** The request being served concerns this integration: its later log lines (and "request completed") say so. */
export function noteRequestIntegration(integrationId: string): void {
  const context = requestContext.getStore();
  if (context) context.integrationId = integrationId;
}
