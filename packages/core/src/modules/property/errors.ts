/** The property module's expected failures, merged into the one catalogue (errors.ts). docs/spec/property.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const PROPERTY_ERRORS = {
  PROPERTY_NOT_FOUND: { status: 404, message: 'no such unit, bill, vote, fund use or tender (or the address is not registered)' },
  PROPERTY_CONFLICT: { status: 409, message: 'the record is not at a stage that allows this' },
  PROPERTY_FORBIDDEN: { status: 403, message: 'your organisation does not sign this step' },
  PROPERTY_INVALID: { status: 400, message: 'the amounts, areas or dates do not fit (integer fen and dm² only, within the limits)' },
  PROPERTY_NOT_OWNER: { status: 403, message: 'the voter is not the owner of the unit' },
  PROPERTY_BALLOT_CAST: { status: 409, message: 'the unit has voted in this vote already' },
  PROPERTY_VOTE_CLOSED: { status: 409, message: 'the vote is closed' },
  PROPERTY_ID_CHECK: { status: 403, message: "the ballot needs a passed digital-ID check (owners' meeting) of the owner" },
  PROPERTY_TENDER_CLOSED: { status: 409, message: 'the tender no longer takes this step (deadline or reveal window passed)' },
} as const satisfies ErrorCatalogue;

export type PropertyErrorCode = keyof typeof PROPERTY_ERRORS;

/** The module code a refused transaction's message starts with (`PROPERTY_CONFLICT: …`), if any. */
export function propertyErrorOf(message: string | undefined): PropertyErrorCode | undefined {
  const code = message?.split(':', 1)[0];
  return code !== undefined && Object.hasOwn(PROPERTY_ERRORS, code) ? (code as PropertyErrorCode) : undefined;
}
