/** The privacy module's expected failures, merged into the one catalogue (errors.ts). docs/spec/privacy.md */
import type { ErrorCatalogue } from '../../errors.js';

export const PRIVACY_ERRORS = {
  ACCESS_DENIED: { status: 403, message: 'access to this personal data is denied' },
  GRANT_INVALID: { status: 400, message: 'grant is invalid' },
  SUBJECT_NOT_FOUND: { status: 404, message: 'no such subject' },
} as const satisfies ErrorCatalogue;
