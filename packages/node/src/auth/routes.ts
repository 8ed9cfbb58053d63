/** Sign-in, sign-out and "who am I". */
import type { FastifyPluginAsync } from 'fastify';
import { MachiError, loginBodySchema, signedInSchema, userViewSchema, type LoginBody, type SignedIn, type UserView } from '@machi/core';
import { errorSchema } from '../api/routes/schemas.js';
import type { User } from './accounts.js';
import { LOGIN_ADDRESS_WINDOW_MS, LOGIN_ATTEMPTS_PER_ADDRESS_MAX, LoginBackoff, perAddressLimit, retryAfterS } from './rate-limit.js';
import { logSafe } from '../log-safe.js';
import { issueToken } from './tokens.js';
import { tokenKeyOf } from './secret.js';
import { principalOf, requestToken } from './principal.js';
import type { AuthOptions } from './plugin.js';

/** The same answer whatever was wrong, so it does not tell which organisations or users exist. */
export const WRONG_LOGIN_MESSAGE = 'wrong organisation, user name or password';

// what the web app reads (the core's sign-in contract: foundation/auth.ts)
const publicUser = (u: Pick<User, 'id' | 'org' | 'username' | 'role' | 'displayName'>): UserView => ({
  id: u.id, org: u.org, username: u.username, role: u.role, displayName: u.displayName,
});

export const authRoutes: FastifyPluginAsync<{ auth: AuthOptions }> = async (app, { auth }) => {
  const now = auth.now ?? Date.now;
  const backoff = new LoginBackoff();
  const log = auth.log ?? (() => {});

  app.post<{ Body: LoginBody }>('/v1/auth/login', {
    config: { access: 'auth', rateLimit: perAddressLimit(LOGIN_ATTEMPTS_PER_ADDRESS_MAX, LOGIN_ADDRESS_WINDOW_MS, 'LOGIN_RATE_LIMITED') },
    schema: {
      body: loginBodySchema,
      response: {
        200: signedInSchema,
        '4xx': errorSchema,
      },
    },
  }, async (req, reply): Promise<SignedIn> => {
    const { org, username, password } = req.body;
    const waitMs = backoff.begin(org, username, req.ip, now());
    if (waitMs > 0) {
      const s = retryAfterS(waitMs);
      reply.header('retry-after', String(s));
      // the user name is the client's text: logSafe
      log(`auth: sign-in of ${logSafe(username, 64)} at ${logSafe(org, 64)} from ${req.ip} held back ${s} s after repeated failures`);
      throw new MachiError('LOGIN_RATE_LIMITED', `too many failed sign-in attempts; try again in ${s} s`);
    }
    const user = await auth.accounts.verifyLogin(org, username, password);
    if (user === undefined) throw new MachiError('UNAUTHENTICATED', WRONG_LOGIN_MESSAGE);
    backoff.succeeded(org, username, req.ip);
    const t = await issueToken(tokenKeyOf(auth.secret), user, now());
    return { token: t.token, expiresAt: t.expiresAt, user: publicUser(user) };
  });

  app.post('/v1/auth/logout', {
    config: { access: 'self' },
    schema: { response: { 204: { type: 'null' }, '4xx': errorSchema } },
  }, async (req, reply) => {
    const t = requestToken(req);
    if (t === undefined) throw new Error('invariant violated: signed-in request without its token');
    auth.accounts.revokeToken(t.jti, t.expiresAt);
    return reply.status(204).send();
  });

  app.get('/v1/auth/me', {
    config: { access: 'self' },
    schema: { response: { 200: userViewSchema, '4xx': errorSchema } },
  }, async (req) => {
    const p = principalOf(req);
    const user = auth.accounts.getUser(p.userId);
    if (user === undefined) throw new MachiError('UNAUTHENTICATED', 'account no longer exists');
    return publicUser(user);
  });
};
