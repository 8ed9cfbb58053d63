/**
 * property: the tally at the exact thresholds (exactly 2/3 of the area, exactly 3/4, one owner short), owners with
 * several units, a seeded property test of the tally against a naive reference; the handlers' refusals (second ballot,
 * non-owner, after closing, no ID check, amounts not in integer fen, a reveal that does not match), bills from the
 * schedule, dunning order, the emergency fund path (60 % first transfer, 24 h flag) and a tender's opening.
 */
import { describe, expect, it } from 'vitest';
import {
  addBallot, addressRegister, billRecord, countBallots, fraction, fundUseRecord, propertyBallot, propertyBill, propertyDun, propertyFees,
  propertyFundApprove, propertyFundDeposit, propertyFundPropose, propertyFundTransfer, propertyFundWorks, propertyImport, propertyPay, propertySpace,
  propertyTenderClose, propertyTenderCommit, propertyNotice, propertyNoticeRead, propertyActivity, propertySignup, propertyHours, volunteerRecord,
  activityRecord, propertyTenderOpen, propertyTenderReveal, propertyUnit, propertyVoteClose, propertyVoteOpen, recount,
  registerTotals, sessionKey, propertyHousehold, propertyVehicle, householdRecord, vehiclesOfUnit, propertyLicence, licenceRecord, licenceValidAt, propertyJobLicence, jobLicenceRecord, licenceKindForJob, requestKey, sha256Hex, tally, tenderCommitmentText, tenderRecord, voteRecord, alarmKey, EMPTY_COUNTS,
  type BallotChoice, type Org, type VoteCounts, type VoteMatter,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { DAY_MS, HOUR_MS, MemState, PROPERTY, STREET, T0, actor, apply, checkSchema, hex32, rejected } from '../events/fixtures.js';

const BUREAU: Org = { id: 'housing-bureau', name: 'Org housing-bureau', publicKey: 'key-housing-bureau', power: 0 };
const BY = actor('li.staff');
const psn = (label: string): string => `psn_${sha256Hex(`owner ${label}`)}`;
const ses = (label: string): string => `ses_${hex32(`session ${label}`)}`;
const VOTE = `pv_${hex32('vote 1')}`;

/** The tally over counts given as plain numbers. */
const counts = (o: Partial<VoteCounts>): VoteCounts => ({ ...EMPTY_COUNTS, ...o });

describe('tally (art. 278, exact rationals)', () => {
  it('participation at exactly 2/3 of the area and owners passes; one dm² or one owner short fails', () => {
    // 9 owners, 900 dm²; 6 owners with 600 dm² take part, all yes
    const c = counts({ ballots: 6, partAreaDm2: 600, partOwners: 6, yesAreaDm2: 600, yesOwners: 6 });
    expect(tally('rules', c, 900, 9)).toMatchObject({ outcome: 'passed', participationArea: '2/3', participationOwners: '2/3' });
    expect(tally('rules', { ...c, partAreaDm2: 599, yesAreaDm2: 599 }, 900, 9).outcome).toBe('failed-participation');
    expect(tally('rules', { ...c, partOwners: 5, yesOwners: 5 }, 900, 9).outcome).toBe('failed-participation');
    // large numbers where floating point would blur 2/3: 3·10^12 + 1 dm² total
    const total = 3_000_000_000_001;
    const twoThirdsUp = Math.ceil((total * 2) / 3); // exact for this value? check with BigInt below
    const exact = (BigInt(total) * 2n + 2n) / 3n; // ceil(2/3 · total)
    expect(tally('rules', counts({ partAreaDm2: Number(exact), partOwners: 2, yesAreaDm2: Number(exact), yesOwners: 2 }), total, 3).outcome).toBe('passed');
    expect(tally('rules', counts({ partAreaDm2: Number(exact) - 1, partOwners: 2, yesAreaDm2: Number(exact) - 1, yesOwners: 2 }), total, 3).outcome).toBe('failed-participation');
    expect(twoThirdsUp).toBeGreaterThan(0);
  });

  it('special matters need exactly 3/4 of the participating area AND owners; ordinary ones more than half', () => {
    const base = { ballots: 8, partAreaDm2: 800, partOwners: 8 };
    expect(tally('fund-raise', counts({ ...base, yesAreaDm2: 600, yesOwners: 6 }), 800, 8)).toMatchObject({ outcome: 'passed', special: true, yesArea: '3/4', yesOwners: '3/4' });
    expect(tally('fund-raise', counts({ ...base, yesAreaDm2: 599, yesOwners: 6 }), 800, 8).outcome).toBe('failed-majority');
    expect(tally('rebuild', counts({ ...base, yesAreaDm2: 700, yesOwners: 5 }), 800, 8).outcome).toBe('failed-majority'); // one owner short
    // ordinary: exactly half is not more than half
    expect(tally('fund-use', counts({ ...base, yesAreaDm2: 400, yesOwners: 5 }), 800, 8).outcome).toBe('failed-majority');
    expect(tally('fund-use', counts({ ...base, yesAreaDm2: 401, yesOwners: 5 }), 800, 8).outcome).toBe('passed');
    expect(tally('fund-use', counts({ ...base, yesAreaDm2: 700, yesOwners: 4 }), 800, 8).outcome).toBe('failed-majority');
  });

  it('an owner of several units counts once as an owner with the area summed', () => {
    const c = countBallots([
      { owner: 'a', choice: 'yes', areaDm2: 100 },
      { owner: 'a', choice: 'yes', areaDm2: 150 },
      { owner: 'b', choice: 'no', areaDm2: 90 },
    ]);
    expect(c).toEqual({ ballots: 3, partAreaDm2: 340, partOwners: 2, yesAreaDm2: 250, yesOwners: 1, noAreaDm2: 90, noOwners: 1 });
    expect(fraction(250, 340)).toBe('25/34');
  });

  it('matches a naive reference on 2000 seeded random votes', () => {
    let seed = 0x9e3779b9;
    const rnd = (n: number): number => {
      seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
      return seed % n;
    };
    const matters: VoteMatter[] = ['rules', 'fund-raise', 'fund-use', 'rebuild'];
    for (let run = 0; run < 2000; run++) {
      const owners = 1 + rnd(6);
      const units = Array.from({ length: owners + rnd(6) }, (_, i) => ({ owner: i < owners ? i : rnd(owners), areaDm2: 1 + rnd(4) * (1 + rnd(3)) }));
      const totalArea = units.reduce((a, u) => a + u.areaDm2, 0);
      const choiceOf = new Map<number, BallotChoice>();
      const ballots = units.filter(() => rnd(4) !== 0).map((u) => {
        if (!choiceOf.has(u.owner)) choiceOf.set(u.owner, (['yes', 'no', 'abstain'] as const)[rnd(3)]!);
        return { owner: String(u.owner), choice: choiceOf.get(u.owner)!, areaDm2: u.areaDm2 };
      });
      const matter = matters[rnd(matters.length)]!;
      // naive reference: group by owner, compare with cross-multiplied plain integers (small here, so exact)
      const byOwner = new Map<string, { area: number; choice: BallotChoice }>();
      for (const b of ballots) byOwner.set(b.owner, { area: (byOwner.get(b.owner)?.area ?? 0) + b.areaDm2, choice: b.choice });
      const partArea = [...byOwner.values()].reduce((a, o) => a + o.area, 0);
      const partOwners = byOwner.size;
      const yes = [...byOwner.values()].filter((o) => o.choice === 'yes');
      const yesArea = yes.reduce((a, o) => a + o.area, 0);
      const participated = 3 * partArea >= 2 * totalArea && 3 * partOwners >= 2 * owners;
      const special = ['fund-raise', 'rebuild'].includes(matter);
      const majority = special ? 4 * yesArea >= 3 * partArea && 4 * yes.length >= 3 * partOwners && partOwners > 0 : 2 * yesArea > partArea && 2 * yes.length > partOwners;
      const expected = !participated ? 'failed-participation' : majority ? 'passed' : 'failed-majority';
      expect(tally(matter, countBallots(ballots), totalArea, owners).outcome, JSON.stringify({ matter, units, ballots })).toBe(expected);
    }
  });

  it('addBallot adds area every time and the owner once', () => {
    expect(addBallot(addBallot(EMPTY_COUNTS, 'no', 5, true), 'no', 7, false)).toEqual({ ...EMPTY_COUNTS, ballots: 2, partAreaDm2: 12, partOwners: 1, noAreaDm2: 12, noOwners: 1 });
  });
});

// ---- handlers -------------------------------------------------------------------------------------------------------

const OWNER_A = psn('a');
const OWNER_B = psn('b');
const OWNER_C = psn('c');

/** A community: b1 with four units (owners A ×2, B, C) of 100, 50, 90, 60 m²; a passed ID check per owner. */
function community(): MemState {
  const s = new MemState();
  const reg = actor('zhou');
  apply(addressRegister, s, STREET, { code: 'b1', kind: 'building', name: '1号楼', by: reg });
  for (const u of ['b1-u101', 'b1-u102', 'b1-u201', 'b1-u202', 'b1-u301']) apply(addressRegister, s, STREET, { code: u, kind: 'unit', parent: 'b1', name: `1号楼${u.slice(4)}室`, by: reg });
  apply(propertyImport, s, PROPERTY, {
    rows: [
      { unit: 'b1-u101', type: 'residential', areaDm2: 10_000, owner: OWNER_A },
      { unit: 'b1-u102', type: 'residential', areaDm2: 5_000, owner: OWNER_A },
      { unit: 'b1-u201', type: 'residential', areaDm2: 9_000, owner: OWNER_B },
      { unit: 'b1-u202', type: 'commercial', areaDm2: 6_050, owner: OWNER_C },
    ],
    by: BY,
  });
  for (const o of ['a', 'b', 'c', 'x']) {
    s.set(sessionKey(ses(o)), { session: ses(o), service: 'owners-meeting', deskOrg: PROPERTY.id, types: ['residence', 'property-ownership'], nonceHash: '0'.repeat(64), openedAt: T0, expiresAt: T0 + HOUR_MS, actor: BY, txHash: '0'.repeat(64), consent: { subject: psn(`consent ${o}`), holderOrg: PROPERTY.id, actor: BY, at: T0, txHash: '0'.repeat(64) }, verified: o === 'x' ? ['residence'] : ['residence', 'property-ownership'], attempts: 2 });
  }
  return s;
}
const ballot = (unit: string, owner: string, choice: BallotChoice, session: string) => ({ vote: VOTE, unit, owner, choice, session, by: BY });

describe('register', () => {
  it('imports units all or nothing, sums owners once with their area', () => {
    const s = community();
    expect(registerTotals(s.read)).toEqual({ units: 4, areaDm2: 30_050, ownedAreaDm2: 30_050, owners: 3 });
    // one unknown unit refuses the whole import: nothing half-imported
    expect(rejected(propertyImport, s, PROPERTY, { rows: [{ unit: 'b1-u301', type: 'residential', areaDm2: 1, owner: null }, { unit: 'b9-u1', type: 'residential', areaDm2: 1, owner: null }], by: BY })).toMatch(/PROPERTY_NOT_FOUND/);
    // areas and fees are integers only
    for (const bad of [{ unit: 'b1-u301', type: 'residential', areaDm2: 95.5, owner: null }, { unit: 'b1-u301', type: 'residential', areaDm2: 9550, owner: 'Zhang San' }]) {
      expect(machiError(() => checkSchema('property.unit', { ...bad, by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    }
    expect(machiError(() => checkSchema('property.fees', { from: '2026-01', items: [{ item: 'service-fee', basis: 'area', unitType: 'any', rateFen: 2.5 }], by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    expect(rejected(propertyUnit, s, STREET, { unit: 'b1-u301', type: 'residential', areaDm2: 1, owner: null, by: BY })).toMatch(/PROPERTY_FORBIDDEN/);
    // a change of owner moves the area
    apply(propertyUnit, s, PROPERTY, { unit: 'b1-u102', type: 'residential', areaDm2: 5_000, owner: OWNER_B, by: BY });
    expect(registerTotals(s.read).owners).toBe(3);
  });

  it('households by pseudonym; vehicles with a plate commitment, parked only in a space of their unit', () => {
    const s = community();
    apply(propertyHousehold, s, PROPERTY, { unit: 'b1-u101', members: [OWNER_B, OWNER_A], by: BY });
    expect(householdRecord(s.read, 'b1-u101')).toMatchObject({ unit: 'b1-u101', members: [OWNER_A, OWNER_B].sort() });
    expect(machiError(() => checkSchema('property.household', { unit: 'b1-u101', members: ['Zhang San'], by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    expect(rejected(propertyHousehold, s, PROPERTY, { unit: 'b1-u301', members: [], by: BY })).toMatch(/PROPERTY_NOT_FOUND/);
    apply(propertySpace, s, PROPERTY, { space: 'p-b1-001', building: 'b1', unit: 'b1-u101', by: BY });
    const vh = `vh_${hex32('car 1')}`;
    const plate = sha256Hex('salt 沪A12345');
    // a plate in clear is not a commitment; a space of another unit is refused
    expect(machiError(() => checkSchema('property.vehicle', { vehicle: vh, unit: 'b1-u101', space: null, plate: '沪A12345', by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    expect(rejected(propertyVehicle, s, PROPERTY, { vehicle: vh, unit: 'b1-u201', space: 'p-b1-001', plate, by: BY })).toMatch(/PROPERTY_CONFLICT/);
    expect(rejected(propertyVehicle, s, STREET, { vehicle: vh, unit: 'b1-u101', space: null, plate, by: BY })).toMatch(/PROPERTY_FORBIDDEN/);
    apply(propertyVehicle, s, PROPERTY, { vehicle: vh, unit: 'b1-u101', space: 'p-b1-001', plate, by: BY });
    expect(vehiclesOfUnit(s.read, 'b1-u101').map((v) => [v.vehicle, v.space, v.plate])).toEqual([[vh, 'p-b1-001', plate]]);
    // moved to another unit: listed there only
    apply(propertyVehicle, s, PROPERTY, { vehicle: vh, unit: 'b1-u201', space: null, plate, by: BY });
    expect([vehiclesOfUnit(s.read, 'b1-u101').length, vehiclesOfUnit(s.read, 'b1-u201').length]).toEqual([0, 1]);
  });

  it('a licence on the ledger: kind and expiry under a staff pseudonym, valid from its registration to its expiry', () => {
    const s = community();
    const lic = `pl_${hex32('licence 1')}`;
    const staff = psn('staff 1');
    expect(machiError(() => checkSchema('property.licence', { licence: lic, staff: 'Wang Wu', kind: 'lift-operator', expiresAt: T0 + DAY_MS, by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    expect(rejected(propertyLicence, s, PROPERTY, { licence: lic, staff, kind: 'lift-operator', expiresAt: T0 - 1, by: BY }, T0)).toMatch(/PROPERTY_INVALID/);
    apply(propertyLicence, s, PROPERTY, { licence: lic, staff, kind: 'lift-operator', expiresAt: T0 + 30 * DAY_MS, by: BY }, T0);
    expect(rejected(propertyLicence, s, PROPERTY, { licence: lic, staff, kind: 'lift-operator', expiresAt: T0 + 60 * DAY_MS, by: BY }, T0)).toMatch(/PROPERTY_CONFLICT/);
    const l = licenceRecord(s.read, lic)!;
    expect([licenceValidAt(l, T0 - 1), licenceValidAt(l, T0 + DAY_MS), licenceValidAt(l, T0 + 30 * DAY_MS)]).toEqual([false, true, false]);
  });
});

describe('a licence linked to a repair job', () => {
  const REQ = `rq_${hex32('lift job')}`;
  const WORKER = actor('zhao.worker');
  const job = (s: MemState, category: string, worker = WORKER, status = 'assigned') =>
    s.set(requestKey(REQ), { request: REQ, status, category, priority: 'urgent', org: PROPERTY.id, worker, workerOrg: PROPERTY.id, createdAt: T0, slaDueAt: T0 + HOUR_MS, steps: [], followers: [], escalation: null });

  it('the mapping: lift, electrical and heating jobs need a licence of their kind; others none', () => {
    expect([licenceKindForJob('lift'), licenceKindForJob('electrical'), licenceKindForJob('heating'), licenceKindForJob('drainage'), licenceKindForJob('toString')])
      .toEqual(['lift-operator', 'electrician', 'boiler-operator', undefined, undefined]);
  });

  it("records the licence covering an assignment, or the assignment's warning (never refused for a licence)", () => {
    const s = community();
    const lift = `pl_${hex32('lift licence')}`;
    const elec = `pl_${hex32('electrician licence')}`;
    const staff = psn('staff 1');
    apply(propertyLicence, s, PROPERTY, { licence: lift, staff, kind: 'lift-operator', expiresAt: T0 + 30 * DAY_MS, by: BY }, T0);
    apply(propertyLicence, s, PROPERTY, { licence: elec, staff, kind: 'electrician', expiresAt: T0 + 30 * DAY_MS, by: BY }, T0);
    job(s, 'lift');
    apply(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: lift, by: BY }, T0 + DAY_MS);
    apply(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: elec, by: BY }, T0 + DAY_MS);
    apply(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: lift, by: BY }, T0 + 30 * DAY_MS); // expired at that ledger time
    apply(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: null, by: BY }, T0 + DAY_MS);
    const r = jobLicenceRecord(s.read, REQ)!;
    expect([r.category, r.kind]).toEqual(['lift', 'lift-operator']);
    expect(r.assignments.map((a) => [a.licence, a.staff, a.covered, a.warning])).toEqual([
      [lift, staff, true, null], [elec, staff, false, 'wrong-kind'], [lift, staff, false, 'not-valid'], [null, null, false, 'no-licence'],
    ]);
    // refused: another worker than the assigned one, a licence of another organisation, another org's job, a job needing none
    expect(rejected(propertyJobLicence, s, PROPERTY, { request: REQ, worker: actor('wang.worker'), licence: lift, by: BY })).toMatch(/PROPERTY_CONFLICT/);
    expect(rejected(propertyJobLicence, s, STREET, { request: REQ, worker: WORKER, licence: lift, by: BY })).toMatch(/PROPERTY_FORBIDDEN/);
    expect(rejected(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: `pl_${hex32('nobody')}`, by: BY })).toMatch(/PROPERTY_NOT_FOUND/);
    job(s, 'drainage');
    expect(rejected(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: null, by: BY })).toMatch(/PROPERTY_INVALID/);
    job(s, 'lift', WORKER, 'received');
    expect(rejected(propertyJobLicence, s, PROPERTY, { request: REQ, worker: WORKER, licence: lift, by: BY })).toMatch(/PROPERTY_CONFLICT/);
  });
});

describe('fees, bills, payments, dunning', () => {
  it('bills every unit from the schedule in integer fen, records payments with references, dunning in order only', () => {
    const s = community();
    apply(propertySpace, s, PROPERTY, { space: 'p-b1-001', building: 'b1', unit: 'b1-u201', by: BY });
    apply(propertyFees, s, PROPERTY, { from: '2026-01', items: [
      { item: 'service-fee', basis: 'area', unitType: 'residential', rateFen: 250 },
      { item: 'service-fee', basis: 'area', unitType: 'commercial', rateFen: 480 },
      { item: 'parking', basis: 'space', unitType: 'any', rateFen: 15_000 },
    ], by: BY });
    apply(propertyBill, s, PROPERTY, { period: '2026-01', building: 'b1', dueAt: T0 + 10 * DAY_MS, by: BY });
    const b = billRecord(s.read, 'b1-u201', '2026-01')!;
    expect(b.lines).toEqual([{ item: 'service-fee', basis: 'area', quantity: 9_000, rateFen: 250, amountFen: 22_500 }, { item: 'parking', basis: 'space', quantity: 1, rateFen: 15_000, amountFen: 15_000 }]);
    expect(billRecord(s.read, 'b1-u202', '2026-01')!.dueFen).toBe(29_040); // 60.50 m² × 4.80 yuan
    expect(rejected(propertyBill, s, PROPERTY, { period: '2026-01', building: 'b1', dueAt: T0, by: BY })).toMatch(/billed/);
    apply(propertyPay, s, PROPERTY, { unit: 'b1-u201', period: '2026-01', amountFen: 37_500, reference: 'WX20260105-0001', by: BY });
    expect(billRecord(s.read, 'b1-u201', '2026-01')).toMatchObject({ status: 'paid', paidFen: 37_500 });
    expect(rejected(propertyPay, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', amountFen: 1, reference: 'WX20260105-0001', by: BY })).toMatch(/recorded already/);
    expect(rejected(propertyPay, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', amountFen: 25_001, reference: 'WX20260105-0002', by: BY })).toMatch(/more than/);
    expect(machiError(() => checkSchema('property.pay', { unit: 'b1-u101', period: '2026-01', amountFen: 12.5, reference: 'WX20260105-0003', by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    expect(rejected(propertyDun, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', step: 'reminder', by: BY }, T0 + DAY_MS)).toMatch(/not yet due/);
    expect(rejected(propertyDun, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', step: 'written-demand', by: BY }, T0 + 11 * DAY_MS)).toMatch(/14 days after a reminder/);
    apply(propertyDun, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', step: 'reminder', by: BY }, T0 + 11 * DAY_MS);
    apply(propertyDun, s, PROPERTY, { unit: 'b1-u101', period: '2026-01', step: 'written-demand', by: BY }, T0 + 25 * DAY_MS);
    expect(billRecord(s.read, 'b1-u101', '2026-01')!.dunning.map((d) => d.step)).toEqual(['reminder', 'written-demand']);
    // nothing coercive exists: no such step
    expect(machiError(() => checkSchema('property.dun', { unit: 'b1-u101', period: '2026-01', step: 'cut-water', by: BY })).code).toBe('TX_PAYLOAD_INVALID');
  });
});

describe('owners\' votes', () => {
  it('refuses and records a second ballot, a non-owner, a split owner, a missing ID check and a ballot after closing; tallies exactly', () => {
    const s = community();
    apply(propertyVoteOpen, s, PROPERTY, { vote: VOTE, matter: 'fund-raise', title: '续筹维修资金', closesAt: T0 + 7 * DAY_MS, by: BY });
    const t = T0 + HOUR_MS;
    apply(propertyBallot, s, PROPERTY, ballot('b1-u101', OWNER_A, 'yes', ses('a')), t);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u101', OWNER_A, 'yes', ses('a')), t)).toMatch(/^PROPERTY_BALLOT_CAST/);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u201', OWNER_C, 'yes', ses('c')), t)).toMatch(/^PROPERTY_NOT_OWNER/);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u102', OWNER_A, 'no', ses('a')), t)).toMatch(/one owner casts one choice/);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u201', OWNER_B, 'yes', ses('x')), t)).toMatch(/^PROPERTY_ID_CHECK/);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u201', OWNER_B, 'yes', ses('a')), t)).toMatch(/^PROPERTY_ID_CHECK/); // another's check
    apply(propertyBallot, s, PROPERTY, ballot('b1-u102', OWNER_A, 'yes', ses('a')), t);
    apply(propertyBallot, s, PROPERTY, ballot('b1-u201', OWNER_B, 'yes', ses('b')), t);
    expect(rejected(propertyVoteClose, s, PROPERTY, { vote: VOTE, by: BY }, t)).toMatch(/runs until/);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u202', OWNER_C, 'no', ses('c')), T0 + 7 * DAY_MS)).toMatch(/^PROPERTY_VOTE_CLOSED/);
    apply(propertyVoteClose, s, PROPERTY, { vote: VOTE, by: BY }, T0 + 7 * DAY_MS);
    const v = voteRecord(s.read, VOTE)!;
    // A (15 000 dm², two units, once) and B (9 000): 24 000 / 30 050 area ≥ 2/3, 2/3 owners; all yes
    expect(v.counts).toMatchObject({ ballots: 3, partAreaDm2: 24_000, partOwners: 2, yesOwners: 2 });
    expect(v.result).toMatchObject({ outcome: 'passed', participationArea: '480/601', participationOwners: '2/3', yesArea: '1/1' });
    expect(recount(s.read, s.scan, VOTE)!.matches).toBe(true);
    expect(rejected(propertyBallot, s, PROPERTY, ballot('b1-u202', OWNER_C, 'no', ses('c')), T0 + 8 * DAY_MS)).toMatch(/^PROPERTY_VOTE_CLOSED/);
  });
});

describe('maintenance fund', () => {
  it('emergency path from a leak alarm: approval without a vote, first transfer at most 60 %, 24 h flag', () => {
    const s = community();
    const alarm = `al_${hex32('leak')}`;
    s.set(alarmKey(alarm), { alarm, class: 'moisture' });
    apply(propertyFundDeposit, s, BUREAU, { amountFen: 50_000_000, reference: 'DEP-2026-0001', by: BY });
    const use = `pu_${hex32('emergency')}`;
    expect(rejected(propertyFundPropose, s, PROPERTY, { use, building: 'b1', title: '地下室漏水', contractor: '申城水电', budgetFen: 1_000_000, emergency: { category: 'leak', alarm: `al_${hex32('none')}` }, by: BY })).toMatch(/no alarm/);
    apply(propertyFundPropose, s, PROPERTY, { use, building: 'b1', title: '地下室漏水', contractor: '申城水电', budgetFen: 1_000_000, emergency: { category: 'leak', alarm }, by: BY }, T0);
    expect(rejected(propertyFundApprove, s, PROPERTY, { use, by: BY })).toMatch(/FORBIDDEN/);
    apply(propertyFundApprove, s, BUREAU, { use, by: BY }, T0 + 2 * HOUR_MS);
    expect(rejected(propertyFundTransfer, s, BUREAU, { use, amountFen: 600_001, reference: 'TR-2026-0001', by: BY }, T0 + 3 * HOUR_MS)).toMatch(/60%/);
    apply(propertyFundTransfer, s, BUREAU, { use, amountFen: 600_000, reference: 'TR-2026-0001', by: BY }, T0 + 3 * HOUR_MS);
    expect(fundUseRecord(s.read, use)).toMatchObject({ status: 'approved', metDeadline: true, transferredFen: 600_000 });
    expect(rejected(propertyFundTransfer, s, BUREAU, { use, amountFen: 400_000, reference: 'TR-2026-0002', by: BY }, T0 + 4 * HOUR_MS)).toMatch(/works are completed/);
    apply(propertyFundWorks, s, PROPERTY, { use, stage: 'started', by: BY });
    apply(propertyFundWorks, s, PROPERTY, { use, stage: 'completed', by: BY });
    apply(propertyFundTransfer, s, BUREAU, { use, amountFen: 400_000, reference: 'TR-2026-0002', by: BY }, T0 + 5 * DAY_MS);
    expect(fundUseRecord(s.read, use)).toMatchObject({ status: 'closed', transferredFen: 1_000_000 });
  });

  it('ordinary path: the owners vote first, works, then approval', () => {
    const s = community();
    const use = `pu_${hex32('roof')}`;
    apply(propertyFundPropose, s, PROPERTY, { use, building: 'b1', title: '屋面防水', contractor: '申城建设', budgetFen: 2_000_000, by: BY });
    expect(rejected(propertyFundApprove, s, BUREAU, { use, by: BY })).toMatch(/owners approve/);
    apply(propertyVoteOpen, s, PROPERTY, { vote: VOTE, matter: 'fund-use', title: '屋面防水', closesAt: T0 + DAY_MS, use, by: BY });
    for (const [u, o, k] of [['b1-u101', OWNER_A, 'a'], ['b1-u201', OWNER_B, 'b'], ['b1-u202', OWNER_C, 'c']] as const) apply(propertyBallot, s, PROPERTY, ballot(u, o, 'yes', ses(k)), T0 + HOUR_MS);
    apply(propertyVoteClose, s, PROPERTY, { vote: VOTE, by: BY }, T0 + DAY_MS);
    expect(fundUseRecord(s.read, use)!.status).toBe('owners-approved');
    apply(propertyFundWorks, s, PROPERTY, { use, stage: 'started', by: BY });
    apply(propertyFundApprove, s, BUREAU, { use, by: BY });
    expect(rejected(propertyFundTransfer, s, BUREAU, { use, amountFen: 1, reference: 'TR-2026-0009', by: BY })).toMatch(/the fund holds 0/);
  });
});

describe('sealed-bid tender', () => {
  it('commits before the deadline, reveals after; a mismatching reveal withdraws the bid; unrevealed = withdrawn; opening ranks by price', () => {
    const s = community();
    const tender = `pt_${hex32('lift')}`;
    const bid = (n: string): string => `pb_${hex32(`bid ${n}`)}`;
    const salt = (n: string): string => hex32(`salt ${n}`);
    const commit = (n: string, price: number): string => sha256Hex(tenderCommitmentText(tender, bid(n), price, salt(n)));
    apply(propertyTenderOpen, s, PROPERTY, { tender, title: '电梯维保', deadline: T0 + DAY_MS, revealUntil: T0 + 2 * DAY_MS, by: BY });
    apply(propertyTenderCommit, s, PROPERTY, { tender, bid: bid('1'), bidder: '甲电梯公司', commitment: commit('1', 900_000) }, T0 + HOUR_MS);
    apply(propertyTenderCommit, s, PROPERTY, { tender, bid: bid('2'), bidder: '乙电梯公司', commitment: commit('2', 800_000) }, T0 + HOUR_MS);
    apply(propertyTenderCommit, s, PROPERTY, { tender, bid: bid('3'), bidder: '丙电梯公司', commitment: commit('3', 700_000) }, T0 + HOUR_MS);
    expect(rejected(propertyTenderCommit, s, PROPERTY, { tender, bid: bid('4'), bidder: '丁', commitment: commit('4', 1) }, T0 + DAY_MS)).toMatch(/^PROPERTY_TENDER_CLOSED/);
    expect(rejected(propertyTenderReveal, s, PROPERTY, { tender, bid: bid('1'), priceFen: 900_000, salt: salt('1') }, T0 + HOUR_MS)).toMatch(/after the deadline/);
    apply(propertyTenderReveal, s, PROPERTY, { tender, bid: bid('1'), priceFen: 900_000, salt: salt('1') }, T0 + DAY_MS + HOUR_MS);
    apply(propertyTenderReveal, s, PROPERTY, { tender, bid: bid('2'), priceFen: 750_000, salt: salt('2') }, T0 + DAY_MS + HOUR_MS); // not what was committed
    expect(rejected(propertyTenderReveal, s, PROPERTY, { tender, bid: bid('2'), priceFen: 800_000, salt: salt('2') }, T0 + DAY_MS + 2 * HOUR_MS)).toMatch(/withdrawn/);
    expect(rejected(propertyTenderClose, s, PROPERTY, { tender, by: BY }, T0 + DAY_MS + 2 * HOUR_MS)).toMatch(/reveal window runs/);
    apply(propertyTenderClose, s, PROPERTY, { tender, by: BY }, T0 + 2 * DAY_MS);
    const t = tenderRecord(s.read, tender)!;
    expect(t.opened).toMatchObject({ ranking: [{ bid: bid('1'), priceFen: 900_000 }], winner: bid('1'), withdrawn: [bid('2'), bid('3')] });
    expect(t.bids.map((b) => b.withdrawnFor)).toEqual([null, 'reveal-mismatch', 'not-revealed']);
  });
});

describe('notices and activities', () => {
  it('read receipts once per reader; sign-up before the start within capacity; volunteer hours earn the label at 20 h', () => {
    const s = community();
    const notice = `pn_${hex32('water')}`;
    apply(propertyNotice, s, STREET, { notice, title: '停水通知', text: '12月9日9时至12时二期停水检修。\n请提前储水。', by: BY });
    expect(machiError(() => checkSchema('property.notice', { notice, title: 'x', text: '联系13812345678', by: BY })).code).toBe('TX_PAYLOAD_INVALID');
    apply(propertyNoticeRead, s, PROPERTY, { notice, reader: OWNER_A });
    expect(rejected(propertyNoticeRead, s, PROPERTY, { notice, reader: OWNER_A })).toMatch(/read already/);
    const activity = `pa_${hex32('clean-up')}`;
    apply(propertyActivity, s, PROPERTY, { activity, title: '社区清洁日', startsAt: T0 + DAY_MS, capacity: 1, by: BY });
    apply(propertySignup, s, PROPERTY, { activity, person: OWNER_A });
    expect(rejected(propertySignup, s, PROPERTY, { activity, person: OWNER_B }, T0)).toMatch(/full/);
    expect(rejected(propertyHours, s, PROPERTY, { activity, person: OWNER_A, minutes: 600, by: BY }, T0)).toMatch(/once the activity started/);
    expect(rejected(propertyHours, s, PROPERTY, { activity, person: OWNER_B, minutes: 600, by: BY }, T0 + DAY_MS)).toMatch(/did not sign up/);
    apply(propertyHours, s, PROPERTY, { activity, person: OWNER_A, minutes: 600, by: BY }, T0 + DAY_MS);
    expect(volunteerRecord(s.read, OWNER_A)).toEqual({ person: OWNER_A, minutes: 600, activities: 1, label: false });
    const second = `pa_${hex32('elderly visits')}`;
    apply(propertyActivity, s, STREET, { activity: second, title: '敬老探访', startsAt: T0 + DAY_MS, capacity: 10, by: BY });
    apply(propertySignup, s, PROPERTY, { activity: second, person: OWNER_A });
    expect(rejected(propertyHours, s, PROPERTY, { activity: second, person: OWNER_A, minutes: 600, by: BY }, T0 + DAY_MS)).toMatch(/FORBIDDEN/);
    apply(propertyHours, s, STREET, { activity: second, person: OWNER_A, minutes: 600, by: BY }, T0 + DAY_MS);
    expect(volunteerRecord(s.read, OWNER_A)).toMatchObject({ minutes: 1200, label: true });
    expect(activityRecord(s.read, activity)!.signedUp).toBe(1);
  });
});
