/**
 * events — community events under grid governance (网格化管理, GB/T 30428): a grid worker or a resident reports, the
 * command centre triages and dispatches, each department signs its own steps (acknowledge, accept, handle, ask for
 * help, flag another's step, answer a flag), the command centre checks and closes or sends back; major events fan out
 * to every responsible department at once with an acknowledgement timer. Contribution and timeliness are computed
 * from the ledger. Hashes, codes and pseudonyms only. docs/spec/events.md
 */
export * from './catalogue.js';
export * from './types.js';
export * from './transitions.js';
export * from './handlers.js';
export * from './queries.js';
export * from './metrics.js';
export * from './verify-step.js';
export * from './api.js';
export { EVENTS_ERRORS, eventErrorCode } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { isEventOpen } from './catalogue.js';
import { EVENTS_ERRORS } from './errors.js';
import { eventsTypes } from './handlers.js';
import { eventRecord } from './queries.js';
import { CASE_MANAGER_ROLES } from './transitions.js';
import { EVENTS_PREFIX, EVENT_ID_PATTERN } from './types.js';

export const eventsModule = defineCoreModule({
  name: 'events',
  dependsOn: ['devices'],
  typePrefixes: ['event.'],
  statePrefixes: [EVENTS_PREFIX],
  txTypes: () => eventsTypes,
  errors: EVENTS_ERRORS,
  // `event:ev_…`: open until closed, rejected or merged; the command centre's and every assigned department's staff
  // of CASE_MANAGER_ROLES are on it, and so is each person who signed a step for an assigned department
  cases: [{
    kind: 'event',
    idPattern: EVENT_ID_PATTERN,
    resolve(read, id) {
      const r = eventRecord(read, id);
      if (r === undefined) return undefined;
      const orgs = r.assignments.map((a) => a.org);
      const assigned = [...new Set(r.steps.filter((s) => s.action !== 'report' && orgs.includes(s.org)).map((s) => s.actor))];
      return { open: isEventOpen(r.status), org: r.centre, orgs, assigned, managerRoles: CASE_MANAGER_ROLES };
    },
  }],
  spec: 'docs/spec/events.md',
});
