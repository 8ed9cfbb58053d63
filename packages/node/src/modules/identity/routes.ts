/**
 * Digital-ID routes (docs/spec/identity.md#api). Public: DID documents, issuer metadata with the JWKS, the status list
 * token, the catalogue, a session's request, redeeming an offer and posting presentations (the last three carry their
 * own authorisation: a one-time code, or the holder's key-binding signature) — these send CORS headers, since a
 * resident's wallet runs in the browser on their own organisation's origin. Signed-in: issuing (`identity.issue`), the
 * desk (`identity.desk`), the wallet (`identity.wallet`).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  CREDENTIAL_TYPES,
  CREDENTIAL_TYPE_IDS,
  MachiError,
  SERVICES,
  consentGivenSchema,
  credentialRecordSchema,
  demoPresentationSchema,
  deskViewSchema,
  didOfOrg,
  identityUsesSchema,
  issuedListSchema,
  offerCreatedSchema,
  offerRedeemedSchema,
  parseOrgDid,
  requiredClaims,
  sessionStartedSchema,
  sessionViewSchema,
  statusChangedSchema,
  submissionResultSchema,
  walletCredentialSchema,
  walletOffersSchema,
  walletSchema,
} from '@machi/core';
import { principalOf } from '../../auth/plugin.js';
import { perAddressLimit } from '../../auth/rate-limit.js';
import type { MachiNode } from '../../node/node.js';
import { errorRef } from '../../api/shared-schemas.js';
import type { IdentityService } from './service.js';
import { holderJwkOf, type HolderJwk } from './sdjwt.js';
import { PRESENTATIONS_PER_IP_PER_MINUTE, PRESENTATIONS_RATE_WINDOW_MS } from './rate-limit.js';
import {
  acceptBody, consentBody, demoPresentBody, didParam, hashParam, offerBody, offerParam, orgParam, presentationsBody, redeemBody, sessionBody, sessionParam,
  statusBody, storeCredentialBody, walletCredentialParam,
  type AcceptBody, type ConsentBody, type DemoPresentBody, type DidParam, type HashParam, type OfferBody, type OfferParam, type OrgParam,
  type PresentationsBody, type RedeemBody, type SessionBody, type SessionParam, type StatusBody, type StoreCredentialBody, type WalletCredentialParam,
} from './schemas.js';

export { PRESENTATIONS_PER_IP_PER_MINUTE, PRESENTATIONS_RATE_WINDOW_MS } from './rate-limit.js';

export interface IdentityRouteOptions {
  node: MachiNode;
  service: IdentityService;
}

const errors = { '4xx': errorRef } as const;

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
  // CORS on the public routes a wallet calls from another origin (preflight included).
  app.addHook('onSend', async (req, reply) => {
    if (req.routeOptions.config.access === 'public') cors(reply);
  });

  // ---- public: keys, DIDs, metadata, status ------------------------------------------------------------------------

  app.get('/.well-known/did.json', { config: { access: 'public' } }, async () => service.didDocument(node.self.id));

  app.get<{ Params: DidParam }>('/v1/identity/dids/:did', {
    config: { access: 'public' },
    schema: { params: didParam, response: errors },
  }, async (req) => {
    const parsed = parseOrgDid(genesis.chainId, req.params.did);
    if (parsed === undefined || parsed.key !== undefined) throw new MachiError('NOT_FOUND', `${req.params.did} is not a DID of ${genesis.chainId}`);
    return service.didDocument(parsed.orgId);
  });

  /** SD-JWT VC issuer metadata: the issuer (its DID) and its JWKS — all an outside verifier needs. */
  app.get<{ Params: OrgParam }>('/.well-known/jwt-vc-issuer/orgs/:org', {
    config: { access: 'public' },
    schema: { params: orgParam, response: errors },
  }, async (req) => {
    return service.issuerMetadata(req.params.org);
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
  app.get<{ Params: OrgParam }>('/v1/identity/status-lists/:org', {
    config: { access: 'public' },
    schema: { params: orgParam },
  }, async (req, reply) => reply.type('application/statuslist+jwt').send(await service.statusList(req.params.org)));

  app.get<{ Params: HashParam }>('/v1/identity/credentials/:hash', {
    config: { access: 'public' },
    schema: { params: hashParam, response: { 200: credentialRecordSchema, ...errors } },
  }, async (req) => service.credential(req.params.hash));

  // ---- public, authorised by what they carry -----------------------------------------------------------------------

  for (const url of ['/v1/identity/offers/:offer/redeem', '/v1/identity/sessions/:session/presentations']) {
    app.options(url, { config: { access: 'public' } }, async (_req, reply) => reply.status(204).send());
  }

  /** A wallet binds its key to an offer with the offer's one-time code, and receives the SD-JWT VC. */
  app.post<{ Params: OfferParam; Body: RedeemBody }>('/v1/identity/offers/:offer/redeem', {
    config: { access: 'public' },
    schema: { params: offerParam, body: redeemBody, response: { 200: offerRedeemedSchema, ...errors } },
  }, async (req) => service.redeem(req.params.offer, { code: req.body.code }, holderKey(req.body.holderJwk)));

  /** What a wallet shows before the resident consents: the service, the desk, what each credential must disclose. */
  app.get<{ Params: SessionParam }>('/v1/identity/sessions/:session', {
    config: { access: 'public' },
    schema: { params: sessionParam, response: { 200: sessionViewSchema, ...errors } },
  }, async (req) => service.sessionViewWaiting(req.params.session));

  /** The wallet's answer to a session: one presentation per credential the service needs (OpenID4VP direct_post style). */
  app.post<{ Params: SessionParam; Body: PresentationsBody }>('/v1/identity/sessions/:session/presentations', {
    config: { access: 'public', rateLimit: perAddressLimit(PRESENTATIONS_PER_IP_PER_MINUTE, PRESENTATIONS_RATE_WINDOW_MS, 'PRESENTATIONS_RATE_LIMITED') },
    schema: { params: sessionParam, body: presentationsBody, response: { 200: submissionResultSchema, ...errors } },
  }, async (req) => service.present(req.params.session, req.body.presentations));

  // ---- issuing -----------------------------------------------------------------------------------------------------

  app.post<{ Body: OfferBody }>('/v1/identity/offers', {
    config: { access: 'identity.issue' },
    schema: { body: offerBody, response: { 201: offerCreatedSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.offer(principalOf(req), req.body)));

  /** What this organisation issued here, with each credential's status on the ledger (no claims). */
  app.get('/v1/identity/issued', { config: { access: 'identity.issue' }, schema: { response: { 200: issuedListSchema, ...errors } } },
    async (req) => ({ issued: service.issued(principalOf(req)) }));

  app.post<{ Params: HashParam; Body: StatusBody }>('/v1/identity/credentials/:hash/status', {
    config: { access: 'identity.issue' },
    schema: { params: hashParam, body: statusBody, response: { 200: statusChangedSchema, ...errors } },
  }, async (req) => service.setStatus(principalOf(req), req.params.hash, req.body.status, req.body.reason));

  // ---- the desk ----------------------------------------------------------------------------------------------------

  app.post<{ Body: SessionBody }>('/v1/identity/sessions', {
    config: { access: 'identity.desk' },
    schema: { body: sessionBody, response: { 201: sessionStartedSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.startSession(principalOf(req), req.body.service)));

  app.get<{ Params: SessionParam }>('/v1/identity/sessions/:session/desk', {
    config: { access: 'identity.desk' },
    schema: { params: sessionParam, response: { 200: deskViewSchema, ...errors } },
  }, async (req) => service.deskView(principalOf(req), req.params.session));

  // ---- the wallet --------------------------------------------------------------------------------------------------

  app.get('/v1/me/identity/credentials', { config: { access: 'identity.wallet' }, schema: { response: { 200: walletSchema, ...errors } } }, async (req) => ({ credentials: await service.wallet(principalOf(req)) }));

  app.post<{ Body: StoreCredentialBody }>('/v1/me/identity/credentials', {
    config: { access: 'identity.wallet' },
    schema: { body: storeCredentialBody, response: { 201: walletCredentialSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.store(principalOf(req), req.body.credential)));

  app.get('/v1/me/identity/offers', { config: { access: 'identity.wallet' }, schema: { response: { 200: walletOffersSchema, ...errors } } }, async (req) => ({ offers: service.offersFor(principalOf(req)) }));

  app.post<{ Params: OfferParam; Body: AcceptBody }>('/v1/me/identity/offers/:offer/accept', {
    config: { access: 'identity.wallet' },
    schema: { params: offerParam, body: acceptBody, response: { 201: walletCredentialSchema, ...errors } },
  }, async (req, reply) => {
    const holder = req.body.holderJwk !== undefined ? { holderJwk: holderKey(req.body.holderJwk) } : { demoHolderKey: true as const };
    return reply.status(201).send(await service.accept(principalOf(req), req.params.offer, holder));
  });

  app.post<{ Body: ConsentBody }>('/v1/me/identity/consents', {
    config: { access: 'identity.wallet' },
    schema: { body: consentBody, response: { 201: consentGivenSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await service.consent(principalOf(req), req.body.session, req.body.nonce, req.body.credentials)));

  /** DEMO ONLY: a presentation of a seeded credential whose holder key the node generated. */
  app.post<{ Params: WalletCredentialParam; Body: DemoPresentBody }>('/v1/me/identity/credentials/:id/present', {
    config: { access: 'identity.wallet' },
    schema: { params: walletCredentialParam, body: demoPresentBody, response: { 200: demoPresentationSchema, ...errors } },
  }, async (req) => service.demoPresent(principalOf(req), req.params.id, req.body));

  app.get('/v1/me/identity/uses', { config: { access: 'identity.wallet' }, schema: { response: { 200: identityUsesSchema, ...errors } } }, async (req) => service.uses(principalOf(req)));
};
