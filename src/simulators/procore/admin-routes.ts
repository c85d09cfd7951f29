// The simulator's own control surface, under /__admin (documented in
// README.md beside this file): seed and change records, uninstall the app,
// set rate limits and token lifetime, look at documents and webhook
// deliveries. Faults and request counts come from the common kit.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ADMIN_PREFIX } from '../common/faults.js';
import { type RateLimiter, rateLimitSettingsSchema, windowSchema } from './rate-limits.js';
import { ProcoreSimError, type ProcoreState, type SimFile, type SimFolder } from './state.js';
import { type WebhookDispatcher, webhookSettingsSchema } from './webhooks.js';

const nullableText = z.string().nullable();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').nullable();

const projectFieldsSchema = z
  .object({
    name: z.string().min(1),
    project_number: nullableText,
    description: nullableText,
    public_notes: nullableText,
    address: nullableText,
    city: nullableText,
    state_code: nullableText,
    country_code: z.string().length(2).nullable(),
    zip: nullableText,
    active: z.boolean(),
    start_date: date,
    completion_date: date,
    template: z.boolean(),
    is_demo: z.boolean(),
  })
  .partial()
  .strict();

const userFieldsSchema = z
  .object({
    first_name: nullableText,
    last_name: nullableText,
    email_address: nullableText,
    mobile_phone: nullableText,
    business_phone: nullableText,
    employee_id: z.union([z.string(), z.number().int(), z.null()]),
    is_employee: z.boolean(),
    is_active: z.boolean(),
    job_title: nullableText,
  })
  .partial()
  .strict();

/** the most projects or users one admin call adds (a larger seed takes several calls) */
export const ADMIN_BULK_LIMIT = 20_000;

const companiesInput = z.object({
  companies: z
    .array(
      z.object({
        id: z.number().int().positive().refine(Number.isSafeInteger).optional(),
        name: z.string().min(1),
        is_active: z.boolean().optional(),
        app_installed: z.boolean().optional(),
      }),
    )
    .min(1),
});

const projectsInput = z
  .object({
    projects: z.array(projectFieldsSchema).max(ADMIN_BULK_LIMIT).optional(),
    generate: z
      .object({ count: z.number().int().min(1).max(ADMIN_BULK_LIMIT), overrides: projectFieldsSchema.optional() })
      .optional(),
  })
  .refine((b) => b.projects !== undefined || b.generate !== undefined, 'give projects, generate, or both');

const usersInput = z
  .object({
    users: z.array(userFieldsSchema).max(ADMIN_BULK_LIMIT).optional(),
    generate: z
      .object({ count: z.number().int().min(1).max(ADMIN_BULK_LIMIT), overrides: userFieldsSchema.optional() })
      .optional(),
  })
  .refine((b) => b.users !== undefined || b.generate !== undefined, 'give users, generate, or both');

const rateLimitsInput = z
  .object({
    hourly: windowSchema.optional(),
    spike: windowSchema.optional(),
    retry_after_rate: z.number().min(0).max(1).optional(),
  })
  .strict();

const backdateInput = z.object({ at: z.iso.datetime() }).strict();

const authInput = z.object({ token_lifetime_seconds: z.number().int().min(1) }).strict();

