/**
 * Payloads, state records, limits and state keys of the identity module. No personal data: hashes, ids, enums,
 * pseudonyms and times only. docs/spec/identity.md#transactions-module-identity
 */
import type { ErrorCode } from '../../errors.js';
import type { CredentialTypeId, ServiceId } from './catalogue.js';

// ---------------------------------------------------------------------------------------------------------------------
// Limits (named, unit last)
// ---------------------------------------------------------------------------------------------------------------------

/** Entries of one issuer's status list (its indices are 0..max-1); beyond it issuance is refused. */
export const IDENTITY_STATUS_LIST_ENTRIES_MAX = 1 << 17;
/** A status list token always covers at least this many entries, so a small list does not single anyone out. */
export const IDENTITY_STATUS_LIST_ENTRIES_MIN = 1024;
/** Longest validity of a credential. */
export const IDENTITY_CREDENTIAL_VALIDITY_MS_MAX = 10 * 365 * 86_400_000;
/** Longest life of a desk session (the resident consents and presents within it). */
export const IDENTITY_SESSION_MS_MAX = 15 * 60_000;
/** Verification attempts one session accepts (each is a ledger record). */
export const IDENTITY_SESSION_ATTEMPTS_MAX = 20;
/** Largest time (ms) in a payload: the largest valid JavaScript Date. */
export const IDENTITY_TIME_MS_MAX = 8.64e15;
/** Most entries a query reads with one prefix scan. */
export const IDENTITY_QUERY_ITEMS_MAX = 1000;

// ---------------------------------------------------------------------------------------------------------------------
// Id patterns
// ---------------------------------------------------------------------------------------------------------------------

/** SHA-256 (hex) of a credential's id (its `jti`); the id itself stays in the credential. */
export const CREDENTIAL_HASH_PATTERN = '^[0-9a-f]{64}$';
export const SESSION_ID_PATTERN = '^ses_[0-9a-f]{32}$';
export const VERIFICATION_ID_PATTERN = '^ver_[0-9a-f]{32}$';
/** Credential commitments one consent may carry (one per presentation of a submission, at most). */
export const IDENTITY_CONSENT_COMMITMENTS_MAX = 8;
/** SHA-256 (hex) of a session's nonce. */
export const NONCE_HASH_PATTERN = '^[0-9a-f]{64}$';

// ---------------------------------------------------------------------------------------------------------------------
// Status list values (draft-ietf-oauth-status-list, 2 bits per entry)
// ---------------------------------------------------------------------------------------------------------------------

export const CREDENTIAL_STATUSES = ['valid', 'revoked', 'suspended'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];
/** The Token Status List value of each status: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED. */
export const STATUS_VALUES: Readonly<Record<CredentialStatus, number>> = { valid: 0, revoked: 1, suspended: 2 };
export const STATUS_LIST_BITS = 2;
export const statusOfValue = (v: number): CredentialStatus | undefined => CREDENTIAL_STATUSES.find((s) => STATUS_VALUES[s] === v);

