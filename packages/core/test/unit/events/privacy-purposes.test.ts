/**
 * The events' privacy purposes (`public-safety`, `dispute-mediation`): a read must name an open event (`event:ev_…`)
 * the reader's department is assigned to; any other case kind, a closed event or a department not on it is refused.
 * docs/spec/events.md#cases-privacy-reads
 */
import { describe, expect, it } from 'vitest';
import { CASE_PURPOSES, ROLE_PURPOSES, decideAccess, type AccessRequest, type SubjectRecord } from '../../../src/index.js';

const T0 = 1_700_000_000_000;
const EVENT = `event:ev_${'a'.repeat(32)}`;
const record: SubjectRecord = { holder: 'police', commitment: 'c'.repeat(64), classes: ['identity', 'contact', 'address'], erased: false, registeredAt: T0 - 1000 };
/** an open event of the street office with police and the judicial office assigned */
const CASE = { open: true, org: 'street-office', orgs: ['police', 'judiciary'], assigned: [], managerRoles: ['official', 'dispatcher', 'property-staff', 'utility-staff'] };
const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  subject: `sub_${'1'.repeat(32)}`, org: 'police', role: 'official', purpose: 'public-safety', fields: ['name', 'phone'],
  caseRef: EVENT, case: CASE, actor: 'd'.repeat(32), at: T0, ...over,
});

describe('public-safety and dispute-mediation', () => {
  it('are case purposes of officials (and public-safety of dispatchers)', () => {
    expect(CASE_PURPOSES).toEqual(expect.arrayContaining(['public-safety', 'dispute-mediation']));
    expect(ROLE_PURPOSES.official).toEqual(expect.arrayContaining(['public-safety', 'dispute-mediation']));
    expect(ROLE_PURPOSES.dispatcher).toContain('public-safety');
    expect(ROLE_PURPOSES['grid-worker']).not.toContain('public-safety');
  });

  it('allow a read naming an open event the department is assigned to', () => {
    expect(decideAccess(record, [], request())).toEqual({ decision: 'allowed', reason: 'holder' });
  });

  it('refuse without a case, with a case of another kind, on a closed event, for a department not on it', () => {
    expect(decideAccess(record, [], request({ caseRef: undefined }))).toEqual({ decision: 'denied', reason: 'no-case' });
    expect(decideAccess(record, [], request({ caseRef: 'repair:rq_1', case: { ...CASE, org: 'police' } }))).toEqual({ decision: 'denied', reason: 'case-not-found' });
    expect(decideAccess(record, [], request({ purpose: 'dispute-mediation', caseRef: 'alarm:1' }))).toEqual({ decision: 'denied', reason: 'case-not-found' });
    expect(decideAccess(record, [], request({ case: { ...CASE, open: false } }))).toEqual({ decision: 'denied', reason: 'case-closed' });
    expect(decideAccess(record, [], request({ case: { ...CASE, orgs: ['judiciary'] } }))).toEqual({ decision: 'denied', reason: 'not-on-case' });
    expect(decideAccess(record, [], request({ role: 'grid-worker' }))).toEqual({ decision: 'denied', reason: 'purpose-not-allowed-for-role' });
  });
});
