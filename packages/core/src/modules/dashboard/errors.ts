/** The dashboard module's expected failures, merged into the one catalogue (errors.ts). docs/spec/dashboard.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const DASHBOARD_ERRORS = {
  DASHBOARD_RANGE_INVALID: { status: 400, message: 'the time range must have from before to, and span at most DASHBOARD_RANGE_DAYS_MAX days' },
  DASHBOARD_NOT_FOUND: { status: 404, message: 'nothing on this ledger matches the search' },
} as const satisfies ErrorCatalogue;
