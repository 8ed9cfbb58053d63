/**
 * repairs — a resident's repair request, every step of it on the ledger: who reported, who was sent, when they
 * arrived, what they found, whether the resident was satisfied. Personal data stays off the ledger (hashes,
 * pseudonyms and codes only). docs/spec/repairs.md
 */
export * from './catalogue.js';
export * from './types.js';
export * from './transitions.js';
export * from './handlers.js';
export * from './queries.js';
export * from './sla.js';
export * from './verify-step.js';
export * from './api.js';

import { defineCoreModule } from '../../foundation/module.js';
import { repairsTypes } from './handlers.js';
import { REPAIRS_ERRORS } from './errors.js';
import { REPAIRS_PREFIX, REQUEST_ID_PATTERN } from './types.js';
import { requestRecord } from './queries.js';
import { isOpenStatus } from './catalogue.js';
import { MANAGER_ROLES } from './transitions.js';

export { REPAIRS_ERRORS } from './errors.js';

export const repairsModule = defineCoreModule({
  name: 'repairs',
  dependsOn: [],
  typePrefixes: ['repair.'],
  statePrefixes: [REPAIRS_PREFIX],
  txTypes: () => repairsTypes,
  errors: REPAIRS_ERRORS,
  // a dispatcher or a worker reads a reporter's contact for a request: `repair:rq_…`
  cases: [{
    kind: 'repair',
    idPattern: REQUEST_ID_PATTERN,
    resolve(read, id) {
      const r = requestRecord(read, id);
      return r === undefined ? undefined : { open: isOpenStatus(r.status), org: r.org, assigned: r.worker === undefined ? [] : [r.worker], managerRoles: MANAGER_ROLES };
    },
  }],
  spec: 'docs/spec/repairs.md',
});
