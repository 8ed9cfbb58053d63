/** The address register's expected failures, merged into the one catalogue (errors.ts). docs/spec/addresses.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const ADDRESSES_ERRORS = {
  ADDRESS_NOT_FOUND: { status: 404, message: 'no such address, or no such parent building' },
  ADDRESS_CONFLICT: { status: 409, message: 'the address code is taken, retired, or still has active units' },
  ADDRESS_FORBIDDEN: { status: 403, message: 'your organisation or role may not change this address' },
} as const satisfies ErrorCatalogue;

/** The catalogue code for a failed check's status (the API answers with it; the ledger rejects). */
export const addressErrorCode = (status: 404 | 409 | 403): keyof typeof ADDRESSES_ERRORS =>
  status === 404 ? 'ADDRESS_NOT_FOUND' : status === 403 ? 'ADDRESS_FORBIDDEN' : 'ADDRESS_CONFLICT';
