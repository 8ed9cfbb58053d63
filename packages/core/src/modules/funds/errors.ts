/** The funds module's expected failures, merged into the one catalogue (errors.ts). docs/spec/funds.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const FUNDS_ERRORS = {
  FUND_NOT_FOUND: { status: 404, message: 'no such programme, application, notice or payment' },
  FUND_CONFLICT: { status: 409, message: 'the application or payment is not at a stage that allows this' },
  FUND_FORBIDDEN: { status: 403, message: 'your organisation does not sign this step of this programme' },
  FUND_INVALID: { status: 400, message: 'the step does not fit the programme (category, period, credential type, codes)' },
} as const satisfies ErrorCatalogue;

/** The catalogue code for a failed check's status (the API answers with it; the ledger rejects). */
export const fundErrorCode = (status: 400 | 403 | 404 | 409): keyof typeof FUNDS_ERRORS =>
  status === 404 ? 'FUND_NOT_FOUND' : status === 403 ? 'FUND_FORBIDDEN' : status === 400 ? 'FUND_INVALID' : 'FUND_CONFLICT';
