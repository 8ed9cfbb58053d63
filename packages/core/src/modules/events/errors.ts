/** The events module's expected failures, merged into the one catalogue (errors.ts). docs/spec/events.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const EVENTS_ERRORS = {
  EVENT_NOT_FOUND: { status: 404, message: 'no such event, step, flag or grid' },
  EVENT_CONFLICT: { status: 409, message: 'the event is not in a state that allows this' },
  EVENT_FORBIDDEN: { status: 403, message: 'your organisation or role may not do this to this event' },
} as const satisfies ErrorCatalogue;

/** The catalogue code for a failed transition check's status (the API answers with it; the ledger rejects). */
export const eventErrorCode = (status: 404 | 409 | 403): keyof typeof EVENTS_ERRORS =>
  status === 404 ? 'EVENT_NOT_FOUND' : status === 403 ? 'EVENT_FORBIDDEN' : 'EVENT_CONFLICT';
