/**
 * privacy — who may read whose personal data, for what, and the public record of every grant, access and erasure.
 * Personal data never reaches the ledger: only commitments, pseudonyms and ids. docs/spec/privacy.md
 */
export * from './roles.js';
export * from './types.js';
export * from './decide.js';
export * from './anomalies.js';
export * from './handlers.js';
export * from './queries.js';
export * from './api.js';
export * from './commitment.js';

import { defineCoreModule } from '../../foundation/module.js';
import { createPrivacyTypes } from './handlers.js';
import { PRIVACY_ERRORS } from './errors.js';
import { PRIVACY_PREFIX } from './types.js';
import type { AnomalyConfig } from './anomalies.js';

export { PRIVACY_ERRORS } from './errors.js';

export const privacyModule = defineCoreModule({
  name: 'privacy',
  dependsOn: [],
  typePrefixes: ['privacy.'],
  statePrefixes: [PRIVACY_PREFIX],
  txTypes: (options) => createPrivacyTypes(options.privacy as Partial<AnomalyConfig> | undefined, options.caseKinds, options.rules),
  errors: PRIVACY_ERRORS,
  spec: 'docs/spec/privacy.md',
});