/** Why a status changed: codes, never free text. */
export const STATUS_REASONS = ['holder-request', 'data-changed', 'moved-away', 'eligibility-ended', 'under-review', 'issued-in-error', 'reinstated'] as const;
export type StatusReason = (typeof STATUS_REASONS)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Verification results
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Why a presentation was accepted (`ok`) or not. Checked in this order (docs/spec/identity.md#verification); the first
 * failing check is the reason.
 */
export const VERIFY_REASONS = [
  'ok',
  'session-closed',
  'malformed',
  'unknown-issuer',
  'bad-signature',
  'tampered-disclosure',
  'wrong-type',
  'expired',
  'not-yet-valid',
  'unknown-credential',
  'revoked',
  'suspended',
  'missing-key-binding',
  'bad-key-binding',
  'wrong-audience',
  'wrong-nonce',
  'stale-key-binding',
  'replayed-nonce',
  'no-consent',
  'missing-claims',
  'over-disclosed',
  'credential-not-consented',
  /** signed by a key its issuer had retired before the ledger recorded the credential (never recorded) */
  'retired-key',
] as const;
export type VerifyReason = (typeof VERIFY_REASONS)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

export type IssuePayload = {
  credentialHash: string;
  type: CredentialTypeId;
  /** when the credential expires (its `exp`), ms */
  expiresAt: number;
  actor: string;
};

export type StatusPayload = {
  credentialHash: string;
  status: CredentialStatus;
  reason: StatusReason;
  actor: string;
};

export type SessionPayload = {
  session: string;
  service: ServiceId;
  nonceHash: string;
  expiresAt: number;
  actor: string;
};

export type ConsentPayload = {
  session: string;
  /**
   * the resident, held by the signing organisation: their privacy subject id on older chains, a pseudonym for this
   * session only (`psn_…`) on chains with `ledger.context-pseudonyms`
   */
  subject: string;
  /** the session's service; only on older chains (with `ledger.context-pseudonyms` the session alone names it) */
  service?: ServiceId;
  deskOrg: string;
  types: CredentialTypeId[];
  nonceHash: string;
  /** the holder's grant to the desk organisation; present exactly when the desk is another organisation (older chains only) */
  grant?: string;
  /**
   * For each credential the resident's wallet will present: SHA-256 hex of `nonce ‖ "\n" ‖ credentialHash`. Only the
   * desk and the resident know the nonce, so the ledger does not link the consent to the credentials; the desk accepts
   * only a credential whose commitment is here. (Optional in the schema so older blocks still apply.)
   */
  commitments?: string[];
  actor: string;
};

export type VerifyPayload = {
  verification: string;
  session: string;
  /** what could be read from the presentation (absent when it could not be decoded) */
  credentialHash?: string;
  type?: CredentialTypeId;
  issuer?: string;
  result: 'valid' | 'invalid';
  reason: VerifyReason;
  actor: string;
  /** when the node verified, ms */
  at: number;
};

export type IdentityPayload = IssuePayload | StatusPayload | SessionPayload | ConsentPayload | VerifyPayload;

// ---------------------------------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------------------------------

/** `identity/credential/<hash>` */
export type CredentialRecord = {
  credentialHash: string;
  type: CredentialTypeId;
  issuer: string;
  statusIndex: number;
  status: CredentialStatus;
  expiresAt: number;
  issuedAt: number;
  actor: string;
  txHash: string;
  /** the status changes, oldest first */
  history: { status: CredentialStatus; reason: StatusReason; at: number; actor: string; txHash: string }[];
};

/** `identity/session/<id>` */
export type SessionRecord = {
  session: string;
  service: ServiceId;
  deskOrg: string;
  types: CredentialTypeId[];
  nonceHash: string;
  openedAt: number;
  expiresAt: number;
  actor: string;
  txHash: string;
  consent: null | { subject: string; holderOrg: string; grant?: string; commitments?: string[]; actor: string; at: number; txHash: string };
  /** the types verified valid in this session */
  verified: CredentialTypeId[];
  /** verification attempts recorded */
  attempts: number;
};

/** `identity/verification/<id>` */
export type VerificationRecord = VerifyPayload & { verifierOrg: string; txHash: string; height: number };

// ---------------------------------------------------------------------------------------------------------------------
// State keys
// ---------------------------------------------------------------------------------------------------------------------

export const IDENTITY_PREFIX = 'identity/';
export const credentialKey = (hash: string): string => `identity/credential/${hash}`;
/** the next free status-list index of an issuer; value: a number */
export const statusNextKey = (org: string): string => `identity/status-next/${org}`;
/** an issuer's status list, one entry per index (8-digit, zero-padded so a prefix scan is in index order) */
export const statusEntriesPrefix = (org: string): string => `identity/status/${org}/`;
export const statusEntryKey = (org: string, index: number): string => `${statusEntriesPrefix(org)}${String(index).padStart(8, '0')}`;
export const sessionKey = (session: string): string => `identity/session/${session}`;
export const verificationKey = (verification: string): string => `identity/verification/${verification}`;
/** a session's verification attempts; value: 1 */
export const sessionVerificationsPrefix = (session: string): string => `identity/session-verifications/${session}/`;
export const sessionVerificationKey = (session: string, verification: string): string => `${sessionVerificationsPrefix(session)}${verification}`;
/** the verifications of a credential; value: 1 */
export const credentialVerificationsPrefix = (hash: string): string => `identity/credential-verifications/${hash}/`;
export const credentialVerificationKey = (hash: string, verification: string): string => `${credentialVerificationsPrefix(hash)}${verification}`;
/** a resident's consents; value: 1 */
export const subjectConsentsPrefix = (subject: string): string => `identity/consents/${subject}/`;
export const subjectConsentKey = (subject: string, session: string): string => `${subjectConsentsPrefix(subject)}${session}`;

/** The catalogue error a desk answers for each failed check (docs/spec/errors.md). */
export const VERIFY_REASON_CODES: Readonly<Record<Exclude<VerifyReason, 'ok'>, ErrorCode>> = {
  'session-closed': 'SESSION_CLOSED',
  malformed: 'PRESENTATION_MALFORMED',
  'unknown-issuer': 'PRESENTATION_UNTRUSTED',
  'bad-signature': 'PRESENTATION_TAMPERED',
  'tampered-disclosure': 'PRESENTATION_TAMPERED',
  'wrong-type': 'PRESENTATION_UNTRUSTED',
  expired: 'CREDENTIAL_EXPIRED',
  'not-yet-valid': 'CREDENTIAL_EXPIRED',
  'unknown-credential': 'PRESENTATION_UNTRUSTED',
  revoked: 'CREDENTIAL_REVOKED',
  suspended: 'CREDENTIAL_SUSPENDED',
  'missing-key-binding': 'KEY_BINDING_INVALID',
  'bad-key-binding': 'KEY_BINDING_INVALID',
  'wrong-audience': 'PRESENTATION_WRONG_AUDIENCE',
  'wrong-nonce': 'PRESENTATION_WRONG_NONCE',
  'stale-key-binding': 'KEY_BINDING_INVALID',
  'replayed-nonce': 'PRESENTATION_REPLAYED',
  'no-consent': 'CONSENT_MISSING',
  'missing-claims': 'PRESENTATION_INCOMPLETE',
  'over-disclosed': 'PRESENTATION_OVER_DISCLOSED',
  'credential-not-consented': 'PRESENTATION_NOT_CONSENTED',
  'retired-key': 'ISSUER_KEY_RETIRED',
};
