/**
 * The identity module's client contract: what its HTTP API takes and shows, as JSON schemas and the types derived
 * from them (pure data), shared by the node's routes and the web app. docs/spec/identity.md#api
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { ProofBundle } from '../../bundle.js';
import { CLAIM_KINDS, CREDENTIAL_TYPE_IDS, SERVICE_IDS } from './catalogue.js';
import type { SessionRecord, VerificationRecord } from './types.js';

/** An offer a resident's wallet redeems (kept in the issuer's private store, not on the ledger). */
export const OFFER_ID_PATTERN = '^off_[0-9a-f]{32}$';
/** A credential in a resident's wallet (private store). */
export const WALLET_CREDENTIAL_ID_PATTERN = '^wc_[0-9a-f]{32}$';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const strings = { type: 'array', items: str } as const;
/** Ledger records and claims pass through whole: their types are the core's. */
const record = { type: 'object', additionalProperties: true } as const;
const tx = { txHash: str, height: int } as const;

/**
 * The catalogue a client builds its forms from (public): each credential type with its claims (a claim's kind, with
 * `min`/`max` for an integer and `values` for an enum), each service with what it requires, each organisation with
 * its DID and the types it may issue.
 */
export const identityCatalogueSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    types: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          id: { type: 'string', enum: CREDENTIAL_TYPE_IDS }, vct: str, name: str, issuers: strings, validityDays: int,
          claims: {
            type: 'array',
            items: {
              type: 'object', additionalProperties: false,
              properties: { name: str, label: str, kind: { type: 'string', enum: CLAIM_KINDS }, min: int, max: int, values: strings, derived: bool },
              required: ['name', 'label', 'kind', 'derived'],
            },
          },
        },
        required: ['id', 'vct', 'name', 'issuers', 'validityDays', 'claims'],
      },
    },
    services: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          id: { type: 'string', enum: SERVICE_IDS }, name: str, desks: strings,
          requirements: {
            type: 'array',
            items: {
              type: 'object', additionalProperties: false,
              properties: { type: { type: 'string', enum: CREDENTIAL_TYPE_IDS }, disclose: strings, require: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } },
              required: ['type', 'disclose'],
            },
          },
        },
        required: ['id', 'name', 'desks', 'requirements'],
      },
    },
    issuers: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: { org: str, name: str, did: str, types: { type: 'array', items: { type: 'string', enum: CREDENTIAL_TYPE_IDS } } },
        required: ['org', 'name', 'did', 'types'],
      },
    },
  },
  required: ['types', 'services', 'issuers'],
} as const;
export type IdentityCatalogueView = FromSchema<typeof identityCatalogueSchema>;
/** One claim of a credential type, as the catalogue shows it. */
export type ClaimView = IdentityCatalogueView['types'][number]['claims'][number];

/** What a session asks of a wallet (public: no personal data). */
export const sessionViewProperties = {
  session: str, service: str, serviceName: str, deskOrg: str, deskName: str,
  /** the desk's DID: the audience of each presentation */
  audience: str, nonceHash: str, expiresAt: int,
  requirements: {
    type: 'array',
    items: {
      type: 'object', additionalProperties: false,
      properties: { type: str, typeName: str, vct: str, disclose: strings, require: record },
      required: ['type', 'typeName', 'vct', 'disclose'],
    },
  },
  consented: bool, verified: strings, complete: bool, attempts: int, txHash: str,
} as const;
const sessionViewRequired = [
  'session', 'service', 'serviceName', 'deskOrg', 'deskName', 'audience', 'nonceHash', 'expiresAt', 'requirements', 'consented', 'verified', 'complete', 'attempts', 'txHash',
] as const;
export const sessionViewSchema = { type: 'object', additionalProperties: false, properties: sessionViewProperties, required: sessionViewRequired } as const;
export type SessionView = FromSchema<typeof sessionViewSchema>;

/** A session just opened at the desk: its view, the nonce to show the resident (QR code), its transaction. */
export const sessionStartedSchema = {
  type: 'object', additionalProperties: false, properties: { ...sessionViewProperties, nonce: str, height: int }, required: [...sessionViewRequired, 'nonce', 'height'],
} as const;
export type SessionStarted = FromSchema<typeof sessionStartedSchema>;

/** The desk official's view: the session, eligibility, the disclosed claims by type, the consent, every attempt. */
export const deskViewSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...sessionViewProperties,
    eligible: bool,
    disclosed: { type: 'object', additionalProperties: record },
    consent: { type: ['object', 'null'], additionalProperties: false, properties: { txHash: str, at: int, holderOrg: str, grant: str }, required: ['txHash', 'at', 'holderOrg'] },
    verifications: { type: 'array', items: record },
  },
  required: [...sessionViewRequired, 'eligible', 'disclosed', 'consent', 'verifications'],
} as const;
export type DeskView = Omit<FromSchema<typeof deskViewSchema>, 'verifications'> & { verifications: VerificationRecord[] };

/** An offer just made: the one-time code for the wallet, the credential's hash, status index and expiry. */
export const offerCreatedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { offer: str, code: str, credentialHash: str, type: str, issuer: str, issuerDid: str, statusIndex: int, expiresAt: int, offerExpiresAt: int, ...tx },
  required: ['offer', 'code', 'credentialHash', 'type', 'issuer', 'issuerDid', 'statusIndex', 'expiresAt', 'offerExpiresAt', 'txHash', 'height'],
} as const;
export type OfferCreated = FromSchema<typeof offerCreatedSchema>;

