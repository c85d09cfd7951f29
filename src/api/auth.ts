// Bearer-token authentication for /v1, compared in constant time. The
// scheme name is case-insensitive (RFC 7235 section 2.1); the token is not.
// Several tokens may be valid at once (API_TOKEN during a rotation): the
// presented one is compared with every one of them, always all of them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Bearer`, in any case, then one or more spaces, then the token (everything after them, exactly). */
const BEARER = /^bearer +/i;

export function bearerAuth(apiTokens: readonly string[]) {
  if (apiTokens.length === 0) throw new Error('bearerAuth needs at least one token');
  const expected = apiTokens.map(digest);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const scheme = BEARER.exec(header);
    const presented = scheme ? header.slice(scheme[0].length) : '';
    // Hashing first makes both sides the same length, so the comparison's
    // time says nothing about the token.
    const given = digest(presented);
    // No early exit: the time taken says neither whether nor which token matched.
    let matched = false;
    for (const e of expected) matched = timingSafeEqual(given, e) || matched;
    if (!presented || !matched) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    }
    return undefined;
  };
}
