// OAuth, identity, projects and the company directory, as docs/procore-api.md
// describes them. Every /rest call is checked the way Procore checks it:
// a valid bearer token (401), a Procore-Company-Id header (400), and for
// company data, a company where the app is installed (403).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { paginate } from './paging.js';
import type { UserSignins } from './user-signin.js';
import { APP_NOT_CONNECTED, ProcoreSimError, type ProcoreState, type SimCompany, type SimProject, type SimUser } from './state.js';

export interface ApiRouteOptions {
  /** the codes of users' sign-ins (the authorization-code grant) */
  signins: UserSignins;
  clientId: string;
  clientSecret: string;
  maxPerPage: { projects: number; users: number; inactiveUsers: number };
  /** pages larger than this answer 408 (read at each request: tests change it while a sync runs) */
  timeoutAbovePerPage: PageTimeouts;
}

export type PageTimeouts = Partial<{ projects: number; users: number; inactiveUsers: number }>;

/** Routes that need the header but not an installed app: who am I, where am I installed. */
const UNSCOPED_ROUTES = new Set(['/rest/v1.0/me', '/rest/v1.0/companies']);

/** Checks token and company header on every /rest call; throws what Procore would answer. */
export function checkAccess(state: ProcoreState, request: FastifyRequest): void {
  const token = bearerToken(request);
  const status = token ? state.tokenStatus(token) : 'unknown';
  if (status !== 'valid') {
    throw new ProcoreSimError(401, status === 'expired' ? 'The access token expired' : 'The access token is invalid');
  }
  if (companyHeader(request) === undefined) throw new ProcoreSimError(400, 'Missing Procore-Company-Id header!');
  if (!UNSCOPED_ROUTES.has(request.routeOptions.url ?? '')) requestCompany(state, request);
}

function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

export function companyHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['procore-company-id'];
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.trim() !== '' ? text.trim() : undefined;
}

/** The company named by the header, if the app is installed there. */
export function requestCompany(state: ProcoreState, request: FastifyRequest): SimCompany {
  const id = Number(companyHeader(request));
  const company = Number.isSafeInteger(id) ? state.companies.get(id) : undefined;
  if (!company || !company.app_installed) throw new ProcoreSimError(403, APP_NOT_CONNECTED);
  return company;
}

/** A company id in the path or query must be the header's company (else: not found). */
export function sameCompany(company: SimCompany, given: string | undefined, name = 'company_id'): void {
  if (given === undefined || given === '') throw new ProcoreSimError(400, `${name} is required`);
  if (given !== String(company.id)) throw new ProcoreSimError(404, 'Not Found');
}

export function idParam(value: string | undefined): number {
  const id = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) throw new ProcoreSimError(404, 'Not Found');
  return id;
}