/** A redeemed offer: the SD-JWT VC, bound to the wallet's key. */
export const offerRedeemedSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { credential: str, credentialHash: str, type: str, issuer: str, issuerDid: str, expiresAt: int },
  required: ['credential', 'credentialHash', 'type', 'issuer', 'issuerDid', 'expiresAt'],
} as const;
export type OfferRedeemed = FromSchema<typeof offerRedeemedSchema>;

export const statusChangedSchema = {
  type: 'object', additionalProperties: false, properties: { ...tx, status: str }, required: ['txHash', 'height', 'status'],
} as const;
export type StatusChanged = FromSchema<typeof statusChangedSchema>;

/** What the organisation issued at this node (no claims), with each credential's status on the ledger. */
export const issuedListSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    issued: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          credentialHash: str, type: str, typeName: str, subject: { type: ['string', 'null'] }, pickedUp: bool, expiresAt: int,
          /** the ledger's status, or `refused` when the ledger refused the issuance */
          status: str, issuedAt: { type: ['integer', 'null'] }, history: { type: 'array', items: record },
        },
        required: ['credentialHash', 'type', 'typeName', 'subject', 'pickedUp', 'expiresAt', 'status', 'issuedAt', 'history'],
      },
    },
  },
  required: ['issued'],
} as const;
export type IssuedList = FromSchema<typeof issuedListSchema>;

/** A credential in the resident's wallet: its own claims, its status on the ledger, the SD-JWT VC itself. */
export const walletCredentialSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: str, type: str, typeName: str, vct: str, issuer: str, issuerDid: str, credentialHash: str, issuedAt: int, expiresAt: int,
    status: str, claims: record, credential: str,
    /** the node made its holder key (demo credentials); a real wallet keeps its key on the device */
    demoHolderKey: bool,
  },
  required: ['id', 'type', 'typeName', 'vct', 'issuer', 'issuerDid', 'credentialHash', 'issuedAt', 'expiresAt', 'status', 'claims', 'credential', 'demoHolderKey'],
} as const;
export type WalletCredential = FromSchema<typeof walletCredentialSchema>;
export const walletSchema = {
  type: 'object', additionalProperties: false, properties: { credentials: { type: 'array', items: walletCredentialSchema } }, required: ['credentials'],
} as const;
export type WalletView = FromSchema<typeof walletSchema>;

/** Offers made to the resident at this node, to pick up. */
export const walletOffersSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offers: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: { offer: str, type: str, typeName: str, issuer: str, issuerDid: str, expiresAt: int, offerExpiresAt: int },
        required: ['offer', 'type', 'typeName', 'issuer', 'issuerDid', 'expiresAt', 'offerExpiresAt'],
      },
    },
  },
  required: ['offers'],
} as const;
export type WalletOffers = FromSchema<typeof walletOffersSchema>;

/** The resident's consent, recorded: the wallet credentials it names, the grant to another organisation's desk. */
export const consentGivenSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { session: str, subject: str, consented: { type: 'boolean', const: true }, credentials: strings, grant: str, ...tx },
  required: ['session', 'subject', 'consented', 'credentials', 'txHash', 'height'],
} as const;
export type ConsentGiven = FromSchema<typeof consentGivenSchema>;

/**
 * The desk's answer to a submission of presentations: one result per presentation (`verification` and `txHash`
 * absent for an attempt answered without a ledger record).
 */
export const submissionResultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session: str,
    eligible: bool,
    results: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: { verification: str, type: str, issuer: str, result: { type: 'string', enum: ['valid', 'invalid'] }, reason: str, code: str, detail: str, txHash: str },
        required: ['result', 'reason', 'detail'],
      },
    },
  },
  required: ['session', 'eligible', 'results'],
} as const;
export type SubmissionResultView = FromSchema<typeof submissionResultSchema>;

/** DEMO ONLY: a presentation the node made with a demo credential's key. */
export const demoPresentationSchema = { type: 'object', additionalProperties: false, properties: { presentation: str }, required: ['presentation'] } as const;
export type DemoPresentation = FromSchema<typeof demoPresentationSchema>;

/** The resident's record of uses: every consent (with the desk's attempts) and every verification of their credentials, with proofs. */
export const identityUsesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subject: str,
    consents: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: { ...sessionViewProperties, consent: { type: ['object', 'null'], additionalProperties: true }, verifications: { type: 'array', items: record }, proof: { type: ['object', 'null'], additionalProperties: true } },
        required: [...sessionViewRequired, 'consent', 'verifications', 'proof'],
      },
    },
    verifications: { type: 'array', items: record },
  },
  required: ['subject', 'consents', 'verifications'],
} as const;
export interface IdentityUses {
  subject: string;
  consents: (SessionView & { consent: SessionRecord['consent']; verifications: VerificationRecord[]; proof: ProofBundle | null })[];
  verifications: (VerificationRecord & { proof: ProofBundle | null })[];
}

/** A credential's public record on the ledger (no claims). */
export const credentialRecordSchema = record;
