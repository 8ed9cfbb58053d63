/** The devices module's expected failures, merged into the one catalogue (errors.ts). docs/spec/devices.md#errors */
import type { ErrorCatalogue } from '../../errors.js';

export const DEVICES_ERRORS = {
  DEVICE_NOT_FOUND: { status: 404, message: 'no such device, rule or alarm' },
  DEVICE_CONFLICT: { status: 409, message: 'the device or alarm is not in a state that allows this' },
  DEVICE_FORBIDDEN: { status: 403, message: 'your organisation or role may not do this to this device or alarm' },
  DEVICE_UNAUTHORIZED: { status: 401, message: 'unknown device or wrong device credentials' },
  DEVICE_RATE_LIMITED: { status: 429, message: 'the device sends faster than its limit; readings dropped' },
} as const satisfies ErrorCatalogue;

/** The catalogue code for a failed transition check's status (the API answers with it; the ledger rejects). */
export const deviceErrorCode = (status: 404 | 409 | 403): keyof typeof DEVICES_ERRORS =>
  status === 404 ? 'DEVICE_NOT_FOUND' : status === 403 ? 'DEVICE_FORBIDDEN' : 'DEVICE_CONFLICT';
