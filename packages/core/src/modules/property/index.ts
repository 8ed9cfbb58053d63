/**
 * property — property services: the unit register over the standard address register (floor areas in dm², owners as
 * per-context pseudonyms), parking spaces, the fee schedule in integer fen, monthly bills, payments with their
 * reference, dunning (reminder and written demand only), disclosure per period (art. 943), owners' votes with the
 * exact double-threshold tally (art. 278), the maintenance fund with its emergency path (Order 165), and sealed-bid
 * tenders (commit, reveal, opening; NDRC Order 20). docs/spec/property.md
 */
export * from './types.js';
export * from './tally.js';
export * from './handlers.js';
export * from './queries.js';
export { PROPERTY_ERRORS, propertyErrorOf, type PropertyErrorCode } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { PROPERTY_ERRORS } from './errors.js';
import { propertyTypes } from './handlers.js';
import { PROPERTY_PREFIX } from './types.js';

export const propertyModule = defineCoreModule({
  name: 'property',
  // units are units of the standard address register; a ballot names an identity desk session (the digital-ID check);
  // an emergency fund use names the devices alarm or the repair request that triggered it
  dependsOn: ['addresses', 'identity', 'devices', 'repairs'],
  typePrefixes: ['property.'],
  statePrefixes: [PROPERTY_PREFIX],
  txTypes: () => propertyTypes,
  errors: PROPERTY_ERRORS,
  spec: 'docs/spec/property.md',
});
