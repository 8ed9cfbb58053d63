/** The repairs module's expected failures, merged into the one catalogue (errors.ts). docs/spec/repairs.md#api */
import type { ErrorCatalogue } from '../../errors.js';

export const REPAIRS_ERRORS = {
  REPAIR_CONFLICT: { status: 409, message: 'the repair request is not in a state that allows this' },
  REPAIR_FORBIDDEN: { status: 403, message: 'you may not do this to this repair request' },
  REPAIR_PHOTO_UNSUPPORTED: { status: 415, message: 'a photo must be a PNG, JPEG or WebP image' },
  REPAIRS_LIMIT_REACHED: { status: 429, message: 'too many open requests or pending photos for one user; follow or wait for the open ones' },
} as const satisfies ErrorCatalogue;
