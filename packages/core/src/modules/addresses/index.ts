/**
 * addresses — the standard address register (一标三实, 标准地址): public codes for buildings and units with a display
 * name, an optional position and the organisation that defined them (the street office); register, update, retire.
 * Public data only: the population, housing and units linked to an address are personal data and stay in the
 * holder's vault, keyed by the address code. docs/spec/addresses.md
 */
export * from './types.js';
export * from './checks.js';
export * from './handlers.js';
export * from './queries.js';
export * from './api.js';
export { ADDRESSES_ERRORS, addressErrorCode } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { ADDRESSES_ERRORS } from './errors.js';
import { addressesTypes } from './handlers.js';
import { ADDRESSES_PREFIX } from './types.js';

export const addressesModule = defineCoreModule({
  name: 'addresses',
  dependsOn: [],
  typePrefixes: ['address.'],
  statePrefixes: [ADDRESSES_PREFIX],
  txTypes: () => addressesTypes,
  errors: ADDRESSES_ERRORS,
  spec: 'docs/spec/addresses.md',
});
