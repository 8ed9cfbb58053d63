/**
 * devices — sensors and controllers of the property company (water leak, smoke, gas, carbon monoxide, doors, lifts,
 * fire-pump pressure, meters) and their alarms: only alarm state changes go on the ledger (raised, repeated with a
 * count, acknowledged, escalated to another organisation, cleared, resolved, linked to the repairs work order it
 * opened), never readings. docs/spec/devices.md
 *
 * No case kind: devices and alarms carry no personal data (device ids, location codes, public keys or credential
 * hashes, staff pseudonyms), so privacy reads never need to name them; a person's data in a work order is read
 * through the work order's own case `repair:rq_…`.
 */
export * from './catalogue.js';
export * from './types.js';
export * from './transitions.js';
export * from './handlers.js';
export * from './queries.js';
export type * from './api.js';
export { DEVICES_ERRORS, deviceErrorCode } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { DEVICES_ERRORS } from './errors.js';
import { devicesTypes } from './handlers.js';
import { DEVICES_PREFIX } from './types.js';

export const devicesModule = defineCoreModule({
  name: 'devices',
  // reads a work order's record to link an alarm to it; work-order categories
  dependsOn: ['repairs'],
  typePrefixes: ['device.'],
  statePrefixes: [DEVICES_PREFIX],
  txTypes: () => devicesTypes,
  errors: DEVICES_ERRORS,
  spec: 'docs/spec/devices.md',
});
