import { describe, expect, it } from 'vitest';
import {
  MachiError,
  accessKey,
  grantKey,
  grantsByOrgKey,
  anomalyConfig,
  newChainRules,
  RULE_PRIVACY_SELF_AT_HOLDER,
  RULE_LEDGER_CONTEXT_PSEUDONYMS,
  privacyAccess,
  privacyAccessType,
  privacyErase,
  privacyGrant,
  privacyRevoke,
  privacySubjectRegister,
  subjectKey,
  type AccessPayload,
  type SubjectRegisterPayload,
  type TxType,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { AUDIT, HOUSING, MemState, POWER, STREET, T0, acc, actor, apply, applyOn, gr, grantPayload, hex64, sub } from './fixtures.js';

const ALICE = sub('alice');
const BOB = sub('bob');
const ADMIN = actor('housing admin');

const register = (subject: string, over: Partial<SubjectRegisterPayload> = {}): SubjectRegisterPayload => ({
  subject,
  commitment: hex64(`commitment ${subject}`),
  classes: ['identity', 'contact', 'address'],
  actor: ADMIN,
  ...over,
});

/** Alice and Bob held by HOUSING, Carol by STREET. */
function seeded(): MemState {
  const s = new MemState();
  apply(privacySubjectRegister, s, HOUSING, register(ALICE));
  apply(privacySubjectRegister, s, HOUSING, register(BOB));
  apply(privacySubjectRegister, s, STREET, register(sub('carol')));
  return s;
}

/** Runs a handler that must reject; checks the code and that nothing was written. */
function rejected<P>(type: TxType<P>, state: MemState, signer: typeof HOUSING, payload: P): string {
  const before = new Map(state.map);
  const e = machiError(() => apply(type, state, signer, payload));
  expect(e.code).toBe('HANDLER_REJECTED');
  expect(state.map).toEqual(before);
  return e.message;
}

describe('privacy.subject_register', () => {
  it('records holder, commitment, classes, erased=false and the block time', () => {
    const s = new MemState();
    apply(privacySubjectRegister, s, HOUSING, register(ALICE), T0 + 5);
    expect(s.get(subjectKey(ALICE))).toEqual({ holder: HOUSING.id, commitment: hex64(`commitment ${ALICE}`), classes: ['identity', 'contact', 'address'], erased: false, registeredAt: T0 + 5 });
    expect(s.keys()).toEqual([subjectKey(ALICE)]);
  });

  it('refuses a subject that exists, whoever registers it', () => {
    const s = seeded();
    expect(rejected(privacySubjectRegister, s, HOUSING, register(ALICE))).toMatch(/already exists/);
    rejected(privacySubjectRegister, s, STREET, register(ALICE, { commitment: hex64('other') }));
  });
});

describe('privacy.grant', () => {
  it('writes the grant with org and revoked=false, and the grants-by-org index', () => {
    const s = seeded();
    apply(privacyGrant, s, HOUSING, grantPayload());
    expect(s.get(grantKey(gr('g1')))).toEqual({ ...grantPayload(), org: HOUSING.id, revoked: false });
    expect(s.get(grantsByOrgKey(POWER.id, gr('g1')))).toBe(HOUSING.id);
  });

  it('accepts "*" for every subject of the signer', () => {
    const s = seeded();
    apply(privacyGrant, s, HOUSING, grantPayload({ subjects: ['*'] }));
    expect(s.get(grantKey(gr('g1')))).toMatchObject({ subjects: ['*'] });
  });

  it('refuses a named subject not held by the signer (unknown or held by another org)', () => {
    const s = seeded();
    expect(rejected(privacyGrant, s, HOUSING, grantPayload({ subjects: [ALICE, sub('carol')] }))).toMatch(/not held by housing/);
    rejected(privacyGrant, s, HOUSING, grantPayload({ subjects: [sub('nobody')] }));
    rejected(privacyGrant, s, STREET, grantPayload({ subjects: [ALICE] }));
  });

  it('refuses a toOrg that is not a genesis org', () => {
    expect(rejected(privacyGrant, seeded(), HOUSING, grantPayload({ toOrg: 'no-such-org' }))).toMatch(/not an organisation/);
  });

  it('refuses from >= until (re-checked in the handler)', () => {
    expect(rejected(privacyGrant, seeded(), HOUSING, grantPayload({ from: T0, until: T0 }))).toMatch(/from must be before until/);
    rejected(privacyGrant, seeded(), HOUSING, grantPayload({ from: T0 + 1, until: T0 }));
  });

  it('keeps exact fields in the grant record; refuses a field outside the granted classes', () => {
    const s = seeded();
    apply(privacyGrant, s, HOUSING, grantPayload({ fields: ['phone', 'building'] }));
    expect(s.get(grantKey(gr('g1')))).toMatchObject({ classes: ['contact', 'address'], fields: ['phone', 'building'] });
    expect(rejected(privacyGrant, seeded(), HOUSING, grantPayload({ fields: ['name'] }))).toMatch(/field name is not of a granted class/);
  });

  it('refuses an existing grant id', () => {
    const s = seeded();
    apply(privacyGrant, s, HOUSING, grantPayload());
    expect(rejected(privacyGrant, s, HOUSING, grantPayload({ subjects: [BOB] }))).toMatch(/already exists/);
  });
});

describe('privacy.revoke', () => {
  it('the granting org revokes once', () => {
    const s = seeded();
    apply(privacyGrant, s, HOUSING, grantPayload());
    apply(privacyRevoke, s, HOUSING, { grant: gr('g1'), actor: ADMIN });
    expect(s.get(grantKey(gr('g1')))).toEqual({ ...grantPayload(), org: HOUSING.id, revoked: true });
    expect(rejected(privacyRevoke, s, HOUSING, { grant: gr('g1'), actor: ADMIN })).toMatch(/already revoked/);
  });

  it('refuses an unknown grant, and a grant of another org (even the grantee)', () => {
    const s = seeded();
    expect(rejected(privacyRevoke, s, HOUSING, { grant: gr('nope'), actor: ADMIN })).toMatch(/does not exist/);
    apply(privacyGrant, s, HOUSING, grantPayload());
    expect(rejected(privacyRevoke, s, POWER, { grant: gr('g1'), actor: ADMIN })).toMatch(/not granted by power-co/);
  });
});

describe('privacy.erase', () => {
  it('the holder erases once; the record keeps its metadata with erased=true', () => {
    const s = seeded();
    apply(privacyErase, s, HOUSING, { subject: ALICE, actor: ADMIN });
    expect(s.get(subjectKey(ALICE))).toMatchObject({ holder: HOUSING.id, erased: true });
    expect(rejected(privacyErase, s, HOUSING, { subject: ALICE, actor: ADMIN })).toMatch(/already erased/);
  });

  it('refuses an unknown subject and a subject of another holder', () => {
    const s = seeded();
    expect(rejected(privacyErase, s, HOUSING, { subject: sub('nobody'), actor: ADMIN })).toMatch(/does not exist/);
    expect(rejected(privacyErase, s, STREET, { subject: ALICE, actor: ADMIN })).toMatch(/not held by street-office/);
  });

  it('an erased subject cannot be registered again', () => {
    const s = seeded();
    apply(privacyErase, s, HOUSING, { subject: ALICE, actor: ADMIN });
    rejected(privacySubjectRegister, s, HOUSING, register(ALICE));
  });
});

const access = (over: Partial<AccessPayload> = {}): AccessPayload => ({
  access: acc('a1'),
  subject: ALICE,
  org: POWER.id,
  role: 'grid-worker',
  purpose: 'alarm-response',
  fields: ['phone'],
  decision: 'allowed',
  reason: 'grant',
  grant: gr('g1'),
  caseRef: 'alarm:42',
  actor: actor('grid worker'),
  at: T0,
  ...over,
});

describe('privacy.access', () => {
  it('records the access with its tx hash and height, and nothing else when no rule fires', () => {
    const s = seeded();
    const before = new Set(s.keys());
    apply(privacyAccess, s, POWER, access(), T0, 7);
    const record = s.get(accessKey(ALICE, acc('a1'))) as Record<string, unknown>;
    expect(record).toMatchObject({ ...access(), height: 7 });
    expect(record.txHash).toMatch(/^[0-9a-f]{64}$/);
    const added = s.keys().filter((k) => !before.has(k));
    expect(added.filter((k) => k.startsWith('privacy/alert'))).toEqual([]);
    expect(added.filter((k) => !k.startsWith('privacy/actor-day/'))).toEqual([accessKey(ALICE, acc('a1'))]);
  });

  it('denials are recorded too, also for unknown and erased subjects', () => {
    const s = seeded();
    apply(privacyAccess, s, POWER, access({ decision: 'denied', reason: 'no-grant', grant: undefined }));
    apply(privacyAccess, s, POWER, access({ access: acc('a2'), subject: sub('nobody'), decision: 'denied', reason: 'unknown-subject', grant: undefined }));
    apply(privacyErase, s, HOUSING, { subject: BOB, actor: ADMIN });
    apply(privacyAccess, s, POWER, access({ access: acc('a3'), subject: BOB, decision: 'denied', reason: 'erased', grant: undefined }));
    expect(s.get(accessKey(ALICE, acc('a1')))).toMatchObject({ decision: 'denied', reason: 'no-grant' });
    expect(s.get(accessKey(sub('nobody'), acc('a2')))).toMatchObject({ reason: 'unknown-subject' });
    expect(s.get(accessKey(BOB, acc('a3')))).toMatchObject({ reason: 'erased' });
  });

  it('refuses a record whose org is not the signer', () => {
    expect(rejected(privacyAccess, seeded(), STREET, access())).toMatch(/not the signer/);
    rejected(privacyAccess, seeded(), AUDIT, access({ org: HOUSING.id }));
  });

  it("accepts reason self only for a resident's read recorded by the holder, on a chain whose rules say so (issue 11.3)", () => {
    const strict = privacyAccessType(anomalyConfig(), [], { [RULE_PRIVACY_SELF_AT_HOLDER]: 1 });
    const self = { decision: 'allowed' as const, reason: 'self' as const, grant: undefined, caseRef: undefined, purpose: 'identity-verification' as const };
    // a member labelling its staff's reads `self` to skip every rule: refused
    expect(rejected(strict, seeded(), POWER, access({ ...self, role: 'grid-worker' }))).toMatch(/reason self/);
    // a resident's `self` read recorded by an organisation that does not hold the subject: refused
    expect(rejected(strict, seeded(), POWER, access({ ...self, role: 'resident' }))).toMatch(/reason self/);
    const s = seeded();
    apply(strict, s, HOUSING, access({ ...self, org: HOUSING.id, role: 'resident' }));
    expect(s.get(accessKey(ALICE, acc('a1')))).toMatchObject({ reason: 'self' });
    expect(s.keys().filter((k) => k.startsWith('privacy/actor-day/'))).toEqual([]);
    // a chain whose genesis does not name the rule replays its older blocks as they were
    const older = seeded();
    apply(privacyAccess, older, POWER, access({ ...self, role: 'grid-worker' }));
    expect(older.get(accessKey(ALICE, acc('a1')))).toMatchObject({ reason: 'self', role: 'grid-worker' });
  });

  it('names the person by a per-context pseudonym on a chain with ledger.context-pseudonyms, by subject id on an older one (issue 11.1)', () => {
    const rules = newChainRules();
    const onNew = applyOn(rules);
    const type = privacyAccessType(anomalyConfig(), [], rules);
    const psn = `psn_${hex64('alice in a context')}`;
    // a subject id on the new format: refused (it would link the person across modules)
    const e = machiError(() => onNew(type, seeded(), POWER, access()));
    expect(e.code).toBe('HANDLER_REJECTED');
    expect(e.message).toMatch(/pseudonyms/);
    const s = seeded();
    onNew(type, s, POWER, access({ subject: psn }));
    expect(s.get(accessKey(psn, acc('a1')))).toMatchObject({ subject: psn, decision: 'allowed' });
    // the anomaly counters count pseudonyms (one per person and context)
    expect(s.keys().some((k) => k.startsWith('privacy/actor-day/') && k.endsWith(`/${psn}`))).toBe(true);
    // `self`: a resident's read only (the holder cannot be read from a pseudonym; the holder re-decides before releasing)
    const self = { decision: 'allowed' as const, reason: 'self' as const, grant: undefined, caseRef: undefined, purpose: 'identity-verification' as const };
    expect(machiError(() => onNew(type, seeded(), POWER, access({ ...self, subject: psn, role: 'grid-worker' }))).message).toMatch(/reason self/);
    onNew(type, seeded(), HOUSING, access({ ...self, subject: psn, org: HOUSING.id, role: 'resident' }));
    // an older chain (no rule in its genesis) refuses a pseudonym by its schema, exactly as before
    expect(machiError(() => apply(privacyAccessType(anomalyConfig(), [], { [RULE_PRIVACY_SELF_AT_HOLDER]: 1 }), seeded(), POWER, access({ subject: psn }))).code).toBe('TX_PAYLOAD_INVALID');
    // a chain that adopts the rule from a later height keeps subject ids before it
    const later = { ...rules, [RULE_LEDGER_CONTEXT_PSEUDONYMS]: 10 };
    const onLater = applyOn(later);
    const laterType = privacyAccessType(anomalyConfig(), [], later);
    onLater(laterType, seeded(), POWER, access(), T0, 9);
    expect(machiError(() => onLater(laterType, seeded(), POWER, access({ subject: psn }), T0, 9)).message).toMatch(/subject id/);
    onLater(laterType, seeded(), POWER, access({ subject: psn }), T0, 10);
  });

  it('refuses an access id recorded before for the subject', () => {
    const s = seeded();
    apply(privacyAccess, s, POWER, access());
    expect(rejected(privacyAccess, s, POWER, access({ at: T0 + 1 }))).toMatch(/already recorded/);
  });

  it('throws only MachiErrors (a rejection, never a crash)', () => {
    const e = machiError(() => apply(privacyAccess, seeded(), STREET, access()));
    expect(e).toBeInstanceOf(MachiError);
  });
});

describe('determinism', () => {
  it('the same transactions over the same state write the same keys and values, in the same order', () => {
    const runOnce = (): [string, string | null][] => {
      const s = seeded();
      apply(privacyGrant, s, HOUSING, grantPayload({ subjects: ['*'] }), T0 + 1, 2);
      for (let i = 0; i < 25; i++) apply(privacyAccess, s, POWER, access({ access: acc(`d${i}`), subject: sub(`d${i}`), caseRef: undefined }), T0 + 12 * 3_600_000 + i, 3);
      apply(privacyRevoke, s, HOUSING, { grant: gr('g1'), actor: ADMIN }, T0 + 2, 4);
      apply(privacyErase, s, HOUSING, { subject: ALICE, actor: ADMIN }, T0 + 3, 5);
      return s.log;
    };
    const a = runOnce();
    expect(a.some(([k]) => k.startsWith('privacy/alert/'))).toBe(true);
    expect(runOnce()).toEqual(a);
  });
});
