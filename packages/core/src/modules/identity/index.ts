/**
 * identity — the multi-function digital ID: a catalogue of credential types and "one trip" services, and the ledger
 * record of every issuance, status change, desk session, consent and verification. Claims never reach the ledger:
 * credentials are SD-JWT VCs held by residents; the ledger holds hashes, ids, statuses and pseudonyms.
 * docs/spec/identity.md
 */
export * from './catalogue.js';
export * from './types.js';
export * from './did.js';
export * from './handlers.js';
export * from './queries.js';
export * from './api.js';

import { defineCoreModule } from '../../foundation/module.js';
import { createIdentityTypes } from './handlers.js';
import { IDENTITY_ERRORS } from './errors.js';
import { IDENTITY_PREFIX } from './types.js';

export { IDENTITY_ERRORS } from './errors.js';

export const identityModule = defineCoreModule({
  name: 'identity',
  // reads subjects and grants, and writes a grant with each consent
  dependsOn: ['privacy'],
  typePrefixes: ['identity.'],
  statePrefixes: [IDENTITY_PREFIX],
  txTypes: (options) => createIdentityTypes(options.rules),
  errors: IDENTITY_ERRORS,
  spec: 'docs/spec/identity.md',
});
