import { describe, expect, it } from 'vitest';
import {
  accessesOfSubject,
  allAlerts,
  alertsOfSubject,
  decideAccess,
  grantRecord,
  grantsForSubject,
  privacyAccess,
  privacyGrant,
  privacyRevoke,
  privacySubjectRegister,
  subjectRecord,
  type AccessPayload,
} from '../../../src/index.js';
import { HOUR_MS, HOUSING, MemState, POWER, STREET, T0, acc, actor, apply, gr, grantPayload, hex64, sub } from './fixtures.js';

const ALICE = sub('alice');
const BOB = sub('bob');
const CAROL = sub('carol');
const ADMIN = actor('admin');

function seeded(): MemState {
  const s = new MemState();
  apply(privacySubjectRegister, s, HOUSING, { subject: ALICE, commitment: hex64('a'), classes: ['contact', 'address'], actor: ADMIN });
  apply(privacySubjectRegister, s, HOUSING, { subject: BOB, commitment: hex64('b'), classes: ['contact'], actor: ADMIN });
  apply(privacySubjectRegister, s, STREET, { subject: CAROL, commitment: hex64('c'), classes: ['contact'], actor: ADMIN });
  apply(privacyGrant, s, HOUSING, grantPayload({ grant: gr('alice-power') }));
  apply(privacyGrant, s, HOUSING, grantPayload({ grant: gr('bob-power'), subjects: [BOB] }));
  apply(privacyGrant, s, HOUSING, grantPayload({ grant: gr('all-street'), subjects: ['*'], toOrg: STREET.id, toRole: 'official', purpose: 'emergency' }));
  apply(privacyGrant, s, STREET, grantPayload({ grant: gr('carol-power'), subjects: [CAROL] }));
  apply(privacyRevoke, s, HOUSING, { grant: gr('bob-power'), actor: ADMIN });
  return s;
}

const sortIds = (ids: string[]): string[] => [...ids].sort();

describe('privacy queries', () => {
  it('subjectRecord and grantRecord read one key', () => {
    const s = seeded();
    expect(subjectRecord(s.read, ALICE)).toMatchObject({ holder: HOUSING.id, classes: ['contact', 'address'], erased: false });
    expect(subjectRecord(s.read, sub('nobody'))).toBeUndefined();
    expect(grantRecord(s.read, gr('bob-power'))).toMatchObject({ revoked: true, org: HOUSING.id });
  });

  it('grantsForSubject: named and "*" grants of the holder, revoked included, sorted by id', () => {
    const s = seeded();
    expect(grantsForSubject(s.read, s.scan, ALICE).map((g) => g.grant)).toEqual(sortIds([gr('alice-power'), gr('all-street')]));
    expect(grantsForSubject(s.read, s.scan, BOB).map((g) => g.grant)).toEqual(sortIds([gr('bob-power'), gr('all-street')]));
    expect(grantsForSubject(s.read, s.scan, CAROL).map((g) => g.grant)).toEqual([gr('carol-power')]);
    expect(grantsForSubject(s.read, s.scan, sub('nobody'))).toEqual([]);
  });

  it('grantsForSubject with toOrg reads the grants-by-org index', () => {
    const s = seeded();
    expect(grantsForSubject(s.read, s.scan, ALICE, POWER.id).map((g) => g.grant)).toEqual([gr('alice-power')]);
    expect(grantsForSubject(s.read, s.scan, ALICE, STREET.id).map((g) => g.grant)).toEqual([gr('all-street')]);
    expect(grantsForSubject(s.read, s.scan, CAROL, STREET.id)).toEqual([]);
  });

  it('feeds decideAccess', () => {
    const s = seeded();
    const req = { subject: BOB, org: POWER.id, role: 'grid-worker' as const, purpose: 'alarm-response' as const, fields: ['phone'], caseRef: 'alarm:1', actor: 'c'.repeat(32), case: { open: true, org: POWER.id, assigned: ['c'.repeat(32)], managerRoles: [] }, at: T0 };
    expect(decideAccess(subjectRecord(s.read, BOB), grantsForSubject(s.read, s.scan, BOB, POWER.id), req)).toEqual({ decision: 'denied', reason: 'no-grant' });
    expect(decideAccess(subjectRecord(s.read, ALICE), grantsForSubject(s.read, s.scan, ALICE, POWER.id), { ...req, subject: ALICE })).toEqual({
      decision: 'allowed',
      reason: 'grant',
      grant: gr('alice-power'),
    });
  });

  it('accessesOfSubject, alertsOfSubject and allAlerts: oldest first, each subject sees only its own', () => {
    const s = seeded();
    const access = (id: string, subject: string, over: Partial<AccessPayload> = {}): AccessPayload => ({
      access: acc(id),
      subject,
      org: POWER.id,
      role: 'grid-worker',
      purpose: 'alarm-response',
      fields: ['phone'],
      decision: 'denied',
      reason: 'no-grant',
      caseRef: 'alarm:1',
      actor: actor('w'),
      at: T0,
      ...over,
    });
    apply(privacyAccess, s, POWER, access('3', ALICE), T0, 3);
    apply(privacyAccess, s, POWER, access('1', ALICE, { caseRef: undefined }), T0 + 12 * HOUR_MS, 5); // 22:00: off-hours + no-case
    apply(privacyAccess, s, POWER, access('2', BOB, { purpose: 'audit', caseRef: undefined }), T0, 4); // purpose-role
    expect(accessesOfSubject(s.scan, ALICE).map((a) => [a.access, a.height])).toEqual([
      [acc('3'), 3],
      [acc('1'), 5],
    ]);
    expect(accessesOfSubject(s.scan, CAROL)).toEqual([]);
    expect(alertsOfSubject(s.scan, ALICE).map((a) => a.rule)).toEqual(['no-case', 'off-hours']);
    expect(alertsOfSubject(s.scan, BOB).map((a) => a.rule)).toEqual(['purpose-role']);
    expect(allAlerts(s.read, s.scan).map((a) => [a.subject, a.rule])).toEqual([
      [BOB, 'purpose-role'],
      [ALICE, 'no-case'],
      [ALICE, 'off-hours'],
    ]);
    expect(allAlerts(s.read, s.scan, 1)).toHaveLength(1);
  });
});
