/** Sign-in, sign-out and "who am I". */
import type { FastifyPluginAsync } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { MachiError } from '@machi/core';
import { errorSchema } from '../api/routes/schemas.js';
import { ORG_CHARS_MAX, USERNAME_CHARS_MAX, type User } from './accounts.js';
import { PASSWORD_CHARS_MAX } from './password.js';
import { LOGIN_ADDRESS_WINDOW_MS, LOGIN_ATTEMPTS_PER_ADDRESS_MAX, LoginBackoff, perAddressLimit, retryAfterS } from './rate-limit.js';
import { logSafe } from '../log-safe.js';
import { issueToken } from './tokens.js';
import { tokenKeyOf } from './secret.js';
import { principalOf, requestToken } from './principal.js';
import type { AuthOptions } from './plugin.js';

/** The same answer whatever was wrong, so it does not tell which organisations or users exist. */
export const WRONG_LOGIN_MESSAGE = 'wrong organisation, user name or password';

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    org: { type: 'string' },
    username: { type: 'string' },
    role: { type: 'string' },
    displayName: { type: 'string' },
  },
  required: ['id', 'org', 'username', 'role', 'displayName'],
} as const;

const loginBody = {
  type: 'object',
  properties: {
    org: { type: 'string', minLength: 1, maxLength: ORG_CHARS_MAX },
    username: { type: 'string', minLength: 1, maxLength: USERNAME_CHARS_MAX },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_CHARS_MAX },
  },
  required: ['org', 'username', 'password'],
  additionalProperties: false,
} as const;

type LoginBody = FromSchema<typeof loginBody>;

const publicUser = (u: Pick<User, 'id' | 'org' | 'username' | 'role' | 'displayName'>) => ({
  id: u.id, org: u.org, username: u.username, role: u.role, displayName: u.displayName,
});

export const authRoutes: FastifyPluginAsync<{ auth: AuthOptions }> = async (app, { auth }) => {
  const now = auth.now ?? Date.now;
  const backoff = new LoginBackoff();
  const log = auth.log ?? (() => {});

  app.post<{ Body: LoginBody }>('/v1/auth/login', {
    config: { access: 'auth', rateLimit: perAddressLimit(LOGIN_ATTEMPTS_PER_ADDRESS_MAX, LOGIN_ADDRESS_WINDOW_MS, 'LOGIN_RATE_LIMITED') },
    schema: {
      body: loginBody,
      response: {
        200: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'integer' }, user: userSchema }, required: ['token', 'expiresAt', 'user'] },
        '4xx': errorSchema,
      },
    },
  }, async (req, reply) => {
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
    schema: { response: { 200: userSchema, '4xx': errorSchema } },
  }, async (req) => {
    const p = principalOf(req);
    const user = auth.accounts.getUser(p.userId);
    if (user === undefined) throw new MachiError('UNAUTHENTICATED', 'account no longer exists');
    return publicUser(user);
  });
};
