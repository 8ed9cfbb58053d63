/**
 * Digital-ID routes (docs/spec/identity.md#api). Public: DID documents, issuer metadata with the JWKS, the status list
 * token, the catalogue, a session's request, redeeming an offer and posting presentations (the last three carry their
 * own authorisation: a one-time code, or the holder's key-binding signature) — these send CORS headers, since a
 * resident's wallet runs in the browser on their own organisation's origin. Signed-in: issuing (`identity.issue`), the
 * desk (`identity.desk`), the wallet (`identity.wallet`).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  CREDENTIAL_STATUSES,
  CREDENTIAL_TYPES,
  CREDENTIAL_TYPE_IDS,
  MachiError,
  SERVICES,
  STATUS_REASONS,
  didDocument,
  didOfOrg,
  orgJwk,
  orgOfDid,
  requiredClaims,
  type CredentialStatus,
  type StatusReason,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { perAddressLimit } from '../../auth/rate-limit.js';
import type { MachiNode } from '../../node/node.js';
import { errorSchema } from '../../api/routes/schemas.js';
import type { IdentityService } from './service.js';
import { holderJwkOf, type HolderJwk } from './sdjwt.js';
import { PRESENTATION_CHARS_MAX } from './verify.js';
import { PRESENTATIONS_MAX } from './service.js';

export interface IdentityRouteOptions {
  node: MachiNode;
  service: IdentityService;
}

/** Submissions of presentations one client address may post per minute (the route is public). */
export const PRESENTATIONS_PER_IP_PER_MINUTE = 30;
/** The rate limit's window. */
export const PRESENTATIONS_RATE_WINDOW_MS = 60_000;
/** Client addresses the rate limit tracks at once (beyond it, the oldest window is dropped). */
export const PRESENTATIONS_RATE_ADDRESSES_MAX = 10_000;

/** A fixed-window counter per client address. */
export class RateLimit {
  readonly #windows = new Map<string, { start: number; count: number }>();
  constructor(readonly max: number, readonly windowMs: number, readonly keysMax: number, readonly clock: () => number = Date.now) {}

