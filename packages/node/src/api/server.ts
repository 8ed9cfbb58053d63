/**
 * The HTTP API. `buildServer` only builds (tests use `inject()` with no socket); the caller listens. Every expected
 * failure leaves through one error handler as `{code, message}` with the status from the core's error catalogue.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { BODY_BYTES_MAX, ERRORS, MachiError, isMachiError } from '@machi/core';
import type { MachiNode } from '../node/node.js';
import { txRoutes } from './routes/txs.js';
import { blockRoutes } from './routes/blocks.js';
import { healthRoutes } from './routes/health.js';
import { consensusRoutes } from './routes/consensus.js';
import type { ConsensusDriver } from '../consensus/driver.js';
import { votingView, type VotingView } from '../node/restore-check.js';
import { authPlugin, type AuthOptions } from '../auth/plugin.js';
import { TXS_PER_ADDRESS_PER_MINUTE_DEFAULT, rateLimits } from '../auth/rate-limit.js';
import { jsonBodyParser } from './raw-body.js';
import { isIP } from 'node:net';
import { docsRoutes, openapi } from './openapi.js';
import { metricsRegistry, metricsRoutes } from './metrics.js';
import { SHARED_SCHEMAS } from './shared-schemas.js';
// the module list fills the policy table and the OpenAPI tags: every server has it
import '../modules/index.js';

export interface ServerOptions {
  /** request logs: a pino logger (structured JSON, with each request's id as `reqId`), or off (default) */
  logger?: boolean | FastifyBaseLogger;
  /** webhook deliveries by state, for /metrics (the webhooks module's store) */
  webhookStates?: () => Record<string, number>;
  /** the process's own metrics on /metrics too (a node process; off in tests) */
  processMetrics?: boolean;
  /** consensus status and evidence routes */
  consensus?: ConsensusDriver;
  peers?: () => { orgId: string; publicKey: string }[];
  /** whether the node votes, for /v1/health, /v1/consensus and /metrics: a restored node's double-sign check
   * (`votingView(check)`, node/restore-check.ts); default allowed */
  voting?: () => VotingView;
  /** accounts and sign-in (/v1/auth/*); without it, every route that is not public answers 401 */
  auth?: AuthOptions;
  /** more route plugins, registered after the built-in ones; each route must declare config.access (src/auth/policy.ts) */
  plugins?: readonly FastifyPluginAsync[];
  /** the OpenAPI document at /docs/openapi.json and its UI at /docs (src/api/openapi.ts); default true */
  docs?: boolean;
  /**
   * Fastify's `trustProxy`: which proxies' X-Forwarded-For names the client (true: any; addresses or CIDRs). Default
   * off (X-Forwarded-For ignored), or MACHI_TRUST_PROXY (`machi start --trust-proxy`). Per-address limits key on it.
   */
  trustProxy?: TrustProxy;
  /** transactions one client address may submit per minute (0: no limit); default TXS_PER_ADDRESS_PER_MINUTE_DEFAULT or MACHI_TX_RATE_LIMIT (`machi start --tx-rate-limit`) */
  txsPerAddressPerMinute?: number;
}

export type TrustProxy = boolean | string[];

/** `--trust-proxy` / MACHI_TRUST_PROXY: true, false, or a comma-separated list of addresses, CIDRs or proxy-addr names (loopback, linklocal, uniquelocal). */
export function parseTrustProxy(text: string): TrustProxy {
  const t = text.trim();
  if (t === '' || t === 'false' || t === '0') return false;
  if (t === 'true' || t === '1') return true;
  const list = t.split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of list) {
    const [addr, bits, ...rest] = x.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(x);
    const v = isIP(addr ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128));
    if (!named && (v === 0 || !bitsOk || rest.length > 0)) throw new Error(`trust-proxy: ${JSON.stringify(x)} is not true, false, an address, a CIDR or loopback/linklocal/uniquelocal`);
  }
  return list;
}

