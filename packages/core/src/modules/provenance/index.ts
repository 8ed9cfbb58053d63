/**
 * provenance — preserved records (judicial evidence: hash, provenance at capture, chain of custody), copyright
 * registrations, and traced items (GS1 Digital Link, EPCIS 2.0 lifecycle events). Not to be confused with the
 * consensus's `/v1/evidence` (validator misbehaviour). docs/spec/provenance.md
 */
export * from './types.js';
export * from './gs1.js';
export * from './handlers.js';
export * from './queries.js';
export * from './api.js';
export { PROVENANCE_ERRORS } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { PROVENANCE_ERRORS } from './errors.js';
import { provenanceTypes } from './handlers.js';
import { PROVENANCE_PREFIX } from './types.js';

export const provenanceModule = defineCoreModule({
  name: 'provenance',
  dependsOn: [],
  typePrefixes: ['provenance.'],
  statePrefixes: [PROVENANCE_PREFIX],
  txTypes: () => provenanceTypes,
  errors: PROVENANCE_ERRORS,
  spec: 'docs/spec/provenance.md',
});
