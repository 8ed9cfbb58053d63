/**
 * funds — welfare funds (民生资金, one-card subsidy payments): programme owners define programmes (eligibility by
 * credential type and claims, the standard per category in fen, the budget per period, recurrence, exclusions);
 * community desks apply for residents (per-context pseudonyms only), verify and publish the public notice (7 working
 * days; the masked list off the ledger, its hash on it) and record objections; the department reviews; the treasury
 * instructs the paying bank; the bank returns a receipt per payment and reconciles. The risk rules run inside the
 * handlers and raise alerts for the regulator and the owner. docs/spec/funds.md
 */
export * from './catalogue.js';
export * from './types.js';
export * from './transitions.js';
export * from './handlers.js';
export * from './queries.js';
export * from './metrics.js';
export { FUNDS_ERRORS, fundErrorCode } from './errors.js';

import { defineCoreModule } from '../../foundation/module.js';
import { FUNDS_ERRORS } from './errors.js';
import { fundsTypes } from './handlers.js';
import { applicationRecord, programmeRecord } from './queries.js';
import { COMMUNITY_ROLES } from './transitions.js';
import { FUNDS_PREFIX, FUND_APPLICATION_ID_PATTERN } from './types.js';

export const fundsModule = defineCoreModule({
  name: 'funds',
  // reads the identity status lists (eligibility credentials) and the credential catalogue
  dependsOn: ['identity'],
  typePrefixes: ['fund.'],
  statePrefixes: [FUNDS_PREFIX],
  txTypes: () => fundsTypes,
  errors: FUNDS_ERRORS,
  // `fund:fa_…`: an application still being decided or paid; the community's desk staff manage it, and so do the
  // reviewing department's and the owner's officials (reading the applicant's record for the review is recorded)
  cases: [{
    kind: 'fund',
    idPattern: FUND_APPLICATION_ID_PATTERN,
    resolve(read, id) {
      const a = applicationRecord(read, id);
      if (a === undefined) return undefined;
      const prog = programmeRecord(read, a.programme);
      const orgs = [...new Set([prog?.reviewer, prog?.owner].filter((o): o is string => o !== undefined && o !== a.community))];
      return { open: !['rejected', 'refused'].includes(a.stage), org: a.community, orgs, assigned: [], managerRoles: COMMUNITY_ROLES };
    },
  }],
  spec: 'docs/spec/funds.md',
});
