/**
 * The HTTP API. `buildServer` only builds (tests use `inject()` with no socket); the caller listens. Every expected
 * failure leaves through one error handler as `{code, message}` with the status from the core's error catalogue.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { BODY_BYTES_MAX, ERRORS, MachiError, isMachiError } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import { txRoutes } from './routes/txs.js';
import { blockRoutes } from './routes/blocks.js';
import { healthRoutes } from './routes/health.js';
import { consensusRoutes } from './routes/consensus.js';
import type { ConsensusDriver } from '../consensus/driver.js';
import { authPlugin, type AuthOptions } from '../auth/plugin.js';
import { docsRoutes, openapi } from './openapi.js';
import { SHARED_SCHEMAS } from './shared-schemas.js';
// the module list fills the policy table and the OpenAPI tags: every server has it
import '../modules/index.js';

export interface ServerOptions {
  logger?: boolean;
  /** consensus status and evidence routes */
  consensus?: ConsensusDriver;
  peers?: () => { orgId: string; publicKey: string }[];
  /** accounts and sign-in (/v1/auth/*); without it, every route that is not public answers 401 */
  auth?: AuthOptions;
  /** more route plugins, registered after the built-in ones; each route must declare config.access (src/auth/policy.ts) */
  plugins?: readonly FastifyPluginAsync[];
  /** the OpenAPI document at /docs/openapi.json and its UI at /docs (src/api/openapi.ts); default true */
  docs?: boolean;
}

export function errorBody(e: MachiError): { code: string; message: string } {
  return { code: e.code, message: e.message };
}

/** Maps framework errors onto the catalogue: one place, no route does its own mapping. */
function toMachiError(e: FastifyError | Error): MachiError {
  if (isMachiError(e)) return e;
  const fe = e as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new MachiError('BODY_TOO_LARGE', `request body is larger than ${BODY_BYTES_MAX} bytes`);
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new MachiError('REQUEST_INVALID', 'send JSON with content-type application/json');
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new MachiError('BODY_MALFORMED', `request body is not valid JSON`);
  }
  if (fe.validation !== undefined) return new MachiError('REQUEST_INVALID', `request ${fe.validationContext ?? ''} ${fe.message}`.replace(/\s+/g, ' '));
  if (fe.statusCode === 400) return new MachiError('BODY_MALFORMED', fe.message);
  throw e;
}

export async function buildServer(node: MachiNode, opts: ServerOptions = {}): Promise<FastifyInstance> {
  // union types (`type: ['string', 'number']`) are deliberate in some schemas: allowed, without a strict-mode warning
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: BODY_BYTES_MAX, ajv: { customOptions: { allowUnionTypes: true } } });
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  app.setErrorHandler((err, req, reply) => {
    let e: MachiError;
    try {
      e = toMachiError(err as Error);
    } catch {
      req.log.error(err);
      return reply.status(500).send({ code: 'INTERNAL', message: 'internal error' });
    }
    return reply.status(ERRORS[e.code].status).send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }));
  const docs = opts.docs ?? true;
  // Before auth, so that the OpenAPI document has every route; it also makes the docs' own routes public (openapi.ts).
  if (docs) await app.register(openapi);
  // First of the routes: its hooks check every route registered after it (config.access) and authorise every request.
  await app.register(authPlugin, { auth: opts.auth });
  if (docs) await app.register(docsRoutes);
  await app.register(healthRoutes, { node });
  await app.register(txRoutes, { node });
  await app.register(blockRoutes, { node });
  if (opts.consensus !== undefined) await app.register(consensusRoutes, { consensus: opts.consensus, peers: opts.peers ?? (() => []) });
  for (const plugin of opts.plugins ?? []) await app.register(plugin);
  return app;
}
