/**
 * THE single authorisation point. Every route declares `config: { access: RouteClass }`; registering one without it
 * throws (fail closed). One onRequest hook reads the class, authenticates the bearer token unless the class is
 * public, checks ROUTE_ACCESS (policy.ts) and sets `request.principal`. Routes never check roles themselves.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MachiError } from '@machi/core';
import type { AccountStore } from './accounts.js';
import { ROUTE_CLASSES, isPublicClass, isRouteClass, routeDenial, type RouteClass } from './policy.js';
import { actorOf, setRequestToken, type Principal } from './principal.js';
import { verifyToken } from './tokens.js';
import { pseudonymKeyOf, tokenKeyOf } from './secret.js';
import { authRoutes } from './routes.js';

// Routes read the principal through these (also exported from here for callers that already import them so).
export { principalOf, requestToken } from './principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route's class in ROUTE_ACCESS; required on every route */
    access?: RouteClass;
  }
  interface FastifyRequest {
    /** the signed-in user; set on every non-public route, null on public ones */
    principal: Principal | null;
  }
}

export interface AuthOptions {
  accounts: AccountStore;
  /** 32 bytes, the node's secret: the keys signing tokens and salting actors derive from it (secret.ts) */
  secret: Uint8Array;
  /** where sign-in events go as log lines (client text in them passes through logSafe); default nowhere */
  log?: (line: string) => void;
  /** ms clock (tests inject one) */
  now?: () => number;
}

const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/i;

async function authenticate(req: FastifyRequest, auth: AuthOptions | undefined): Promise<Principal> {
  if (auth === undefined) throw new MachiError('UNAUTHENTICATED', 'sign-in is not enabled on this node');
  const m = BEARER.exec(req.headers.authorization ?? '');
  if (m === null) throw new MachiError('UNAUTHENTICATED', 'sign in and send the token as Authorization: Bearer <token>');
  const { principal, jti, expiresAt } = await principalOfToken(auth, m[1]!);
  setRequestToken(req, { jti, expiresAt });
  return principal;
}

/**
 * The user a session token stands for: signature and expiry, not signed out, still matching the account. The one
 * token check, used by the hook and by routes that receive the token another way (Open311's api_key).
 */
export async function principalOfToken(auth: AuthOptions, token: string): Promise<{ principal: Principal; jti: string; expiresAt: number }> {
  const claims = await verifyToken(tokenKeyOf(auth.secret), token, (auth.now ?? Date.now)());
  if (auth.accounts.isRevoked(claims.jti)) throw new MachiError('UNAUTHENTICATED', 'token was signed out; sign in again');
  const user = auth.accounts.getUser(claims.userId);
  if (user === undefined || user.org !== claims.org || user.role !== claims.role) {
    throw new MachiError('UNAUTHENTICATED', 'token no longer matches the account; sign in again');
  }
  const principal = { userId: user.id, username: user.username, org: user.org, role: user.role, actor: actorOf(user.org, user.id, pseudonymKeyOf(auth.secret)) };
  return { principal, jti: claims.jti, expiresAt: claims.expiresAt };
}

/**
 * Registers the hooks on the instance it is given (not encapsulated), so it must be registered before any route.
 * With `auth` it also serves /v1/auth/*; without it every non-public route answers 401.
 */
export const authPlugin: FastifyPluginAsync<{ auth?: AuthOptions | undefined }> = async (app, { auth }) => {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const access: unknown = route.config?.access;
    if (!isRouteClass(access)) {
      throw new Error(`route ${String(route.method)} ${route.url} must declare config.access, one of: ${ROUTE_CLASSES.join(', ')}`);
    }
  });

  const authorise = async (req: FastifyRequest, reply: FastifyReply, access: RouteClass): Promise<void> => {
    try {
      req.principal = await authenticate(req, auth);
    } catch (e) {
      reply.header('www-authenticate', 'Bearer');
      throw e;
    }
    const denial = routeDenial(access, req.principal.role);
    if (denial !== undefined) throw new MachiError('ACCESS_DENIED', denial);
  };
  // A callback hook: a public route (every ledger read) passes through with no promise, the others wait for the token check.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.is404) return done(); // no route: the not-found handler answers
    const access = req.routeOptions.config.access;
    if (!isRouteClass(access)) return done(new Error(`invariant violated: route ${req.url} has no access class`));
    if (isPublicClass(access)) return done();
    authorise(req, reply, access).then(() => done(), done);
  });

  if (auth !== undefined) await app.register(authRoutes, { auth });
};
// Not encapsulated: the hooks must see every route registered after it (what fastify-plugin does, without the package).
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
