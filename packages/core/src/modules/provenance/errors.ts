/** The provenance module's expected failures, merged into the one catalogue (errors.ts). docs/spec/provenance.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const PROVENANCE_ERRORS = {
  PRESERVED_NOT_FOUND: { status: 404, message: 'no such preserved record, or the transaction is not a preserved record' },
  PRESERVED_CONFLICT: { status: 409, message: 'the preserved record is not in a state that allows this' },
  PRESERVED_FORBIDDEN: { status: 403, message: 'you do not hold this preserved record' },
  WORK_NOT_FOUND: { status: 404, message: 'no work registered with this hash' },
  WORK_CONFLICT: { status: 409, message: 'the work is already registered, or you do not own it' },
  TRACE_CONFLICT: { status: 409, message: 'the ledger refused the lifecycle event (an item starts with its commissioning; an event is recorded once; a correction names an event)' },
  TRACE_NOT_FOUND: { status: 404, message: 'no traced item with this GTIN and serial' },
  DIGITAL_LINK_INVALID: { status: 400, message: 'not a GS1 Digital Link URI with a valid GTIN' },
  EPCIS_INVALID: { status: 400, message: 'the EPCIS document does not meet the EPCIS 2.0 JSON schema or is not a lifecycle event Machi takes' },
} as const satisfies ErrorCatalogue;
