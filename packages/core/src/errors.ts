/**
 * The one catalogue of expected failures. Every error a user can see has a stable `code`, a default message and the
 * HTTP status the API maps it to (the API does no other mapping). Invariant violations are not here: those are
 * assertions (see `assert.ts`) and crash loudly.
 *
 * The codes of the ledger, the API and sign-in are below; each domain module brings its own (`modules/<name>/errors.ts`,
 * its `CoreModule.errors`), merged in by `modules/index.ts`. Documented for users in docs/spec/errors.md and each
 * module's spec — a test keeps them in step.
 */
import type { ModuleErrorCode } from './modules/index.js';

export interface ErrorEntry {
  readonly status: number;
  readonly message: string;
}
export type ErrorCatalogue = Readonly<Record<string, ErrorEntry>>;

export const BASE_ERRORS = {
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
  // People and sign-in (the modules' own codes are in modules/<name>/errors.ts)
  UNAUTHENTICATED: { status: 401, message: 'sign in first' },
  LOGIN_RATE_LIMITED: { status: 429, message: 'too many sign-in attempts; retry later' },
  RATE_LIMITED: { status: 429, message: 'too many requests or transactions from this address; retry later' },
} as const satisfies ErrorCatalogue;

export type ErrorCode = keyof typeof BASE_ERRORS | ModuleErrorCode;

const catalogue: Record<string, ErrorEntry> = { ...BASE_ERRORS };

/** Every code: the base ones, and each registered module's (complete once `modules/index.ts` has loaded). */
export const ERRORS: Readonly<Record<ErrorCode, ErrorEntry>> = catalogue as Record<ErrorCode, ErrorEntry>;

/** Adds a module's codes (called by `modules/index.ts`, once per module); a code defined twice is a bug. */
export function addErrorCodes(module: string, codes: ErrorCatalogue): void {
  for (const [code, entry] of Object.entries(codes)) {
    if (Object.hasOwn(catalogue, code)) throw new Error(`error code ${code} of module ${module} is already defined`);
    catalogue[code] = entry;
  }
}

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
