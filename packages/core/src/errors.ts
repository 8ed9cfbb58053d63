/**
 * The one catalogue of expected failures. Every error a user can see has a stable `code`, a default message and the
 * HTTP status the API maps it to (the API does no other mapping). Invariant violations are not here: those are
 * assertions (see `assert.ts`) and crash loudly.
 *
 * Documented for users in docs/spec/errors.md — keep both in step.
 */
export const ERRORS = {
  // Requests and encoding
  BODY_MALFORMED: { status: 400, message: 'request body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, message: 'request body is larger than the limit' },
  REQUEST_INVALID: { status: 400, message: 'request does not match its schema' },
  NOT_FOUND: { status: 404, message: 'not found' },
  // Transactions (admission and validation)
  TX_MALFORMED: { status: 400, message: 'transaction does not have the required shape' },
  TX_TOO_LARGE: { status: 413, message: 'transaction is larger than the limit' },
  TX_UNKNOWN_TYPE: { status: 400, message: 'unknown transaction type' },
  TX_PAYLOAD_INVALID: { status: 400, message: 'payload does not match the schema of its type' },
  TX_WRONG_CHAIN: { status: 400, message: 'transaction is for another chain' },
  TX_UNKNOWN_SIGNER: { status: 403, message: 'signer is not an organisation of this chain' },
  TX_BAD_SIGNATURE: { status: 401, message: 'signature does not verify' },
  TX_TIME_SKEW: { status: 400, message: 'transaction time is too far from the node clock' },
  TX_EXPIRED: { status: 409, message: 'transaction expired before it could be committed; sign it again with a new time' },
  TX_REPLAYED: { status: 409, message: 'nonce already used by this signer' },
  TX_DUPLICATE: { status: 409, message: 'transaction already submitted' },
  MEMPOOL_FULL: { status: 503, message: 'too many pending transactions; retry later' },
  BATCH_TOO_LARGE: { status: 413, message: 'too many transactions in one batch' },
  COMMIT_TIMEOUT: { status: 504, message: 'transaction not committed in time; it may still commit' },
  // State machine (deterministic handler results; recorded in the receipt, never thrown at the API)
  HANDLER_REJECTED: { status: 409, message: 'the transaction was rejected by its handler' },
  // Blocks and chain verification
  BLOCK_INVALID: { status: 400, message: 'block does not verify' },
  GENESIS_INVALID: { status: 400, message: 'genesis file is invalid' },
  // Proofs (RFC 9162 and proof bundles)
  PROOF_MALFORMED: { status: 400, message: 'proof is malformed' },
  PROOF_INDEX_OUT_OF_RANGE: { status: 400, message: 'leaf index is not inside the tree' },
  PROOF_SIZE_MISMATCH: { status: 400, message: 'proof has the wrong number of nodes' },
  PROOF_ROOT_MISMATCH: { status: 400, message: 'proof does not lead to the expected root' },
  BUNDLE_INVALID: { status: 400, message: 'proof bundle does not verify' },
  // People and private data (docs/spec/privacy.md)
  UNAUTHENTICATED: { status: 401, message: 'sign in first' },
  LOGIN_RATE_LIMITED: { status: 429, message: 'too many sign-in attempts; retry later' },
  ACCESS_DENIED: { status: 403, message: 'access to this personal data is denied' },
  GRANT_INVALID: { status: 400, message: 'grant is invalid' },
  SUBJECT_NOT_FOUND: { status: 404, message: 'no such subject' },
  // Repairs (docs/spec/repairs.md#api)
  REPAIR_CONFLICT: { status: 409, message: 'the repair request is not in a state that allows this' },
  REPAIR_FORBIDDEN: { status: 403, message: 'you may not do this to this repair request' },
  REPAIR_PHOTO_UNSUPPORTED: { status: 415, message: 'a photo must be a PNG, JPEG or WebP image' },
  // Digital identity (docs/spec/identity.md)
  ISSUER_NOT_AUTHORISED: { status: 403, message: 'this organisation may not issue credentials of this type' },
  CREDENTIAL_INVALID: { status: 400, message: 'the credential request is invalid (type, claims, holder key or validity)' },
  CREDENTIAL_NOT_FOUND: { status: 404, message: 'no such credential' },
  STATUS_LIST_FULL: { status: 409, message: 'the issuer\'s status list is full' },
  STATUS_CHANGE_FORBIDDEN: { status: 403, message: 'only the issuing organisation may change a credential\'s status' },
  STATUS_CHANGE_INVALID: { status: 409, message: 'the credential\'s status does not allow this change' },
  OFFER_INVALID: { status: 410, message: 'the credential offer is unknown, already used or expired' },
  SESSION_NOT_FOUND: { status: 404, message: 'no such service session' },
  SESSION_INVALID: { status: 400, message: 'this service cannot be started at this desk' },
  SESSION_CLOSED: { status: 409, message: 'the service session has expired, is complete or has had too many attempts' },
  CONSENT_INVALID: { status: 409, message: 'the consent does not match the session, or was already given' },
  CONSENT_MISSING: { status: 409, message: 'the resident has not consented to this session' },
  PRESENTATION_MALFORMED: { status: 400, message: 'the presentation is not an SD-JWT VC with a key-binding JWT' },
  PRESENTATION_UNTRUSTED: { status: 400, message: 'the credential is not one this chain issued for this service (issuer, type or ledger record)' },
  PRESENTATION_TAMPERED: { status: 400, message: 'the issuer signature or a disclosure of the presentation does not verify' },
  CREDENTIAL_EXPIRED: { status: 409, message: 'the credential has expired or is not yet valid' },
  CREDENTIAL_REVOKED: { status: 409, message: 'the credential has been revoked' },
  CREDENTIAL_SUSPENDED: { status: 409, message: 'the credential is suspended' },
  KEY_BINDING_INVALID: { status: 401, message: 'the key-binding JWT is missing, stale or not signed by the credential\'s holder key' },
  PRESENTATION_WRONG_AUDIENCE: { status: 400, message: 'the presentation is meant for another verifier' },
  PRESENTATION_WRONG_NONCE: { status: 400, message: 'the presentation answers another session\'s nonce' },
  PRESENTATION_REPLAYED: { status: 409, message: 'the session\'s nonce was already used' },
  PRESENTATION_INCOMPLETE: { status: 400, message: 'the presentation does not disclose what the service needs, or does not meet it' },
  PRESENTATION_OVER_DISCLOSED: { status: 400, message: 'the presentation discloses claims the service does not need' },
  PRESENTATION_NOT_CONSENTED: { status: 409, message: 'the resident did not consent to presenting this credential in this session' },
  PRESENTATIONS_RATE_LIMITED: { status: 429, message: 'too many presentations from this address; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure: carries a stable code, a human message and optional structured detail. */
export class MachiError extends Error {
  readonly code: ErrorCode;
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, detail?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = 'MachiError';
    this.code = code;
    this.detail = detail;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  toJSON(): { code: ErrorCode; message: string; detail?: Readonly<Record<string, unknown>> } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function isMachiError(e: unknown): e is MachiError {
  return e instanceof MachiError;
}
