// A user's sign-in (OAuth 2.0 authorization code), as docs/procore-api.md
// describes it, without a login page: a test first says which simulated user
// signs in (PUT /__admin/oauth/sign-in), then GET /oauth/authorize sends the
// browser straight back to redirect_uri with a code (or with
// error=access_denied when the test said the user declines). A code is good
// once, for 10 minutes, with the same redirect_uri; its token is that user's:
// /me answers the user and /companies only the companies they belong to.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ADMIN_PREFIX } from '../common/faults.js';
import { ProcoreSimError, type ProcoreState } from './state.js';

export const CODE_LIFETIME_MS = 10 * 60_000;

interface IssuedCode {
  userId: number;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export class UserSignins {
  /** who signs in at the next authorize: a user, or a user who declines */
  next: { userId: number } | { decline: true } | undefined;
  private readonly codes = new Map<string, IssuedCode>();

  constructor(
    private readonly state: ProcoreState,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user signs in as `userId` from now on (until another is picked). */
  signInAs(userId: number): void {
    if (!this.state.userIdentity(userId)) throw new ProcoreSimError(404, `no user ${userId} in any company directory`);
    this.next = { userId };
  }

  issueCode(userId: number, redirectUri: string): string {
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, { userId, redirectUri, expiresAt: this.now() + CODE_LIFETIME_MS, used: false });
    return code;
  }

  /** The user of a code that is known, unused, unexpired and sent with its redirect_uri; the code is used up. */
  redeem(code: string, redirectUri: string): number | undefined {
    const issued = this.codes.get(code);
    if (!issued || issued.used || this.now() >= issued.expiresAt || issued.redirectUri !== redirectUri) return undefined;
    issued.used = true;
    return issued.userId;
  }
}

const authorizeQuery = z.object({
  response_type: z.literal('code'),
  client_id: z.string().min(1),
  redirect_uri: z.url({ protocol: /^https?$/ }),
  state: z.string().optional(),
});

const signInBody = z.union([z.object({ user_id: z.number().int().positive() }).strict(), z.object({ decline: z.literal(true) }).strict()]);

export function registerUserSigninRoutes(app: FastifyInstance, signins: UserSignins, options: { clientId: string }): void {
  app.get('/oauth/authorize', async (request, reply) => {
    const parsed = authorizeQuery.safeParse(request.query);
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_request', error_description: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
    const q = parsed.data;
    if (q.client_id !== options.clientId) return reply.code(401).send({ error: 'invalid_client', error_description: 'unknown client' });
    const next = signins.next;
    if (!next) {
      return reply.code(409).send({ error: 'no_user', error_description: `no simulated user signs in: PUT ${ADMIN_PREFIX}/oauth/sign-in first` });
    }
    const back = new URL(q.redirect_uri);
    if ('decline' in next) back.searchParams.set('error', 'access_denied');
    else back.searchParams.set('code', signins.issueCode(next.userId, q.redirect_uri));
    if (q.state !== undefined) back.searchParams.set('state', q.state);
    return reply.redirect(back.toString(), 302);
  });

  app.put(`${ADMIN_PREFIX}/oauth/sign-in`, async (request) => {
    const input = signInBody.parse(request.body);
    if ('decline' in input) signins.next = { decline: true };
    else signins.signInAs(input.user_id);
    return { next: signins.next };
  });
  app.delete(`${ADMIN_PREFIX}/oauth/sign-in`, async (_request, reply) => {
    signins.next = undefined;
    return reply.code(204).send();
  });
}