  /** Counts one request from `key`; false when it is over the limit. */
  take(key: string): boolean {
    const now = this.clock();
    let w = this.#windows.get(key);
    if (w === undefined || now - w.start >= this.windowMs) {
      this.#windows.delete(key);
      if (this.#windows.size >= this.keysMax) this.#windows.delete(this.#windows.keys().next().value!);
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    w.count++;
    return w.count <= this.max;
  }
}

const loose = { type: 'object', additionalProperties: true } as const;
const hash64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const sessionParam = { type: 'object', required: ['session'], properties: { session: { type: 'string', pattern: '^ses_[0-9a-f]{32}$' } } } as const;
const offerParam = { type: 'object', required: ['offer'], properties: { offer: { type: 'string', pattern: '^off_[0-9a-f]{32}$' } } } as const;
const jwkSchema = { type: 'object', maxProperties: 8, additionalProperties: { type: 'string', maxLength: 200 } } as const;
const errors = { '4xx': errorSchema } as const;

/** A browser wallet on another organisation's origin may call the public identity routes. */
function cors(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
  reply.header('access-control-allow-headers', 'content-type');
  reply.header('access-control-max-age', '600');
}

function holderKey(v: unknown): HolderJwk {
  const checked = holderJwkOf(v);
  if (!checked.ok) throw new MachiError('CREDENTIAL_INVALID', checked.why);
  return checked.jwk;
}

export const identityRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (app, { node, service }) => {
  const genesis = node.genesis;
  const orgOrThrow = (id: string) => {
    const o = genesis.orgs.find((x) => x.id === id);
    if (o === undefined) throw new MachiError('NOT_FOUND', `no organisation ${id} in this chain`);
    return o;
  };
  // CORS on the public routes a wallet calls from another origin (preflight included).
  app.addHook('onSend', async (req, reply) => {
    if (req.routeOptions.config.access === 'public') cors(reply);
  });

  // ---- public: keys, DIDs, metadata, status ------------------------------------------------------------------------

  app.get('/.well-known/did.json', { config: { access: 'public' } }, async () => didDocument(genesis, orgOrThrow(node.self.id)));

  app.get<{ Params: { did: string } }>('/v1/identity/dids/:did', {
    config: { access: 'public' },
    schema: { params: { type: 'object', required: ['did'], properties: { did: { type: 'string', maxLength: 200 } } }, response: errors },
  }, async (req) => {
    const org = orgOfDid(genesis, req.params.did);
    if (org === undefined || req.params.did.includes('#')) throw new MachiError('NOT_FOUND', `${req.params.did} is not a DID of ${genesis.chainId}`);
    return didDocument(genesis, org);
  });

  /** SD-JWT VC issuer metadata: the issuer (its DID) and its JWKS — all an outside verifier needs. */
  app.get<{ Params: { org: string } }>('/.well-known/jwt-vc-issuer/orgs/:org', {
    config: { access: 'public' },
    schema: { params: { type: 'object', required: ['org'], properties: { org: { type: 'string', maxLength: 64 } } }, response: errors },
  }, async (req) => {
    const org = orgOrThrow(req.params.org);
    return { issuer: didOfOrg(genesis.chainId, org.id), jwks: { keys: [orgJwk(genesis.chainId, org)] } };
  });

  app.get('/v1/identity/catalogue', { config: { access: 'public' } }, async () => ({
    types: CREDENTIAL_TYPE_IDS.map((id) => {
      const t = CREDENTIAL_TYPES[id];
      return { id, vct: t.vct, name: t.name, issuers: t.issuers, validityDays: t.validityDays, claims: Object.entries(t.claims).map(([name, c]) => ({ name, label: c.label, ...c.value, derived: c.derived === true })) };
    }),
    services: Object.values(SERVICES).map((s) => ({ id: s.id, name: s.name, desks: s.desks, requirements: s.requirements.map((r) => ({ type: r.type, disclose: requiredClaims(r), ...(r.require === undefined ? {} : { require: r.require }) })) })),
    issuers: genesis.orgs.map((o) => ({ org: o.id, name: o.name, did: didOfOrg(genesis.chainId, o.id), types: CREDENTIAL_TYPE_IDS.filter((t) => CREDENTIAL_TYPES[t].issuers.includes(o.id)) })),
  }));

  /** The issuer's Token Status List (draft-ietf-oauth-status-list) as a signed JWT, built from the ledger. */
  app.get<{ Params: { org: string } }>('/v1/identity/status-lists/:org', {
    config: { access: 'public' },
    schema: { params: { type: 'object', required: ['org'], properties: { org: { type: 'string', maxLength: 64 } } } },
  }, async (req, reply) => reply.type('application/statuslist+jwt').send(await service.statusList(req.params.org)));

  app.get<{ Params: { hash: string } }>('/v1/identity/credentials/:hash', {
    config: { access: 'public' },
    schema: { params: { type: 'object', required: ['hash'], properties: { hash: hash64 } }, response: { 200: loose, ...errors } },
  }, async (req) => service.credential(req.params.hash));

  // ---- public, authorised by what they carry -----------------------------------------------------------------------

  for (const url of ['/v1/identity/offers/:offer/redeem', '/v1/identity/sessions/:session/presentations']) {
    app.options(url, { config: { access: 'public' } }, async (_req, reply) => reply.status(204).send());
  }

  /** A wallet binds its key to an offer with the offer's one-time code, and receives the SD-JWT VC. */
  app.post<{ Params: { offer: string }; Body: { code: string; holderJwk: Record<string, string> } }>('/v1/identity/offers/:offer/redeem', {
    config: { access: 'public' },
    schema: {
      params: offerParam,
      body: { type: 'object', additionalProperties: false, required: ['code', 'holderJwk'], properties: { code: { type: 'string', minLength: 16, maxLength: 64 }, holderJwk: jwkSchema } },
      response: { 200: loose, ...errors },
    },
  }, async (req) => service.redeem(req.params.offer, { code: req.body.code }, holderKey(req.body.holderJwk)));

  /** What a wallet shows before the resident consents: the service, the desk, what each credential must disclose. */
  app.get<{ Params: { session: string } }>('/v1/identity/sessions/:session', {
    config: { access: 'public' },
    schema: { params: sessionParam, response: { 200: loose, ...errors } },
  }, async (req) => service.sessionViewWaiting(req.params.session));

  /** The wallet's answer to a session: one presentation per credential the service needs (OpenID4VP direct_post style). */
  app.post<{ Params: { session: string }; Body: { presentations: string[] } }>('/v1/identity/sessions/:session/presentations', {
    config: { access: 'public', rateLimit: perAddressLimit(PRESENTATIONS_PER_IP_PER_MINUTE, PRESENTATIONS_RATE_WINDOW_MS, 'PRESENTATIONS_RATE_LIMITED') },
    schema: {
      params: sessionParam,
      body: {
        type: 'object', additionalProperties: false, required: ['presentations'],
        properties: { presentations: { type: 'array', minItems: 1, maxItems: PRESENTATIONS_MAX, items: { type: 'string', maxLength: PRESENTATION_CHARS_MAX } } },
      },
      response: { 200: loose, ...errors },
    },
  }, async (req) => service.present(req.params.session, req.body.presentations));

  // ---- issuing -----------------------------------------------------------------------------------------------------

  app.post<{ Body: { type: string; claims: Record<string, unknown>; subject?: string; validDays?: number } }>('/v1/identity/offers', {
    config: { access: 'identity.issue' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['type', 'claims'],
        properties: {
          type: { type: 'string', maxLength: 40 },
          claims: { type: 'object', maxProperties: 16, additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 200 } },
          subject: { type: 'string', pattern: '^sub_[0-9a-f]{32}$' },
          validDays: { type: 'integer', minimum: 1, maximum: 3650 },
        },
      },
      response: { 201: loose, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await service.offer(principalOf(req), req.body)));

  /** What this organisation issued here, with each credential's status on the ledger (no claims). */
  app.get('/v1/identity/issued', { config: { access: 'identity.issue' }, schema: { response: { 200: loose, ...errors } } },
    async (req) => ({ issued: service.issued(principalOf(req)) }));

  app.post<{ Params: { hash: string }; Body: { status: CredentialStatus; reason: StatusReason } }>('/v1/identity/credentials/:hash/status', {
    config: { access: 'identity.issue' },
    schema: {
      params: { type: 'object', required: ['hash'], properties: { hash: hash64 } },
      body: { type: 'object', additionalProperties: false, required: ['status', 'reason'], properties: { status: { type: 'string', enum: [...CREDENTIAL_STATUSES] }, reason: { type: 'string', enum: [...STATUS_REASONS] } } },
      response: { 200: loose, ...errors },
    },
  }, async (req) => service.setStatus(principalOf(req), req.params.hash, req.body.status, req.body.reason));

  // ---- the desk ----------------------------------------------------------------------------------------------------

  app.post<{ Body: { service: string } }>('/v1/identity/sessions', {
    config: { access: 'identity.desk' },
    schema: { body: { type: 'object', additionalProperties: false, required: ['service'], properties: { service: { type: 'string', maxLength: 40 } } }, response: { 201: loose, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.startSession(principalOf(req), req.body.service)));

  app.get<{ Params: { session: string } }>('/v1/identity/sessions/:session/desk', {
    config: { access: 'identity.desk' },
    schema: { params: sessionParam, response: { 200: loose, ...errors } },
  }, async (req) => service.deskView(principalOf(req), req.params.session));

  // ---- the wallet --------------------------------------------------------------------------------------------------

  app.get('/v1/me/identity/credentials', { config: { access: 'identity.wallet' } }, async (req) => ({ credentials: await service.wallet(principalOf(req)) }));

  app.post<{ Body: { credential: string } }>('/v1/me/identity/credentials', {
    config: { access: 'identity.wallet' },
    schema: { body: { type: 'object', additionalProperties: false, required: ['credential'], properties: { credential: { type: 'string', maxLength: PRESENTATION_CHARS_MAX } } }, response: { 201: loose, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.store(principalOf(req), req.body.credential)));

  app.get('/v1/me/identity/offers', { config: { access: 'identity.wallet' } }, async (req) => ({ offers: service.offersFor(principalOf(req)) }));

  app.post<{ Params: { offer: string }; Body: { holderJwk?: Record<string, string>; demoHolderKey?: boolean } }>('/v1/me/identity/offers/:offer/accept', {
    config: { access: 'identity.wallet' },
    schema: {
      params: offerParam,
      body: { type: 'object', additionalProperties: false, properties: { holderJwk: jwkSchema, demoHolderKey: { type: 'boolean', const: true } }, oneOf: [{ required: ['holderJwk'] }, { required: ['demoHolderKey'] }] },
      response: { 201: loose, ...errors },
    },
  }, async (req, reply) => {
    const holder = req.body.holderJwk !== undefined ? { holderJwk: holderKey(req.body.holderJwk) } : { demoHolderKey: true as const };
    return reply.status(201).send(await service.accept(principalOf(req), req.params.offer, holder));
  });

  app.post<{ Body: { session: string; nonce: string; credentials?: string[] } }>('/v1/me/identity/consents', {
    config: { access: 'identity.wallet' },
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['session', 'nonce'],
        properties: {
          session: { type: 'string', pattern: '^ses_[0-9a-f]{32}$' }, nonce: { type: 'string', minLength: 16, maxLength: 64 },
          credentials: { type: 'array', minItems: 1, maxItems: PRESENTATIONS_MAX, uniqueItems: true, items: { type: 'string', pattern: '^wc_[0-9a-f]{32}$' } },
        },
      },
      response: { 201: loose, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await service.consent(principalOf(req), req.body.session, req.body.nonce, req.body.credentials)));

  /** DEMO ONLY: a presentation of a seeded credential whose holder key the node generated. */
  app.post<{ Params: { id: string }; Body: { session: string; nonce: string; disclose?: string[] } }>('/v1/me/identity/credentials/:id/present', {
    config: { access: 'identity.wallet' },
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^wc_[0-9a-f]{32}$' } } },
      body: {
        type: 'object', additionalProperties: false, required: ['session', 'nonce'],
        properties: { session: { type: 'string', pattern: '^ses_[0-9a-f]{32}$' }, nonce: { type: 'string', minLength: 16, maxLength: 64 }, disclose: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 40 } } },
      },
      response: { 200: loose, ...errors },
    },
  }, async (req) => service.demoPresent(principalOf(req), req.params.id, req.body));

  app.get('/v1/me/identity/uses', { config: { access: 'identity.wallet' } }, async (req) => service.uses(principalOf(req)));
};