export function registerAdminRoutes(
  app: FastifyInstance,
  state: ProcoreState,
  rateLimiter: RateLimiter,
  webhooks: WebhookDispatcher,
): void {
  const at = (path: string) => `${ADMIN_PREFIX}${path}`;
  const params = (request: FastifyRequest) => request.params as Record<string, string>;
  const num = (value: string | undefined): number => {
    const n = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw new ProcoreSimError(404, 'Not Found');
    return n;
  };

  app.get(at('/summary'), async () => ({
    service_account: state.serviceAccount,
    companies: [...state.companies.values()].map((c) => ({
      ...c,
      projects: state.projectsOf(c.id).length,
      users: state.usersOf(c.id).length,
    })),
    rate_limits: rateLimiter.current(),
    token_lifetime_seconds: state.tokenLifetimeSeconds,
  }));

  // --- companies and the app ---------------------------------------------------
  app.post(at('/companies'), async (request, reply) => {
    const input = companiesInput.parse(request.body);
    return reply.code(201).send({ companies: input.companies.map((c) => state.addCompany(c)) });
  });
  app.post(at('/companies/:company_id/uninstall'), async (request) =>
    state.setAppInstalled(num(params(request)['company_id']), false),
  );
  app.post(at('/companies/:company_id/reinstall'), async (request) =>
    state.setAppInstalled(num(params(request)['company_id']), true),
  );
  // A company nobody changed lately, without a change event: nothing changed.
  app.post(at('/companies/:company_id/backdate'), async (request) =>
    state.backdateCompany(num(params(request)['company_id']), backdateInput.parse(request.body).at),
  );

  // --- projects ------------------------------------------------------------------------
  app.post(at('/companies/:company_id/projects'), async (request, reply) => {
    const companyId = num(params(request)['company_id']);
    const input = projectsInput.parse(request.body);
    const created = [
      ...(input.projects ? state.addProjects(companyId, input.projects) : []),
      ...(input.generate ? state.generateProjects(companyId, input.generate.count, input.generate.overrides) : []),
    ];
    return reply.code(201).send({ count: created.length, ids: created.map((p) => p.id) });
  });
  app.get(at('/companies/:company_id/projects'), async (request) => state.projectsOf(num(params(request)['company_id'])));
  app.patch(at('/projects/:project_id'), async (request) =>
    state.updateProject(num(params(request)['project_id']), projectFieldsSchema.parse(request.body)),
  );
  app.delete(at('/projects/:project_id'), async (request, reply) => {
    state.deleteProject(num(params(request)['project_id']));
    return reply.code(204).send();
  });

  // --- company directory ---------------------------------------------------------------
  app.post(at('/companies/:company_id/users'), async (request, reply) => {
    const companyId = num(params(request)['company_id']);
    const input = usersInput.parse(request.body);
    const created = [
      ...(input.users ? state.addUsers(companyId, input.users) : []),
      ...(input.generate ? state.generateUsers(companyId, input.generate.count, input.generate.overrides) : []),
    ];
    return reply.code(201).send({ count: created.length, ids: created.map((u) => u.id) });
  });
  app.get(at('/companies/:company_id/users'), async (request) => state.usersOf(num(params(request)['company_id'])));
  app.patch(at('/companies/:company_id/users/:user_id'), async (request) =>
    state.updateUser(num(params(request)['company_id']), num(params(request)['user_id']), userFieldsSchema.parse(request.body)),
  );
  app.post(at('/companies/:company_id/users/:user_id/deactivate'), async (request) =>
    state.setUserActive(num(params(request)['company_id']), num(params(request)['user_id']), false),
  );
  app.post(at('/companies/:company_id/users/:user_id/reactivate'), async (request) =>
    state.setUserActive(num(params(request)['company_id']), num(params(request)['user_id']), true),
  );
  app.delete(at('/companies/:company_id/users/:user_id'), async (request, reply) => {
    state.deleteUser(num(params(request)['company_id']), num(params(request)['user_id']));
    return reply.code(204).send();
  });

  // --- rate limits and tokens ----------------------------------------------------------
  const rateLimitView = () => ({ ...rateLimiter.current(), peaks: rateLimiter.peaks() });
  app.get(at('/rate-limits'), async () => rateLimitView());
  app.put(at('/rate-limits'), async (request) => {
    const input = rateLimitsInput.parse(request.body);
    rateLimiter.configure(rateLimitSettingsSchema.parse({ ...rateLimiter.current(), ...input }));
    return rateLimitView();
  });
  app.get(at('/auth'), async () => ({ token_lifetime_seconds: state.tokenLifetimeSeconds }));
  app.put(at('/auth'), async (request) => {
    state.tokenLifetimeSeconds = authInput.parse(request.body).token_lifetime_seconds;
    return { token_lifetime_seconds: state.tokenLifetimeSeconds };
  });
  app.post(at('/auth/expire-tokens'), async () => ({ expired: state.expireTokens() }));

  // --- documents ---------------------------------------------------------------------------
  // Files with their versions' metadata (not their bytes): when each version was stored.
  const fileView = (file: SimFile) => ({
    id: file.id,
    project_id: file.project_id,
    parent_id: file.parent_id,
    name: file.name,
    is_deleted: file.is_deleted,
    versions: file.versions.map((v) => ({ number: v.number, created_at: v.created_at, size: v.content.length, content_type: v.content_type })),
  });
  app.get(at('/companies/:company_id/files'), async (request) => {
    const companyId = num(params(request)['company_id']);
    state.company(companyId);
    const projects = new Set(state.projectsOf(companyId).map((p) => p.id));
    return [...state.files.values()].filter((f) => projects.has(f.project_id)).map(fileView);
  });
  app.get(at('/files/:file_id'), async (request) => {
    const file = state.files.get(num(params(request)['file_id']));
    if (!file) throw new ProcoreSimError(404, 'Not Found');
    return fileView(file);
  });
  const tree = (folder: SimFolder): Record<string, unknown> => {
    const children = state.childrenOf(folder);
    return {
      id: folder.id,
      name: folder.name,
      is_deleted: folder.is_deleted,
      is_recycle_bin: folder.is_recycle_bin,
      files: children.files.map((f) => ({
        id: f.id,
        name: f.name,
        versions: f.versions.map((v) => ({ number: v.number, size: v.content.length, content_type: v.content_type })),
      })),
      folders: folder.is_recycle_bin ? [] : children.folders.map(tree),
    };
  };
  app.get(at('/projects/:project_id/documents'), async (request) => {
    const projectId = num(params(request)['project_id']);
    state.project(projectId);
    return tree(state.rootFolder(projectId));
  });
  app.get(at('/files/:file_id/versions/:number/content'), async (request, reply) => {
    const file = state.files.get(num(params(request)['file_id']));
    const version = file?.versions.find((v) => v.number === num(params(request)['number']));
    if (!version) throw new ProcoreSimError(404, 'Not Found');
    return reply.type(version.content_type).send(version.content);
  });
  app.delete(at('/folders/:folder_id'), async (request) => {
    const folder = state.deleteFolder(num(params(request)['folder_id']));
    return { id: folder.id, is_deleted: folder.is_deleted };
  });
  app.delete(at('/files/:file_id'), async (request) => {
    const file = state.deleteFile(num(params(request)['file_id']));
    return { id: file.id, is_deleted: file.is_deleted };
  });

  // --- webhooks ------------------------------------------------------------------------------
  app.get(at('/webhooks'), async () => ({
    settings: webhooks.settings,
    hooks: [...state.hooks.values()],
    deliveries: webhooks.deliveries,
  }));
  app.put(at('/webhooks/settings'), async (request) => {
    webhooks.settings = webhookSettingsSchema.parse({ ...webhooks.settings, ...(request.body as object) });
    return webhooks.settings;
  });
}
