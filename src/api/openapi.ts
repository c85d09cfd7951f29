// What the OpenAPI document (GET /openapi.json) says beyond each route's own
// schema, so that a generic client or fuzzer (npm run fuzz:api) can hold
// every answer against it: the refusals every route of a scope can give
// (documented once here, so a new route has them too), redirects without a
// body, and the links from one answer to the operations on the same
// integration, form or preview (schemathesis' stateful phase walks them).
import type { SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { errorSchema } from './schemas/integrations.js';

type Responses = Record<string | number, unknown>;

/** A route's config flag: it takes its body as bytes whatever the content type (so it never answers 415). */
export const BODY_AS_BYTES = { bodyAsBytes: true } as const;

/** Methods whose requests fastify reads a body of, whether the route wants one or not. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'QUERY']);

/**
 * Adds to every route of `scope` added after this call, unless the route
 * documents its own: the 400 that names a bad parameter or body (fastify's
 * validation, for any route that has a schema for them and does not take its
 * validation errors itself; and invalid JSON, for any method with a body),
 * 413 and 415 for a body too large or not JSON, and the `extra` refusals
 * (e.g. the scope's 401).
 */
export function documentRefusals(scope: FastifyInstance, extra: Responses = {}): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema;
    if (!schema || schema.hide) return;
    const response: Responses = { ...(schema.response as Responses | undefined) };
    const add = (status: number | string, answer: unknown) => {
      if (response[status] === undefined) response[status] = answer;
    };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const withBody = methods.some((m) => WITH_BODY.has(m.toUpperCase()));
    const validated = schema.params !== undefined || schema.querystring !== undefined || schema.body !== undefined || schema.headers !== undefined;
    if ((validated || withBody) && !route.attachValidation) add(400, errorSchema);
    if (withBody) {
      add(413, errorSchema);
      if (!(route.config as { bodyAsBytes?: boolean } | undefined)?.bodyAsBytes) add(415, errorSchema);
    }
    for (const [status, answer] of Object.entries(extra)) add(status, answer);
    schema.response = response;
  });
}

interface Link {
  operationId: string;
  parameters: Record<string, string>;
  description: string;
}

const ofIntegration = (account: string) => ({ corfix_account_id: account });
const fromStatus = '$response.body#/corfix_account_id';
/** From an integration's status to every operation on the same integration. */
const integrationLinks: Record<string, Link> = {
  GetIntegration: { operationId: 'getIntegration', parameters: ofIntegration(fromStatus), description: 'the status again' },
  ListOutcomes: { operationId: 'listOutcomes', parameters: ofIntegration(fromStatus), description: 'its sync report' },
  ChangeSettings: { operationId: 'changeSettings', parameters: ofIntegration(fromStatus), description: 'change its toggles or project selection' },
  Pause: { operationId: 'pauseIntegration', parameters: ofIntegration(fromStatus), description: 'pause it' },
  Resume: { operationId: 'resumeIntegration', parameters: ofIntegration(fromStatus), description: 'resume it' },
  Resync: { operationId: 'resyncIntegration', parameters: ofIntegration(fromStatus), description: 'reconcile it now' },
  Disconnect: { operationId: 'disconnectIntegration', parameters: ofIntegration(fromStatus), description: 'disconnect it' },
  StatusPage: { operationId: 'integrationStatusPage', parameters: ofIntegration(fromStatus), description: 'its status page' },
  ListPreviews: { operationId: 'listPreviews', parameters: ofIntegration(fromStatus), description: "the account's previews" },
};
const ofPreview = (previewId: string) => ({ preview_id: previewId });
/** From a preview to its lines, its page and its account's other previews. */
const previewLinks: Record<string, Link> = {
  GetPreview: { operationId: 'getPreview', parameters: ofPreview('$response.body#/preview_id'), description: 'the preview again' },
  ListPreviewOutcomes: { operationId: 'listPreviewOutcomes', parameters: ofPreview('$response.body#/preview_id'), description: 'its lines' },
  PreviewStatusPage: { operationId: 'previewStatusPage', parameters: ofPreview('$response.body#/preview_id'), description: 'its status page' },
  ListPreviews: { operationId: 'listPreviews', parameters: ofIntegration('$response.body#/corfix_account_id'), description: "the account's previews" },
};
const formLinks = (formId: string): Record<string, Link> => ({
  GetForm: { operationId: 'getForm', parameters: { corfix_account_id: '$request.path.corfix_account_id', form_id: formId }, description: "the form's upload" },
  RetryForm: { operationId: 'retryForm', parameters: { corfix_account_id: '$request.path.corfix_account_id', form_id: formId }, description: 'try its upload again' },
});

/** operationId → status → the links of that answer. */
const LINKS: Record<string, Record<string, Record<string, Link>>> = {
  connectIntegration: {
    202: {
      GetIntegration: { operationId: 'getIntegration', parameters: ofIntegration('$request.body#/corfix_account_id'), description: 'the status of the integration just connected' },
    },
  },
  previewConnect: {
    202: {
      GetPreview: { operationId: 'getPreview', parameters: ofPreview('$response.body#/preview_id'), description: 'the preview just started' },
      ListPreviews: { operationId: 'listPreviews', parameters: ofIntegration('$request.body#/corfix_account_id'), description: "the account's previews" },
    },
  },
  getPreview: { 200: previewLinks },
  getIntegration: { 200: integrationLinks },
  changeSettings: { 200: integrationLinks },
  pauseIntegration: { 200: integrationLinks },
  resumeIntegration: { 200: integrationLinks },
  resyncIntegration: { 202: integrationLinks },
  disconnectIntegration: { 200: integrationLinks },
  receiveCorfixWebhook: {
    200: {
      GetForm: {
        operationId: 'getForm',
        parameters: { corfix_account_id: '$request.body#/account_id', form_id: '$request.body#/form_id' },
        description: "the announced form's upload",
      },
    },
  },
  getForm: { 200: formLinks('$response.body#/form_id') },
  retryForm: { 202: formLinks('$response.body#/form_id') },
};

/** @fastify/swagger's transformObject: the document with the links, and no body on a redirect. */
export const finishDocument: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) throw new Error('the API describes itself as OpenAPI 3 (server.ts), not Swagger 2');
  // OpenAPI 3.0 (server.ts): the types of 3.1 and 3.2 are left out
  const openapiObject = document.openapiObject as Partial<OpenAPIV3.Document>;
  for (const pathItem of Object.values(openapiObject.paths ?? {})) {
    for (const operation of Object.values(pathItem ?? {}) as OpenAPIV3.OperationObject[]) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      for (const [status, response] of Object.entries(operation.responses) as Array<[string, OpenAPIV3.ResponseObject]>) {
        // A redirect's answer is its Location; fastify-type-provider-zod can only describe it as JSON.
        if (/^3\d\d$/.test(status)) delete response.content;
        const links = operation.operationId ? LINKS[operation.operationId]?.[status] : undefined;
        if (links) response.links = links;
      }
    }
  }
  return openapiObject;
};
