// One error format for the whole API, and one place that turns validation
// failures into a 400 naming each field.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UnsafeIntegerError } from './json-body.js';

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }> };
}

export const errorBody = (code: string, message: string): ApiErrorBody => ({ error: { code, message } });

/** A use case's refusal: the status to answer, and why (with the fields at fault, and how long to wait when that helps). */
export interface RefusalAnswer {
  status: number;
  code: string;
  message: string;
  fields?: ApiErrorBody['error']['fields'];
  retryAfterSeconds?: number;
}

/** Answers a refusal: its status and error body, and Retry-After when it says when to try again. */
export function sendRefusal(reply: FastifyReply, refusal: RefusalAnswer): FastifyReply {
  if (refusal.retryAfterSeconds !== undefined) reply.header('retry-after', String(refusal.retryAfterSeconds));
  const { code, message, fields } = refusal;
  return reply.code(refusal.status).send({ error: { code, message, ...(fields !== undefined ? { fields } : {}) } } satisfies ApiErrorBody);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        // The zod issue's code is the keyword; its other properties are the params.
        const params = v.params as { keys?: string[] };
        // An unknown key sits on the object, not on a path: name the key itself.
        const field =
          v.keyword === 'unrecognized_keys' ? (params.keys ?? []).map((key) => (path ? `${path}.${key}` : key)).join(', ') : path;
        return { field: field || error.validationContext || 'body', message: v.message ?? 'is invalid' };
      });
      const where = error.validationContext === 'body' ? '' : ` in ${error.validationContext}`;
      return reply.code(400).send({
        error: {
          code: 'invalid_request',
          message: `invalid request${where}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
          fields,
        },
      } satisfies ApiErrorBody);
    }
    if (error instanceof UnsafeIntegerError) {
      return reply.code(400).send({
        error: { code: 'invalid_request', message: error.message, fields: [{ field: error.field, message: error.message }] },
      } satisfies ApiErrorBody);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return reply.code(400).send(errorBody('invalid_json', 'the body is not valid JSON'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errorBody('unsupported_media_type', 'send the body as application/json'));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('bad_request', error.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(errorBody('internal_error', 'an unexpected error occurred; see the service logs'));
  });
}
