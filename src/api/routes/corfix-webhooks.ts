// POST /webhooks/corfix: Corfix's form events (form.completed, form.updated).
// Corfix signs each delivery over its raw bytes (Corfix-Signature, with
// Corfix-Timestamp at most 300 s from now), so this plugin keeps the body as
// bytes: the signature is checked first (401), then the JSON is read (400),
// then the schema (400 naming the field). The decisions are in
// ../corfix-webhook-events.ts, the schemas in ../schemas/corfix-webhooks.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CORFIX_SIGNATURE_HEADER, CORFIX_TIMESTAMP_HEADER, verifyCorfixWebhook } from '../../corfix/webhook-signature.js';
import { receiveCorfixEvent } from '../corfix-webhook-events.js';
import { errorBody } from '../errors.js';
import { parseJsonBody, UnsafeIntegerError } from '../json-body.js';
import { BODY_AS_BYTES } from '../openapi.js';
import { corfixWebhookAnswer, corfixWebhookBody } from '../schemas/corfix-webhooks.js';
import { errorSchema } from '../schemas/integrations.js';
import type { FullApiDependencies } from '../server.js';
import { countWebhookDeliveries, resultOfAnswer } from '../webhook-metrics.js';

const REFUSED_SIGNATURE: Record<string, string> = {
  missing_timestamp: 'the Corfix-Timestamp header is missing',
  malformed_timestamp: 'the Corfix-Timestamp header is not unix seconds',
  stale_timestamp: 'the Corfix-Timestamp is more than 300 s from now',
  missing_signature: 'the Corfix-Signature header is missing',
  bad_signature: 'the Corfix-Signature does not match the body',
};

export const corfixWebhookRoutes: FastifyPluginAsyncZod<FullApiDependencies & { corfixWebhookSecret: string }> = async (app, deps) => {
  // In this plugin only: every body as the bytes received, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // fastify answers 415 to a Content-Type it cannot parse ("", "garbage") before any parser, and before
  // the signature: without the header, the body still comes to the parser above as bytes.
  app.addHook('onRequest', async (request) => {
    delete request.headers['content-type'];
  });
  const deliveries = countWebhookDeliveries(app, 'corfix');

  // Hand-overs to Temporal that outlive their answer: closing the API waits for them (a few seconds at most).
  const inFlight = new Set<Promise<unknown>>();
  const track = (handOver: Promise<unknown>) => {
    const settled = handOver.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
  };
  app.addHook('onClose', async () => {
    await Promise.all(inFlight);
  });

  app.post(
    '/webhooks/corfix',
    {
      schema: {
        operationId: 'receiveCorfixWebhook',
        summary: 'A Corfix form event: recorded once per event_id and handed to the form upload, answered at once',
        description:
          'Corfix-Timestamp (unix seconds, at most 300 s from now) and Corfix-Signature: v1=hex(HMAC-SHA256(CORFIX_WEBHOOK_SECRET, ' +
          'timestamp + "." + raw body)); 401 otherwise. 404 when the account has no live integration.',
        security: [],
        body: corfixWebhookBody,
        response: { 200: corfixWebhookAnswer, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
      config: BODY_AS_BYTES,
      preValidation: async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const verified = verifyCorfixWebhook({
          secret: deps.corfixWebhookSecret,
          rawBody: raw,
          timestamp: request.headers[CORFIX_TIMESTAMP_HEADER],
          signature: request.headers[CORFIX_SIGNATURE_HEADER],
        });
        if (!verified.ok) {
          deliveries.note(request, { result: 'rejected', reason: verified.reason });
          request.log.warn({ reason: verified.reason }, 'Corfix webhook refused');
          return reply.code(401).send(errorBody('invalid_signature', REFUSED_SIGNATURE[verified.reason] ?? verified.reason));
        }
        try {
          // Read as the schema then checks it.
          request.body = parseJsonBody(raw.toString('utf8'), corfixWebhookBody) as typeof request.body;
        } catch (error) {
          // Valid JSON with an integer beyond 2^53: a field's fault, named by the error handler.
          if (error instanceof UnsafeIntegerError) throw error;
          deliveries.note(request, { result: 'rejected', reason: 'invalid_json' });
          return reply.code(400).send(errorBody('invalid_json', 'the body is not valid JSON'));
        }
        return undefined;
      },
    },
    async (request, reply) => {
      const answer = await receiveCorfixEvent({ ...deps, logger: request.log, inFlight: track }, request.body);
      if ('unknownAccount' in answer) {
        deliveries.note(request, { result: 'rejected', reason: 'unknown_account' });
        return reply.code(404).send(errorBody('unknown_account', 'no live integration for this Corfix account'));
      }
      deliveries.note(request, resultOfAnswer(answer));
      return answer;
    },
  );
};
