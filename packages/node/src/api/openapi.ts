/**
 * The REST API as an OpenAPI 3.1 document, built by @fastify/swagger from the routes' own JSON schemas and served,
 * like the ledger reads, without sign-in: the document at `/docs/openapi.json` (also `/docs/json`, `/docs/yaml`) and
 * Swagger UI at `/docs`.
 *
 * Two plugins, around authPlugin:
 *  - `openapi`, registered BEFORE it: @fastify/swagger's onRoute hook, so that the document has every route (the auth
 *    plugin registers /v1/auth/* itself), and an onRoute hook of ours that gives class `public` to the routes
 *    registered inside the docs scope, and to no other route. The UI's routes are written by someone else and do not
 *    declare `config.access`, which the auth plugin's fail-closed check requires; hooks run in the order they were
 *    added, so ours runs before that check, and everything outside the docs scope still has to declare its class.
 *  - `docsRoutes`, registered AFTER it: the docs scope (Swagger UI and the document), whose routes then pass the auth
 *    plugin's checks like any public route.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyPluginAsync, FastifySchema } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ROUTE_ACCESS, isRouteClass, type RouteClass } from '../auth/policy.js';
import { NODE_MODULES } from '../modules/index.js';

export const DOCS_PREFIX = '/docs';

/** Marks the docs scope (and, through the prototype chain, every context inside it: the UI's own plugins). */
const DOCS_SCOPE = Symbol('machi.docs-scope');

/** Same as fastify-plugin: the plugin's hooks and decorators land on the instance it is registered on. */
const unencapsulated = <T extends FastifyPluginAsync<never>>(p: T): T => {
  (p as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return p;
};

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The base areas; each module adds its own tags (`NodeModule.tags`, src/modules/index.ts), listed after these. */
const BASE_TAGS = [
  { name: 'ledger', description: 'signed transactions, receipts, proofs, blocks, the log, the genesis file', paths: /^\/v1\/(txs|blocks|log|genesis)(\/|$)/ },
  { name: 'consensus', description: 'consensus status and evidence of misbehaviour', paths: /^\/v1\/(consensus|evidence)(\/|$)/ },
  { name: 'node', description: 'health and Prometheus metrics of this node', paths: /^\/(v1\/health|metrics)(\/|$)/ },
  { name: 'auth', description: 'sign-in: a session token to send as Authorization: Bearer', paths: /^\/v1\/auth(\/|$)/ },
] as const;

/** Areas, in the order the UI lists them; an operation's tag comes from its path (`tagOf`). */
export const TAGS: readonly { name: string; description: string; paths: RegExp }[] = [...BASE_TAGS, ...NODE_MODULES.flatMap((m) => m.tags)];

/** The area of a path; a path of no known area gets its first segment after /v1, so it is still grouped. */
export function tagOf(url: string): string {
  for (const t of TAGS) if (t.paths.test(url)) return t.name;
  return /^\/(?:v1\/)?([^/]+)/.exec(url)?.[1] ?? 'other';
}

/**
 * Whether a route of this class needs a session token: every class but `public`, `auth` and `metrics`. Open311's POST
 * requests.json (`open311.report`) passes the hook as public but authenticates the token itself (as `api_key` or as a
 * bearer token), so it is documented as needing one.
 */
export function needsToken(access: RouteClass): boolean {
  return access !== 'public' && access !== 'auth' && access !== 'metrics';
}

/** What a route's schema cannot say by itself (bodies that are not JSON, …): each module's `docs`, by `METHOD url`. */
const EXTRA: Readonly<Record<string, (s: Record<string, unknown>) => Record<string, unknown>>> = Object.assign({}, ...NODE_MODULES.map((m) => m.docs ?? {}));

/** Register before authPlugin (see above). */
export const openapi: FastifyPluginAsync = unencapsulated(async (app) => {
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    if ((this as unknown as Record<symbol, unknown>)[DOCS_SCOPE] !== true || route.config?.access !== undefined) return;
    route.config = { ...route.config, access: 'public' };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Machi',
        version,
        description: 'The HTTP API of a Machi node. Errors are `{code, message}` from one catalogue (docs/spec/errors.md). '
          + 'Routes marked with a lock need a session token from `POST /v1/auth/login`, sent as `Authorization: Bearer <token>`; '
          + 'which roles may call them is the policy table in packages/node/src/auth/policy.ts.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'session token from POST /v1/auth/login (15 minutes)' },
        },
      },
      tags: TAGS.map((t) => ({ name: t.name, description: t.description })),
    },
    // the shared schemas (shared-schemas.ts) become components named by their $id
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const s: Record<string, unknown> = { ...(schema as Record<string, unknown> | undefined) };
      if (s.hide === true) return { schema: s as FastifySchema, url };
      const access: unknown = route.config?.access;
      // every route has a class (the auth plugin refuses others); a missing one would be a bug: document it as locked
      if (!isRouteClass(access) || needsToken(access)) s.security = [{ bearer: [] }];
      if (isRouteClass(access) && needsToken(access) && ROUTE_ACCESS[access] !== 'public') {
        const who = ROUTE_ACCESS[access];
        s.description = `Route class \`${access}\`: ${who === 'authenticated' ? 'any signed-in user' : `roles ${who.join(', ')}`}.`;
      }
      s.tags = [tagOf(url)];
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const extra = methods.map((m) => EXTRA[`${m} ${url}`]).find((f) => f !== undefined);
      const out: Record<string, unknown> = extra === undefined ? s : extra(s);
      // every response described, and a success documented even where the route's schema names only its errors
      if (out.response !== undefined) {
        const response: Record<string, unknown> = { ...(out.response as Record<string, unknown>) };
        for (const [code, r] of Object.entries(response)) {
          if (typeof r === 'object' && r !== null && (r as { description?: unknown }).description === undefined) {
            response[code] = { ...r, description: /^[45]/.test(code) ? 'error: {code, message} (docs/spec/errors.md)' : 'success' };
          }
        }
        if (!Object.keys(response).some((c) => /^2/.test(c))) response['200'] = { description: 'success', type: 'object', additionalProperties: true };
        out.response = response;
      }
      return { schema: out as FastifySchema, url };
    },
  });
});

/** Swagger UI runs from its own files; it needs inline styles and data: images (its icons), nothing from elsewhere. */
export const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Register after authPlugin (see above). */
export const docsRoutes: FastifyPluginAsync = async (scope) => {
  scope.decorate(DOCS_SCOPE, true);
  // the docs share the web app's origin (and its session storage): keep their pages to this origin's own files too
  scope.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', DOCS_CSP).header('x-content-type-options', 'nosniff');
  });
  await scope.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  scope.get(`${DOCS_PREFIX}/openapi.json`, { config: { access: 'public' }, schema: { hide: true } }, async () => scope.swagger());
};
