// Authentication by API token, compared in constant time: as a bearer token
// for /v1, and as the password of HTTP Basic for the status page (a browser
// asks for it; any user name). The scheme names are case-insensitive
// (RFC 7235 section 2.1); the token is not. Several tokens may be valid at
// once (API_TOKEN during a rotation): the presented one is compared with every
// one of them, always all of them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether a presented token is one of `apiTokens`; the time it takes says neither whether nor which. */
function tokenCheck(apiTokens: readonly string[]): (presented: string) => boolean {
  if (apiTokens.length === 0) throw new Error('token authentication needs at least one token');
  const expected = apiTokens.map(digest);
  return (presented) => {
    // Hashing first makes both sides the same length, so the comparison's
    // time says nothing about the token.
    const given = digest(presented);
    // No early exit: the time taken says neither whether nor which token matched.
    let matched = false;
    for (const e of expected) matched = timingSafeEqual(given, e) || matched;
    return presented !== '' && matched;
  };
}

/** `Bearer`, in any case, then one or more spaces, then the token (everything after them, exactly). */
const BEARER = /^bearer +/i;

export function bearerAuth(apiTokens: readonly string[]) {
  const isToken = tokenCheck(apiTokens);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const scheme = BEARER.exec(header);
    if (!isToken(scheme ? header.slice(scheme[0].length) : '')) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    }
    return undefined;
  };
}

/** `Basic`, in any case, then one or more spaces, then base64 of `user:password`. */
const BASIC = /^basic +/i;

/** The password of a Basic authorization header (after the first colon), or '' when there is none. */
function basicPassword(header: string): string {
  const scheme = BASIC.exec(header);
  if (!scheme) return '';
  const credentials = Buffer.from(header.slice(scheme[0].length).trim(), 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon < 0 ? '' : credentials.slice(colon + 1);
}

/**
 * HTTP Basic whose password is one of the API tokens (any user name): the
 * status page shows every customer's integrations, and a browser prompts for
 * Basic by itself. 401 with the realm otherwise.
 */
export function basicAuth(apiTokens: readonly string[], realm: string) {
  const isToken = tokenCheck(apiTokens);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isToken(basicPassword(request.headers.authorization ?? ''))) {
      return reply
        .code(401)
        .header('www-authenticate', `Basic realm="${realm}"`)
        .type('text/plain; charset=utf-8')
        .send('Sign in with any user name and an API token (API_TOKEN) as the password.\n');
    }
    return undefined;
  };
}
