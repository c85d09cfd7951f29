// 405 Method Not Allowed, with Allow, for a path the API serves under other
// methods (RFC 9110 section 15.5.6); fastify alone answers 404, and for a
// method with a body (QUERY) without a Content-Type it answers 400 about the
// body before any 404. So the answer is given in onRequest, before the body
// is read, and only for requests no route matched. A path no route serves
// stays 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/** `/v1/integrations/:corfix_account_id` as a regular expression over the request's path. */
function routePattern(url: string): RegExp {
  const parts = url.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+';
    if (segment === '*') return '.*';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

/** Call on the root instance before any route is added: every route added after it is known. */
export function answerMethodNotAllowed(app: FastifyInstance): void {
  const routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    // fastify serves HEAD for every GET (exposeHeadRoutes)
    if (methods.includes('GET')) methods.push('HEAD');
    routes.push({ pattern: routePattern(route.url), methods: new Set(methods) });
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.is404) return undefined;
    const path = request.url.split('?')[0] ?? '';
    const allowed = new Set<string>();
    for (const route of routes) if (route.pattern.test(path)) for (const m of route.methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(request.method)) return undefined;
    const allow = [...allowed].sort().join(', ');
    return reply
      .code(405)
      .header('allow', allow)
      .send(errorBody('method_not_allowed', `${request.method} is not served here; this path serves ${allow}`));
  });
}
