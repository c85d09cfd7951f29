// Bearer-token authentication for /v1, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function bearerAuth(apiToken: string) {
  const expected = digest(apiToken);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
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