export function registerApiRoutes(app: FastifyInstance, state: ProcoreState, options: ApiRouteOptions): void {
  app.post('/oauth/token', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const grant = body['grant_type'];
    if (grant !== 'client_credentials' && grant !== 'authorization_code') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'The authorization grant type is not supported.' });
    }
    const basic = basicCredentials(request.headers.authorization);
    const clientId = body['client_id'] ?? basic?.id;
    const clientSecret = body['client_secret'] ?? basic?.secret;
    if (clientId !== options.clientId || clientSecret !== options.clientSecret) {
      return reply.code(401).send({
        error: 'invalid_client',
        error_description: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      });
    }
    if (grant === 'client_credentials') return { ...state.issueToken(), token_type: 'bearer' };
    // A used, expired or foreign code, or another redirect_uri: 401 invalid_grant.
    const code = body['code'];
    const redirectUri = body['redirect_uri'];
    const userId = typeof code === 'string' && typeof redirectUri === 'string' ? options.signins.redeem(code, redirectUri) : undefined;
    if (userId === undefined) {
      return reply.code(401).send({
        error: 'invalid_grant',
        error_description: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
      });
    }
    return { ...state.issueToken(userId), token_type: 'bearer', refresh_token: randomBytes(24).toString('hex') };
  });

  // With a signed-in user's token: that user, and only the companies they belong to.
  app.get('/rest/v1.0/me', async (request) => {
    const userId = state.tokenUser(bearerToken(request) ?? '');
    if (userId !== undefined) {
      const user = state.userIdentity(userId);
      if (!user) throw new ProcoreSimError(401, 'The access token is invalid');
      return user;
    }
    return { id: state.serviceAccount.id, login: state.serviceAccount.login, name: state.serviceAccount.name };
  });

  app.get('/rest/v1.0/companies', async (request) => {
    const userId = state.tokenUser(bearerToken(request) ?? '');
    const companies = userId !== undefined ? state.companiesOfUser(userId) : [...state.companies.values()].filter((c) => c.app_installed);
    return companies.map((c) => ({ id: c.id, name: c.name, is_active: c.is_active, logo_url: null }));
  });

  app.get('/rest/v1.1/projects', async (request, reply) => {
    const company = requestCompany(state, request);
    const query = request.query as Record<string, string | undefined>;
    sameCompany(company, query['company_id']);
    const status = (query['filters[by_status]'] ?? 'Active').toLowerCase();
    if (!['active', 'inactive', 'all'].includes(status)) {
      throw new ProcoreSimError(400, 'filters[by_status] must be one of Active, Inactive, All');
    }
    const range = updatedAtRange(query['filters[updated_at]']);
    const template = query['filters[template]'];
    if (template !== undefined && template !== 'true' && template !== 'false') {
      throw new ProcoreSimError(400, 'filters[template] must be true or false');
    }
    const view = query['view'] ?? 'normal';
    if (!['compact', 'normal', 'extended'].includes(view)) throw new ProcoreSimError(400, 'view must be compact, normal or extended');
    const matching = state.projectsOf(company.id).filter(
      (p) =>
        (status === 'all' || p.active === (status === 'active')) &&
        (range === undefined || inRange(p.updated_at, range)) &&
        (template === undefined || p.template === (template === 'true')),
    );
    return paginate(request, reply, matching, options.maxPerPage.projects, options.timeoutAbovePerPage.projects).map((p) => projectView(p, company, view));
  });

  app.get('/rest/v1.0/projects/:project_id', async (request) => {
    const company = requestCompany(state, request);
    const query = request.query as Record<string, string | undefined>;
    sameCompany(company, query['company_id']);
    const project = state.project(idParam((request.params as Record<string, string>)['project_id']), company.id);
    return projectView(project, company, 'extended');
  });

  app.get('/rest/v1.3/companies/:company_id/users', async (request, reply) => {
    const company = requestCompany(state, request);
    sameCompany(company, (request.params as Record<string, string>)['company_id']);
    const range = updatedAtRange((request.query as Record<string, string | undefined>)['filters[updated_at]']);
    const active = state
      .usersOf(company.id)
      .filter((u) => u.is_active && (range === undefined || inRange(u.updated_at, range)));
    return paginate(request, reply, active, options.maxPerPage.users, options.timeoutAbovePerPage.users).map(userView);
  });

  app.get('/rest/v1.0/companies/:company_id/users/inactive', async (request, reply) => {
    const company = requestCompany(state, request);
    sameCompany(company, (request.params as Record<string, string>)['company_id']);
    const inactive = state.usersOf(company.id).filter((u) => !u.is_active);
    return paginate(request, reply, inactive, options.maxPerPage.inactiveUsers, options.timeoutAbovePerPage.inactiveUsers).map(userView);
  });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = header && /^Basic\s+(\S+)$/i.exec(header)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

interface Range {
  fromMs: number;
  toMs: number;
}

/** `FROM...TO`, both ISO 8601, both ends included. */
function updatedAtRange(value: string | undefined): Range | undefined {
  if (value === undefined) return undefined;
  const [from, to, extra] = value.split('...');
  const fromMs = from ? Date.parse(from) : NaN;
  const toMs = to ? Date.parse(to) : NaN;
  if (extra !== undefined || Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    throw new ProcoreSimError(400, 'filters[updated_at] must be a range FROM...TO of ISO 8601 times');
  }
  return { fromMs, toMs };
}

function inRange(stamp: string, range: Range): boolean {
  const ms = Date.parse(stamp);
  return ms >= range.fromMs && ms <= range.toMs;
}

export function projectView(project: SimProject, company: SimCompany, view: string): Record<string, unknown> {
  if (view === 'compact') return { id: project.id, name: project.name, project_number: project.project_number };
  const { company_id: _companyId, description, public_notes, ...rest } = project;
  const common = {
    ...rest,
    display_name: project.project_number ? `${project.project_number} - ${project.name}` : project.name,
    company: { id: company.id, name: company.name },
  };
  return view === 'extended' ? { ...common, description, public_notes } : common;
}

export function userView(user: SimUser): Record<string, unknown> {
  return {
    ...user,
    name: [user.first_name, user.last_name].filter((part) => part).join(' '),
    last_login_at: null,
    vendor: null,
  };
}
