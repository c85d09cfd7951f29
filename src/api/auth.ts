// Bearer-token authentication for /v1, compared in constant time. The
// scheme name is case-insensitive (RFC 7235 section 2.1); the token is not.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Bearer`, in any case, then one or more spaces, then the token (everything after them, exactly). */
const BEARER = /^bearer +/i;

export function bearerAuth(apiToken: string) {
  const expected = digest(apiToken);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const scheme = BEARER.exec(header);
    const presented = scheme ? header.slice(scheme[0].length) : '';
    // Hashing first makes both sides the same length, so the comparison's
    // time says nothing about the token.
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    }
    return undefined;
  };
}