/** `--tx-rate-limit` / MACHI_TX_RATE_LIMIT: a whole number of transactions per minute, 0 for none. */
export function parseTxRateLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new Error(`tx-rate-limit: ${JSON.stringify(text)} is not a whole number of transactions per minute`);
  return n;
}

export const REQUEST_ID_HEADER = 'x-request-id';
/** A client's request id is kept if it is at most this long and of letters, digits, `-`, `_`, `.`, `:`. */
export const REQUEST_ID_CHARS_MAX = 64;
const REQUEST_ID_RE = new RegExp(`^[A-Za-z0-9._:-]{1,${REQUEST_ID_CHARS_MAX}}$`);

/** The request's id: the client's X-Request-Id when sane (a proxy's or the caller's correlation id), else a UUID. */
export function requestId(req: IncomingMessage): string {
  const h = req.headers[REQUEST_ID_HEADER];
  return typeof h === 'string' && REQUEST_ID_RE.test(h) ? h : randomUUID();
}

/** Query parameters whose values never reach a log (Open311's `api_key` is a session token). */
const SECRET_PARAM_RE = /key|token|secret|password|code/i;

/** The URL with the values of secret-looking query parameters replaced by `***`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const k of [...params.keys()]) if (SECRET_PARAM_RE.test(k)) params.set(k, '***');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** What a request log line says of the request: method, URL (secrets masked), client address. */
function requestForLog(req: { method: string; url: string; ip?: string }): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
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
  const env = process.env;
  const trustProxy = opts.trustProxy ?? parseTrustProxy(env.MACHI_TRUST_PROXY ?? '');
  const txsPerMinute = opts.txsPerAddressPerMinute ?? (env.MACHI_TX_RATE_LIMIT === undefined ? TXS_PER_ADDRESS_PER_MINUTE_DEFAULT : parseTxRateLimit(env.MACHI_TX_RATE_LIMIT));
  const logger = opts.logger === undefined || typeof opts.logger === 'boolean'
    ? { logger: opts.logger ?? false }
    : { loggerInstance: opts.logger.child({}, { serializers: { req: requestForLog } }) };
  const app = Fastify({
    ...logger, genReqId: requestId, requestIdHeader: false, bodyLimit: BODY_BYTES_MAX, trustProxy, ajv: { customOptions: { allowUnionTypes: true } } });
  // every answer names its request id: the client's X-Request-Id if it is a sane one, else a fresh one (logs carry it)
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    done(null, payload);
  });
  // JSON bodies: a too-large one is read to its end before the 413, so the client gets the answer, not a reset
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', jsonBodyParser(app, BODY_BYTES_MAX));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
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
  // before any route, so its latency hook sees them all
  const voting = opts.voting ?? (() => votingView(undefined));
  const metrics = metricsRegistry(app, { node, consensus: opts.consensus, peers: opts.peers, voting, webhookStates: opts.webhookStates, processMetrics: opts.processMetrics });
  const docs = opts.docs ?? true;
  // Before auth, so that the OpenAPI document has every route; it also makes the docs' own routes public (openapi.ts).
  if (docs) await app.register(openapi);
  // Before any route: it reads each route's config.rateLimit when the route is added.
  await app.register(rateLimits);
  // First of the routes: its hooks check every route registered after it (config.access) and authorise every request.
  await app.register(authPlugin, { auth: opts.auth });
  if (docs) await app.register(docsRoutes);
  await app.register(healthRoutes, { node, voting });
  await app.register(metricsRoutes, { register: metrics });
  await app.register(txRoutes, { node, txsPerMinute });
  await app.register(blockRoutes, { node });
  if (opts.consensus !== undefined) await app.register(consensusRoutes, { consensus: opts.consensus, peers: opts.peers ?? (() => []), voting });
  for (const plugin of opts.plugins ?? []) await app.register(plugin);
  return app;
}
