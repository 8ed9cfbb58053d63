/**
 * What the identity routes take: params and bodies as JSON schemas, and the types derived from them. What they show
 * is the module's client contract in the core (modules/identity/api.ts).
 */
import { CREDENTIAL_STATUSES, STATUS_REASONS } from '@machi/core';
import { ref, type FromRoute } from '../../api/shared-schemas.js';
import { PRESENTATIONS_MAX } from './context.js';
import { PRESENTATION_CHARS_MAX } from './verify.js';

export const sessionParam = { type: 'object', required: ['session'], properties: { session: ref('SessionId') } } as const;
export type SessionParam = FromRoute<typeof sessionParam>;
export const offerParam = { type: 'object', required: ['offer'], properties: { offer: ref('OfferId') } } as const;
export type OfferParam = FromRoute<typeof offerParam>;
export const hashParam = { type: 'object', required: ['hash'], properties: { hash: ref('Hash') } } as const;
export type HashParam = FromRoute<typeof hashParam>;
export const walletCredentialParam = { type: 'object', required: ['id'], properties: { id: ref('WalletCredentialId') } } as const;
export type WalletCredentialParam = FromRoute<typeof walletCredentialParam>;
/** Any text: an unknown DID or organisation is a 404 from the route, not a 400. */
export const didParam = { type: 'object', required: ['did'], properties: { did: { type: 'string', maxLength: 200 } } } as const;
export type DidParam = FromRoute<typeof didParam>;
export const orgParam = { type: 'object', required: ['org'], properties: { org: { type: 'string', maxLength: 64 } } } as const;
export type OrgParam = FromRoute<typeof orgParam>;

/** A holder's public key, checked by holderJwkOf. */
const jwk = { type: 'object', maxProperties: 8, additionalProperties: { type: 'string', maxLength: 200 } } as const;
const nonce = { type: 'string', minLength: 16, maxLength: 64 } as const;

export const redeemBody = {
  type: 'object', additionalProperties: false, required: ['code', 'holderJwk'], properties: { code: { type: 'string', minLength: 16, maxLength: 64 }, holderJwk: jwk },
} as const;
export type RedeemBody = FromRoute<typeof redeemBody>;

export const presentationsBody = {
  type: 'object', additionalProperties: false, required: ['presentations'],
  properties: { presentations: { type: 'array', minItems: 1, maxItems: PRESENTATIONS_MAX, items: { type: 'string', maxLength: PRESENTATION_CHARS_MAX } } },
} as const;
export type PresentationsBody = FromRoute<typeof presentationsBody>;

export const offerBody = {
  type: 'object', additionalProperties: false, required: ['type', 'claims'],
  properties: {
    type: { type: 'string', maxLength: 40 },
    claims: { type: 'object', maxProperties: 16, additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 200 } },
    subject: ref('SubjectId'),
    validDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
} as const;
export type OfferBody = FromRoute<typeof offerBody>;

export const statusBody = {
  type: 'object', additionalProperties: false, required: ['status', 'reason'], properties: { status: { type: 'string', enum: CREDENTIAL_STATUSES }, reason: { type: 'string', enum: STATUS_REASONS } },
} as const;
export type StatusBody = FromRoute<typeof statusBody>;

export const sessionBody = { type: 'object', additionalProperties: false, required: ['service'], properties: { service: { type: 'string', maxLength: 40 } } } as const;
export type SessionBody = FromRoute<typeof sessionBody>;

export const storeCredentialBody = { type: 'object', additionalProperties: false, required: ['credential'], properties: { credential: { type: 'string', maxLength: PRESENTATION_CHARS_MAX } } } as const;
export type StoreCredentialBody = FromRoute<typeof storeCredentialBody>;

export const acceptBody = {
  type: 'object', additionalProperties: false, properties: { holderJwk: jwk, demoHolderKey: { type: 'boolean', const: true } }, oneOf: [{ required: ['holderJwk'] }, { required: ['demoHolderKey'] }],
} as const;
export type AcceptBody = { holderJwk?: Record<string, string>; demoHolderKey?: true };

export const consentBody = {
  type: 'object', additionalProperties: false, required: ['session', 'nonce'],
  properties: { session: ref('SessionId'), nonce, credentials: { type: 'array', minItems: 1, maxItems: PRESENTATIONS_MAX, uniqueItems: true, items: ref('WalletCredentialId') } },
} as const;
export type ConsentBody = FromRoute<typeof consentBody>;

export const demoPresentBody = {
  type: 'object', additionalProperties: false, required: ['session', 'nonce'],
  properties: { session: ref('SessionId'), nonce, disclose: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 40 } } },
} as const;
export type DemoPresentBody = FromRoute<typeof demoPresentBody>;
