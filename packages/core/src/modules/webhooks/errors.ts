/** The webhooks module's expected failures, merged into the one catalogue (errors.ts). docs/spec/webhooks.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const WEBHOOKS_ERRORS = {
  WEBHOOK_TARGET_INVALID: { status: 400, message: 'a webhook target must be an absolute http: or https: URL without credentials' },
  WEBHOOK_NOT_FOUND: { status: 404, message: "no such webhook subscription of the caller's organisation" },
  WEBHOOK_LIMIT_REACHED: { status: 409, message: 'the organisation has as many webhook subscriptions as allowed; delete one first' },
} as const satisfies ErrorCatalogue;
