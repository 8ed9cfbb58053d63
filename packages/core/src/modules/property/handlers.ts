/**
 * The `property.*` transaction types: strict payload schemas (integer fen, integer dm², pseudonyms, codes) and
 * deterministic handlers. A refusal is `HANDLER_REJECTED` with a message starting with the module's code
 * (`PROPERTY_CONFLICT: …`): the transaction stays on the ledger with that result code and no effect — a second ballot,
 * a ballot of a non-owner, a ballot after closing are refused and recorded so. docs/spec/property.md#transactions
 */
import { MachiError } from '../../errors.js';
import { sha256Hex } from '../../crypto.js';
import type { HandlerContext, StateAccess, TxType } from '../../state/registry.js';
import { ACTOR_PATTERN, HASH_HEX_PATTERN, PSEUDONYM_PATTERN, closedObject, enumString, integerIn, patternString, type JsonSchema } from '../../foundation/patterns.js';
import { addressKey, type AddressRecord } from '../addresses/types.js';
import { ADDRESS_CODE_PATTERN } from '../addresses/types.js';
import { sessionKey, type SessionRecord } from '../identity/types.js';
import { alarmKey, ALARM_ID_PATTERN } from '../devices/types.js';
import { requestKey, REQUEST_ID_PATTERN, type RequestRecord } from '../repairs/types.js';
import { addBallot, EMPTY_COUNTS, tally } from './tally.js';
import type { PropertyErrorCode } from './errors.js';
import {
  AMOUNT_FEN_MAX, BALLOT_CHOICES, BALLOT_ID_SERVICE, BALLOT_ID_TYPE, BID_ID_PATTERN, DEMAND_AFTER_REMINDER_MS_MIN, DISCLOSURE_ACCOUNTS,
  DISCLOSURE_KINDS, DISCLOSURE_LINES_MAX, DUNNING_STEPS, EMERGENCY_CATEGORIES, EMERGENCY_DEADLINE_MS, EMERGENCY_FIRST_TRANSFER_PCT_MAX, FEE_BASES,
  FEE_ITEMS_MAX, FEE_RATE_FEN_MAX, FEE_SCHEDULES_MAX, FEES_KEY, FUND_KEY, FUND_USE_ID_PATTERN, HOUSING_BUREAU, ITEM_CODE_PATTERN, OWNER_UNITS_MAX,
  PAYMENT_REF_PATTERN, PERIOD_PATTERN, PROPERTY_IMPORT_ROWS_MAX, PROPERTY_LABEL_CHARS_MAX, PROPERTY_LABEL_PATTERN, PROPERTY_UNITS_MAX, REGISTER_ORGS,
  SPACE_CODE_PATTERN, TENDER_BIDS_MAX, TENDER_ID_PATTERN, TENDER_WINDOW_MS_MAX, TOTALS_KEY, UNIT_AREA_DM2_MAX, UNIT_SPACES_MAX, UNIT_TYPES, VOTE_DURATION_MS_MAX,
  VOTE_ID_PATTERN, VOTE_MATTERS, VOTE_ORGANISERS, ballotKey, billKey, billedKey, buildingKey, disclosureKey, fundUseKey, ownerKey, paymentRefKey,
  feesUsedKey, sessionUseKey, spaceKey, householdKey, vehicleKey, unitVehiclesKey, HOUSEHOLD_MEMBERS_MAX, UNIT_VEHICLES_MAX, VEHICLE_ID_PATTERN,
  licenceKey, LICENCE_ID_PATTERN, LICENCE_KINDS, LICENCE_VALIDITY_MS_MAX, type LicencePayload, type LicenceRecord,
  jobLicenceKey, licenceKindForJob, JOB_LICENCE_ASSIGNMENTS_MAX, type JobLicencePayload, type JobLicenceRecord, type JobLicenceWarning,
  type HouseholdPayload, type HouseholdRecord, type VehiclePayload, type VehicleRecord, tenderCommitmentText, tenderKey, unitKey, voteKey, voteOwnerKey,
  NOTICE_ID_PATTERN, NOTICE_ORGS, NOTICE_TEXT_CHARS_MAX, NOTICE_TEXT_PATTERN, ACTIVITY_ID_PATTERN, ACTIVITY_CAPACITY_MAX,
  ACTIVITY_MINUTES_MAX, VOLUNTEER_LABEL_MINUTES, propertyNoticeKey, noticeReadKey, activityKey, signupKey, volunteerKey,
  type PropertyNoticePayload, type NoticeReadPayload, type PropertyNoticeRecord, type ActivityPayload, type ActivityRecord, type SignupPayload, type HoursPayload,
  type VolunteerRecord,
  type BallotPayload, type BallotRecord, type BillLine, type BillPayload, type BillRecord, type BuildingRecord, type DisclosePayload,
  type DisclosureAccount, type DunPayload, type FeeScheduleRecord, type FeesPayload, type FundApprovePayload, type FundDepositPayload,
  type FundProposePayload, type FundRecord, type FundTransferPayload, type FundUseRecord, type FundWorksPayload, type UnitImportPayload,
  type OwnerRecord, type PayPayload, type RegisterTotals, type SpacePayload, type SpaceRecord, type TenderClosePayload, type TenderCommitPayload,
  type TenderOpenPayload, type TenderRecord, type TenderRevealPayload, type UnitPayload, type UnitRecord, type UnitRow, type VoteClosePayload,
  type VoteOpenPayload, type VoteOwnerRecord, type OwnersVoteRecord,
} from './types.js';

// ---- schemas --------------------------------------------------------------------------------------------------------

const actor = patternString(ACTOR_PATTERN);
const code = { type: 'string', pattern: ADDRESS_CODE_PATTERN, minLength: 1, maxLength: 32 };
const label = { type: 'string', pattern: PROPERTY_LABEL_PATTERN, minLength: 1, maxLength: PROPERTY_LABEL_CHARS_MAX };
const fen = integerIn(0, AMOUNT_FEN_MAX);
const positiveFen = integerIn(1, AMOUNT_FEN_MAX);
const time = integerIn(0, 8_640_000_000_000_000);
const period = patternString(PERIOD_PATTERN);
const owner = { anyOf: [patternString(PSEUDONYM_PATTERN), { type: 'null' }] };
const reference = patternString(PAYMENT_REF_PATTERN);
const unitRow: JsonSchema = closedObject(['unit', 'type', 'areaDm2', 'owner'], { unit: code, type: enumString(UNIT_TYPES), areaDm2: integerIn(1, UNIT_AREA_DM2_MAX), owner });

// ---- helpers --------------------------------------------------------------------------------------------------------

/** Refuses the transaction: recorded on the ledger with the code and no effect. */
function refuse(code: PropertyErrorCode, why: string): never {
  throw new MachiError('HANDLER_REJECTED', `${code}: ${why}`);
}
const get = <T>(s: StateAccess, key: string): T | undefined => s.get(key) as T | undefined;
const signerIn = (ctx: HandlerContext, orgs: readonly string[], what: string): void => {
  if (!orgs.includes(ctx.org.id)) refuse('PROPERTY_FORBIDDEN', `${ctx.org.id} may not ${what}`);
};
const totalsOf = (s: StateAccess): RegisterTotals => get<RegisterTotals>(s, TOTALS_KEY) ?? { units: 0, areaDm2: 0, ownedAreaDm2: 0, owners: 0 };
/** Adds `delta` m²·units to an owner (negative: removes); keeps the owners count. */
function moveOwner(s: StateAccess, totals: RegisterTotals, owner: string, unit: string, areaDm2: number, add: boolean): RegisterTotals {
  const o = get<OwnerRecord>(s, ownerKey(owner)) ?? { owner, units: [], areaDm2: 0 };
  const units = add ? [...o.units.filter((u) => u !== unit), unit].sort() : o.units.filter((u) => u !== unit);
  if (units.length > OWNER_UNITS_MAX) refuse('PROPERTY_INVALID', `an owner holds at most ${OWNER_UNITS_MAX} units`);
  const next = { owner, units, areaDm2: o.areaDm2 + (add ? areaDm2 : -areaDm2) };
  const owners = totals.owners + (o.units.length === 0 && units.length > 0 ? 1 : 0) - (o.units.length > 0 && units.length === 0 ? 1 : 0);
  if (units.length === 0) s.delete(ownerKey(owner));
  else s.set(ownerKey(owner), next);
  return { ...totals, owners, ownedAreaDm2: totals.ownedAreaDm2 + (add ? areaDm2 : -areaDm2) };
}

/** Registers or changes one unit (shared by `property.unit` and `property.import`). */
function putUnit(ctx: HandlerContext, row: UnitRow, totals: RegisterTotals): RegisterTotals {
  const s = ctx.state;
  const a = get<AddressRecord>(s, addressKey(row.unit));
  if (a === undefined || a.kind !== 'unit' || a.status !== 'active' || a.parent === null) refuse('PROPERTY_NOT_FOUND', `${row.unit} is not an active unit of the standard address register`);
  const old = get<UnitRecord>(s, unitKey(row.unit));
  if (old !== undefined && old.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `${row.unit} is in ${old.org}'s register`);
  let t = totals;
  if (old === undefined) {
    if (t.units >= PROPERTY_UNITS_MAX) refuse('PROPERTY_INVALID', `the register holds at most ${PROPERTY_UNITS_MAX} units`);
    const b = get<BuildingRecord>(s, buildingKey(a.parent)) ?? { building: a.parent, units: [] };
    s.set(buildingKey(a.parent), { building: a.parent, units: [...b.units, row.unit].sort() });
    t = { ...t, units: t.units + 1, areaDm2: t.areaDm2 + row.areaDm2 };
  } else {
    t = { ...t, areaDm2: t.areaDm2 - old.areaDm2 + row.areaDm2 };
    if (old.owner !== null) t = moveOwner(s, t, old.owner, row.unit, old.areaDm2, false);
  }
  if (row.owner !== null) t = moveOwner(s, t, row.owner, row.unit, row.areaDm2, true);
  s.set(unitKey(row.unit), {
    unit: row.unit, type: row.type, areaDm2: row.areaDm2, owner: row.owner, building: a.parent, org: ctx.org.id, spaces: old?.spaces ?? [],
    registeredAt: old?.registeredAt ?? ctx.time, ownerSince: old !== undefined && old.owner === row.owner ? old.ownerSince : ctx.time,
    updatedAt: ctx.time, txHash: ctx.txHash,
  } satisfies UnitRecord);
  return t;
}

// ---- register -------------------------------------------------------------------------------------------------------

export const propertyUnit: TxType<UnitPayload> = {
  type: 'property.unit',
  schema: closedObject(['unit', 'type', 'areaDm2', 'owner', 'by'], { ...(unitRow.properties as Record<string, JsonSchema>), by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep a unit register');
    ctx.state.set(TOTALS_KEY, putUnit(ctx, p, totalsOf(ctx.state)));
  },
};

export const propertyImport: TxType<UnitImportPayload> = {
  type: 'property.import',
  schema: closedObject(['rows', 'by'], { rows: { type: 'array', minItems: 1, maxItems: PROPERTY_IMPORT_ROWS_MAX, items: unitRow }, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep a unit register');
    const seen = new Set<string>();
    let t = totalsOf(ctx.state);
    for (const row of p.rows) {
      if (seen.has(row.unit)) refuse('PROPERTY_INVALID', `${row.unit} appears twice`);
      seen.add(row.unit);
      t = putUnit(ctx, row, t);
    }
    ctx.state.set(TOTALS_KEY, t);
  },
};

export const propertySpace: TxType<SpacePayload> = {
  type: 'property.space',
  schema: closedObject(['space', 'building', 'unit', 'by'], { space: patternString(SPACE_CODE_PATTERN), building: code, unit: { anyOf: [code, { type: 'null' }] }, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep a unit register');
    const b = get<AddressRecord>(ctx.state, addressKey(p.building));
    if (b === undefined || b.kind !== 'building' || b.status !== 'active') refuse('PROPERTY_NOT_FOUND', `${p.building} is not an active building of the address register`);
    const old = get<SpaceRecord>(ctx.state, spaceKey(p.space));
    if (old !== undefined && old.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `${p.space} is ${old.org}'s`);
    if (old?.unit != null) {
      const u = get<UnitRecord>(ctx.state, unitKey(old.unit));
      if (u !== undefined) ctx.state.set(unitKey(u.unit), { ...u, spaces: u.spaces.filter((x) => x !== p.space) });
    }
    if (p.unit !== null) {
      const u = get<UnitRecord>(ctx.state, unitKey(p.unit));
      if (u === undefined || u.org !== ctx.org.id) refuse('PROPERTY_NOT_FOUND', `no unit ${p.unit} in the register`);
      if (u.spaces.length >= UNIT_SPACES_MAX) refuse('PROPERTY_INVALID', `a unit holds at most ${UNIT_SPACES_MAX} spaces`);
      ctx.state.set(unitKey(u.unit), { ...u, spaces: [...u.spaces, p.space].sort() });
    }
    ctx.state.set(spaceKey(p.space), { space: p.space, building: p.building, unit: p.unit, org: ctx.org.id, updatedAt: ctx.time, txHash: ctx.txHash } satisfies SpaceRecord);
  },
};

/** The signer's registered unit, or a refusal. */
function ownUnit(ctx: HandlerContext, unit: string): UnitRecord {
  const u = get<UnitRecord>(ctx.state, unitKey(unit));
  if (u === undefined || u.org !== ctx.org.id) refuse('PROPERTY_NOT_FOUND', `no unit ${unit} in the register`);
  return u;
}

export const propertyHousehold: TxType<HouseholdPayload> = {
  type: 'property.household',
  schema: closedObject(['unit', 'members', 'by'], {
    unit: code, members: { type: 'array', maxItems: HOUSEHOLD_MEMBERS_MAX, uniqueItems: true, items: patternString(PSEUDONYM_PATTERN) }, by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep a unit register');
    ownUnit(ctx, p.unit);
    ctx.state.set(householdKey(p.unit), { unit: p.unit, members: [...p.members].sort(), org: ctx.org.id, updatedAt: ctx.time, txHash: ctx.txHash } satisfies HouseholdRecord);
  },
};

export const propertyVehicle: TxType<VehiclePayload> = {
  type: 'property.vehicle',
  schema: closedObject(['vehicle', 'unit', 'space', 'plate', 'by'], {
    vehicle: patternString(VEHICLE_ID_PATTERN), unit: code, space: { anyOf: [patternString(SPACE_CODE_PATTERN), { type: 'null' }] }, plate: patternString(HASH_HEX_PATTERN), by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep a unit register');
    ownUnit(ctx, p.unit);
    const old = get<VehicleRecord>(ctx.state, vehicleKey(p.vehicle));
    if (old !== undefined && old.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `${p.vehicle} is ${old.org}'s`);
    if (p.space !== null) {
      const sp = get<SpaceRecord>(ctx.state, spaceKey(p.space));
      if (sp === undefined || sp.org !== ctx.org.id) refuse('PROPERTY_NOT_FOUND', `no parking space ${p.space}`);
      if (sp.unit !== p.unit) refuse('PROPERTY_CONFLICT', `${p.space} is not a space of ${p.unit}`);
    }
    const list = (unit: string): string[] => get<string[]>(ctx.state, unitVehiclesKey(unit)) ?? [];
    if (old !== undefined && old.unit !== p.unit) ctx.state.set(unitVehiclesKey(old.unit), list(old.unit).filter((v) => v !== p.vehicle));
    const mine = list(p.unit);
    if (!mine.includes(p.vehicle)) {
      if (mine.length >= UNIT_VEHICLES_MAX) refuse('PROPERTY_INVALID', `a unit holds at most ${UNIT_VEHICLES_MAX} vehicles`);
      ctx.state.set(unitVehiclesKey(p.unit), [...mine, p.vehicle].sort());
    }
    ctx.state.set(vehicleKey(p.vehicle), {
      vehicle: p.vehicle, unit: p.unit, space: p.space, plate: p.plate, org: ctx.org.id, registeredAt: old?.registeredAt ?? ctx.time, updatedAt: ctx.time, txHash: ctx.txHash,
    } satisfies VehicleRecord);
  },
};

export const propertyLicence: TxType<LicencePayload> = {
  type: 'property.licence',
  schema: closedObject(['licence', 'staff', 'kind', 'expiresAt', 'by'], {
    licence: patternString(LICENCE_ID_PATTERN), staff: patternString(PSEUDONYM_PATTERN), kind: enumString(LICENCE_KINDS), expiresAt: integerIn(0, Number.MAX_SAFE_INTEGER), by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'keep staff files');
    if (get(ctx.state, licenceKey(p.licence)) !== undefined) refuse('PROPERTY_CONFLICT', `${p.licence} is registered (a renewal is a new licence)`);
    if (p.expiresAt <= ctx.time || p.expiresAt - ctx.time > LICENCE_VALIDITY_MS_MAX) refuse('PROPERTY_INVALID', 'a licence expires after now and within 10 years');
    ctx.state.set(licenceKey(p.licence), { licence: p.licence, staff: p.staff, kind: p.kind, expiresAt: p.expiresAt, org: ctx.org.id, registeredAt: ctx.time, txHash: ctx.txHash } satisfies LicenceRecord);
  },
};

/**
 * A repair job's assignment and the licence covering it (docs/spec/property.md#licences-on-jobs): signed by the job's
 * organisation right after `repair.assign`, for a category that needs a licence (JOB_LICENCE_KINDS), naming the
 * assigned worker. The licence (its organisation's) covers the job if it is of the kind and valid at the block time;
 * otherwise — or with no licence named — the assignment is recorded with a warning, not refused: an urgent lift or
 * electrical job must not be left without anyone because a licence lapsed.
 */
export const propertyJobLicence: TxType<JobLicencePayload> = {
  type: 'property.job_licence',
  schema: closedObject(['request', 'worker', 'licence', 'by'], {
    request: patternString(REQUEST_ID_PATTERN), worker: actor, licence: { anyOf: [patternString(LICENCE_ID_PATTERN), { type: 'null' }] } as JsonSchema, by: actor,
  }),
  handle(ctx, p) {
    const r = get<RequestRecord>(ctx.state, requestKey(p.request)) ?? refuse('PROPERTY_NOT_FOUND', `no repair request ${p.request}`);
    if (r.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `request ${p.request} is ${r.org}'s`);
    const kind = licenceKindForJob(r.category) ?? refuse('PROPERTY_INVALID', `a ${r.category} job needs no licence`);
    if (r.status !== 'assigned' || r.worker !== p.worker) refuse('PROPERTY_CONFLICT', `request ${p.request} is not assigned to that worker`);
    let l: LicenceRecord | undefined;
    if (p.licence !== null) {
      l = get<LicenceRecord>(ctx.state, licenceKey(p.licence));
      if (l === undefined || l.org !== ctx.org.id) refuse('PROPERTY_NOT_FOUND', `no licence ${p.licence} of ${ctx.org.id}`);
    }
    const warning: JobLicenceWarning | null = l === undefined ? 'no-licence' : l.kind !== kind ? 'wrong-kind' : l.registeredAt <= ctx.time && ctx.time < l.expiresAt ? null : 'not-valid';
    const before = get<JobLicenceRecord>(ctx.state, jobLicenceKey(p.request));
    const assignment = { worker: p.worker, licence: p.licence, staff: l?.staff ?? null, covered: warning === null, warning, at: ctx.time, txHash: ctx.txHash };
    ctx.state.set(jobLicenceKey(p.request), {
      request: p.request, category: r.category, kind, org: r.org, assignments: [...(before?.assignments ?? []), assignment].slice(-JOB_LICENCE_ASSIGNMENTS_MAX),
    } satisfies JobLicenceRecord);
  },
};

// ---- fees, bills, payments, dunning ---------------------------------------------------------------------------------

const feeItem = closedObject(['item', 'basis', 'unitType', 'rateFen'], {
  item: patternString(ITEM_CODE_PATTERN), basis: enumString(FEE_BASES), unitType: enumString([...UNIT_TYPES, 'any']), rateFen: integerIn(0, FEE_RATE_FEN_MAX),
});

export const propertyFees: TxType<FeesPayload> = {
  type: 'property.fees',
  schema: closedObject(['from', 'items', 'by'], { from: period, items: { type: 'array', minItems: 1, maxItems: FEE_ITEMS_MAX, items: feeItem }, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'publish a fee schedule');
    const keys = p.items.map((i) => `${i.item}/${i.unitType}`);
    if (new Set(keys).size !== keys.length) refuse('PROPERTY_INVALID', 'an item is listed twice for one unit type');
    const all = (get<FeeScheduleRecord[]>(ctx.state, FEES_KEY) ?? []).filter((f) => f.from !== p.from);
    if (all.length >= FEE_SCHEDULES_MAX) refuse('PROPERTY_INVALID', `at most ${FEE_SCHEDULES_MAX} schedules`);
    if (get(ctx.state, feesUsedKey(p.from)) !== undefined) refuse('PROPERTY_CONFLICT', `${p.from} is billed already`);
    ctx.state.set(FEES_KEY, [...all, { from: p.from, items: p.items.map((i) => ({ ...i })), org: ctx.org.id, at: ctx.time, txHash: ctx.txHash }].sort((a, b) => (a.from < b.from ? -1 : 1)));
  },
};

/** The schedule in force for a period: the last one from that period or before. */
export const scheduleFor = (all: readonly FeeScheduleRecord[], period: string): FeeScheduleRecord | undefined => all.filter((f) => f.from <= period).at(-1);

/** Round half up of n/100 for non-negative integers: fen per m² × dm² → fen. */
const perM2 = (rateFen: number, areaDm2: number): number => Math.floor((rateFen * areaDm2 + 50) / 100);

/** A unit's bill lines under a schedule (docs/spec/property.md#bills). */
export function billLines(s: FeeScheduleRecord, u: Pick<UnitRecord, 'type' | 'areaDm2' | 'spaces'>): BillLine[] {
  const out: BillLine[] = [];
  for (const i of s.items) {
    if (i.unitType !== 'any' && i.unitType !== u.type) continue;
    if (i.basis === 'area') out.push({ item: i.item, basis: i.basis, quantity: u.areaDm2, rateFen: i.rateFen, amountFen: perM2(i.rateFen, u.areaDm2) });
    else if (i.basis === 'unit') out.push({ item: i.item, basis: i.basis, quantity: 1, rateFen: i.rateFen, amountFen: i.rateFen });
    else if (u.spaces.length > 0) out.push({ item: i.item, basis: i.basis, quantity: u.spaces.length, rateFen: i.rateFen, amountFen: i.rateFen * u.spaces.length });
  }
  return out;
}

export const propertyBill: TxType<BillPayload> = {
  type: 'property.bill',
  schema: closedObject(['period', 'building', 'dueAt', 'by'], { period, building: code, dueAt: time, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'issue bills');
    if (get(ctx.state, billedKey(p.building, p.period)) !== undefined) refuse('PROPERTY_CONFLICT', `${p.building} is billed for ${p.period} already`);
    const sched = scheduleFor(get<FeeScheduleRecord[]>(ctx.state, FEES_KEY) ?? [], p.period);
    if (sched === undefined) refuse('PROPERTY_CONFLICT', `no fee schedule in force for ${p.period}`);
    const b = get<BuildingRecord>(ctx.state, buildingKey(p.building));
    if (b === undefined || b.units.length === 0) refuse('PROPERTY_NOT_FOUND', `no units of ${p.building} in the register`);
    let n = 0;
    for (const unit of b.units) {
      const u = get<UnitRecord>(ctx.state, unitKey(unit))!;
      if (u.org !== ctx.org.id) continue;
      const lines = billLines(sched, u);
      const dueFen = lines.reduce((a, l) => a + l.amountFen, 0);
      ctx.state.set(billKey(unit, p.period), {
        unit, period: p.period, building: p.building, owner: u.owner, lines, dueFen, paidFen: 0, status: dueFen === 0 ? 'paid' : 'open', dueAt: p.dueAt,
        issuedAt: ctx.time, payments: [], dunning: [], txHash: ctx.txHash,
      } satisfies BillRecord);
      n++;
    }
    ctx.state.set(billedKey(p.building, p.period), n);
    ctx.state.set(feesUsedKey(sched.from), 1);
  },
};

export const propertyPay: TxType<PayPayload> = {
  type: 'property.pay',
  schema: closedObject(['unit', 'period', 'amountFen', 'reference', 'by'], { unit: code, period, amountFen: positiveFen, reference, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'record payments');
    const bill = get<BillRecord>(ctx.state, billKey(p.unit, p.period));
    if (bill === undefined) refuse('PROPERTY_NOT_FOUND', `no bill of ${p.unit} for ${p.period}`);
    if (get(ctx.state, paymentRefKey(p.reference)) !== undefined) refuse('PROPERTY_CONFLICT', `payment reference ${p.reference} is recorded already`);
    if (p.amountFen > bill.dueFen - bill.paidFen) refuse('PROPERTY_INVALID', `${p.amountFen} fen is more than the ${bill.dueFen - bill.paidFen} fen still due`);
    const paidFen = bill.paidFen + p.amountFen;
    ctx.state.set(billKey(p.unit, p.period), {
      ...bill, paidFen, status: paidFen === bill.dueFen ? 'paid' : 'open', payments: [...bill.payments, { amountFen: p.amountFen, reference: p.reference, at: ctx.time, txHash: ctx.txHash }],
    } satisfies BillRecord);
    ctx.state.set(paymentRefKey(p.reference), `${p.unit}/${p.period}`);
  },
};

export const propertyDun: TxType<DunPayload> = {
  type: 'property.dun',
  schema: closedObject(['unit', 'period', 'step', 'by'], { unit: code, period, step: enumString(DUNNING_STEPS), by: actor }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'send dunning steps');
    const bill = get<BillRecord>(ctx.state, billKey(p.unit, p.period));
    if (bill === undefined) refuse('PROPERTY_NOT_FOUND', `no bill of ${p.unit} for ${p.period}`);
    if (bill.status === 'paid') refuse('PROPERTY_CONFLICT', 'the bill is paid');
    if (ctx.time <= bill.dueAt) refuse('PROPERTY_CONFLICT', 'the bill is not yet due');
    if (bill.dunning.some((d) => d.step === p.step)) refuse('PROPERTY_CONFLICT', `the ${p.step} was sent already`);
    if (p.step === 'written-demand') {
      const r = bill.dunning.find((d) => d.step === 'reminder');
      if (r === undefined || ctx.time - r.at < DEMAND_AFTER_REMINDER_MS_MIN) refuse('PROPERTY_CONFLICT', 'a written demand comes at least 14 days after a reminder');
    }
    ctx.state.set(billKey(p.unit, p.period), { ...bill, dunning: [...bill.dunning, { step: p.step, at: ctx.time, txHash: ctx.txHash }] } satisfies BillRecord);
  },
};

// ---- disclosure -----------------------------------------------------------------------------------------------------

export const propertyDisclose: TxType<DisclosePayload> = {
  type: 'property.disclose',
  schema: closedObject(['period', 'lines', 'by'], {
    period,
    lines: {
      type: 'array', minItems: 1, maxItems: DISCLOSURE_LINES_MAX,
      items: closedObject(['account', 'kind', 'item', 'label', 'amountFen'], {
        account: enumString(DISCLOSURE_ACCOUNTS), kind: enumString(DISCLOSURE_KINDS), item: patternString(ITEM_CODE_PATTERN), label, amountFen: fen, ref: patternString(HASH_HEX_PATTERN),
      }),
    },
    by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, REGISTER_ORGS, 'publish a disclosure');
    if (get(ctx.state, disclosureKey(p.period)) !== undefined) refuse('PROPERTY_CONFLICT', `${p.period} is disclosed already`);
    const totals = Object.fromEntries(DISCLOSURE_ACCOUNTS.map((a) => [a, { incomeFen: 0, spendingFen: 0 }])) as Record<DisclosureAccount, { incomeFen: number; spendingFen: number }>;
    for (const l of p.lines) {
      const t = totals[l.account];
      if (l.kind === 'income') t.incomeFen += l.amountFen;
      else t.spendingFen += l.amountFen;
    }
    ctx.state.set(disclosureKey(p.period), { period: p.period, org: ctx.org.id, lines: p.lines.map((l) => ({ ...l })), totals, at: ctx.time, txHash: ctx.txHash });
  },
};

// ---- votes ----------------------------------------------------------------------------------------------------------

export const propertyVoteOpen: TxType<VoteOpenPayload> = {
  type: 'property.vote_open',
  schema: closedObject(['vote', 'matter', 'title', 'closesAt', 'by'], {
    vote: patternString(VOTE_ID_PATTERN), matter: enumString(VOTE_MATTERS), title: label, closesAt: time, use: patternString(FUND_USE_ID_PATTERN), by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, VOTE_ORGANISERS, 'organise an owners\' vote');
    if (get(ctx.state, voteKey(p.vote)) !== undefined) refuse('PROPERTY_CONFLICT', `vote ${p.vote} exists`);
    if (p.closesAt <= ctx.time || p.closesAt - ctx.time > VOTE_DURATION_MS_MAX) refuse('PROPERTY_INVALID', 'a vote closes after it opens and within 90 days');
    if ((p.use !== undefined) !== (p.matter === 'fund-use')) refuse('PROPERTY_INVALID', 'a vote on a fund use names the use, and only it');
    if (p.use !== undefined) {
      const u = get<FundUseRecord>(ctx.state, fundUseKey(p.use));
      if (u === undefined) refuse('PROPERTY_NOT_FOUND', `no fund use ${p.use}`);
      if (u.emergency !== null || u.status !== 'proposed' || u.vote !== null) refuse('PROPERTY_CONFLICT', `fund use ${p.use} is not waiting for the owners' vote`);
      ctx.state.set(fundUseKey(p.use), { ...u, vote: p.vote, steps: [...u.steps, { step: 'vote-opened', org: ctx.org.id, at: ctx.time, txHash: ctx.txHash }] } satisfies FundUseRecord);
    }
    const t = totalsOf(ctx.state);
    if (t.owners === 0) refuse('PROPERTY_CONFLICT', 'the register has no owners');
    ctx.state.set(voteKey(p.vote), {
      vote: p.vote, matter: p.matter, title: p.title, org: ctx.org.id, use: p.use ?? null, openedAt: ctx.time, closesAt: p.closesAt,
      totalAreaDm2: t.areaDm2, totalOwners: t.owners, counts: EMPTY_COUNTS, status: 'open', result: null, closedAt: null, txHash: ctx.txHash,
    } satisfies OwnersVoteRecord);
  },
};

export const propertyBallot: TxType<BallotPayload> = {
  type: 'property.ballot',
  schema: closedObject(['vote', 'unit', 'owner', 'choice', 'session', 'by'], {
    vote: patternString(VOTE_ID_PATTERN), unit: code, owner: patternString(PSEUDONYM_PATTERN), choice: enumString(BALLOT_CHOICES), session: patternString('^ses_[0-9a-f]{32}$'), by: actor,
  }),
  handle(ctx, p) {
    const s = ctx.state;
    const v = get<OwnersVoteRecord>(s, voteKey(p.vote));
    if (v === undefined) refuse('PROPERTY_NOT_FOUND', `no vote ${p.vote}`);
    if (v.status !== 'open' || ctx.time >= v.closesAt) refuse('PROPERTY_VOTE_CLOSED', `vote ${p.vote} is closed`);
    const u = get<UnitRecord>(s, unitKey(p.unit));
    if (u === undefined || u.registeredAt > v.openedAt) refuse('PROPERTY_NOT_FOUND', `${p.unit} was not in the register when the vote opened`);
    if (u.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `${p.unit}'s ballots are recorded by ${u.org}`);
    if (u.owner !== p.owner) refuse('PROPERTY_NOT_OWNER', `the voter is not the owner of ${p.unit}`);
    if (get(s, ballotKey(p.vote, p.unit)) !== undefined) refuse('PROPERTY_BALLOT_CAST', `${p.unit} has voted in ${p.vote} already`);
    const ses = get<SessionRecord>(s, sessionKey(p.session));
    if (ses === undefined || ses.service !== BALLOT_ID_SERVICE || ses.deskOrg !== ctx.org.id || ses.consent === null || !ses.verified.includes(BALLOT_ID_TYPE)) {
      refuse('PROPERTY_ID_CHECK', `session ${p.session} is not a passed ${BALLOT_ID_SERVICE} check at ${ctx.org.id}'s desk`);
    }
    const used = get<{ owner: string; vote: string }>(s, sessionUseKey(p.session));
    if (used !== undefined && (used.owner !== p.owner || used.vote !== p.vote)) refuse('PROPERTY_ID_CHECK', `session ${p.session} was used for another ballot`);
    const mine = get<VoteOwnerRecord>(s, voteOwnerKey(p.vote, p.owner));
    if (mine !== undefined && mine.choice !== p.choice) refuse('PROPERTY_CONFLICT', `the owner voted ${mine.choice} for another unit; one owner casts one choice`);
    s.set(sessionUseKey(p.session), { owner: p.owner, vote: p.vote });
    s.set(voteOwnerKey(p.vote, p.owner), { choice: p.choice, areaDm2: (mine?.areaDm2 ?? 0) + u.areaDm2, units: (mine?.units ?? 0) + 1 } satisfies VoteOwnerRecord);
    s.set(ballotKey(p.vote, p.unit), { vote: p.vote, unit: p.unit, owner: p.owner, choice: p.choice, areaDm2: u.areaDm2, session: p.session, at: ctx.time, txHash: ctx.txHash } satisfies BallotRecord);
    s.set(voteKey(p.vote), { ...v, counts: addBallot(v.counts, p.choice, u.areaDm2, mine === undefined) } satisfies OwnersVoteRecord);
  },
};

export const propertyVoteClose: TxType<VoteClosePayload> = {
  type: 'property.vote_close',
  schema: closedObject(['vote', 'by'], { vote: patternString(VOTE_ID_PATTERN), by: actor }),
  handle(ctx, p) {
    const v = get<OwnersVoteRecord>(ctx.state, voteKey(p.vote));
    if (v === undefined) refuse('PROPERTY_NOT_FOUND', `no vote ${p.vote}`);
    if (v.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `vote ${p.vote} is ${v.org}'s`);
    if (v.status !== 'open') refuse('PROPERTY_VOTE_CLOSED', `vote ${p.vote} is closed`);
    if (ctx.time < v.closesAt) refuse('PROPERTY_CONFLICT', `vote ${p.vote} runs until ${v.closesAt}`);
    const result = tally(v.matter, v.counts, v.totalAreaDm2, v.totalOwners);
    ctx.state.set(voteKey(p.vote), { ...v, status: 'closed', result, closedAt: ctx.time } satisfies OwnersVoteRecord);
    if (v.use !== null) {
      const u = get<FundUseRecord>(ctx.state, fundUseKey(v.use))!;
      const passed = result.outcome === 'passed';
      ctx.state.set(fundUseKey(v.use), {
        ...u, status: passed ? 'owners-approved' : 'owners-rejected', steps: [...u.steps, { step: passed ? 'owners-approved' : 'owners-rejected', org: ctx.org.id, at: ctx.time, txHash: ctx.txHash }],
      } satisfies FundUseRecord);
    }
  },
};

// ---- maintenance fund -----------------------------------------------------------------------------------------------

const fundOf = (s: StateAccess): FundRecord => get<FundRecord>(s, FUND_KEY) ?? { depositedFen: 0, transferredFen: 0, balanceFen: 0 };
const useOf = (s: StateAccess, use: string): FundUseRecord => get<FundUseRecord>(s, fundUseKey(use)) ?? refuse('PROPERTY_NOT_FOUND', `no fund use ${use}`);
const step = (ctx: HandlerContext, u: FundUseRecord, name: string): FundUseRecord['steps'] => [...u.steps, { step: name, org: ctx.org.id, at: ctx.time, txHash: ctx.txHash }];

export const propertyFundDeposit: TxType<FundDepositPayload> = {
  type: 'property.fund_deposit',
  schema: closedObject(['amountFen', 'reference', 'by'], { amountFen: positiveFen, reference, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, [HOUSING_BUREAU], 'record deposits into the maintenance fund');
    if (get(ctx.state, paymentRefKey(p.reference)) !== undefined) refuse('PROPERTY_CONFLICT', `reference ${p.reference} is recorded already`);
    const f = fundOf(ctx.state);
    ctx.state.set(FUND_KEY, { ...f, depositedFen: f.depositedFen + p.amountFen, balanceFen: f.balanceFen + p.amountFen } satisfies FundRecord);
    ctx.state.set(paymentRefKey(p.reference), 'fund');
  },
};

export const propertyFundPropose: TxType<FundProposePayload> = {
  type: 'property.fund_propose',
  schema: closedObject(['use', 'building', 'title', 'contractor', 'budgetFen', 'by'], {
    use: patternString(FUND_USE_ID_PATTERN), building: code, title: label, contractor: label, budgetFen: positiveFen,
    emergency: closedObject(['category'], { category: enumString(EMERGENCY_CATEGORIES), alarm: patternString(ALARM_ID_PATTERN), repair: patternString(REQUEST_ID_PATTERN) }),
    by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, [...REGISTER_ORGS, 'street-office'], 'propose a maintenance-fund use');
    if (get(ctx.state, fundUseKey(p.use)) !== undefined) refuse('PROPERTY_CONFLICT', `fund use ${p.use} exists`);
    const b = get<AddressRecord>(ctx.state, addressKey(p.building));
    if (b === undefined || b.kind !== 'building') refuse('PROPERTY_NOT_FOUND', `${p.building} is not a building of the address register`);
    const e = p.emergency;
    if (e !== undefined) {
      // the emergency path is linked to what triggered it: a devices alarm or a repair request, exactly one
      if ((e.alarm === undefined) === (e.repair === undefined)) refuse('PROPERTY_INVALID', 'an emergency names the alarm or the repair that triggered it, one of them');
      if (e.alarm !== undefined && get(ctx.state, alarmKey(e.alarm)) === undefined) refuse('PROPERTY_NOT_FOUND', `no alarm ${e.alarm}`);
      if (e.repair !== undefined && get(ctx.state, requestKey(e.repair)) === undefined) refuse('PROPERTY_NOT_FOUND', `no repair ${e.repair}`);
    }
    ctx.state.set(fundUseKey(p.use), {
      use: p.use, building: p.building, title: p.title, contractor: p.contractor, budgetFen: p.budgetFen, org: ctx.org.id, emergency: e === undefined ? null : { ...e },
      status: 'proposed', vote: null, works: 'none', proposedAt: ctx.time, approvedAt: null, deadlineAt: e === undefined ? null : ctx.time + EMERGENCY_DEADLINE_MS,
      metDeadline: null, transferredFen: 0, transfers: [], steps: [{ step: e === undefined ? 'proposed' : 'emergency-proposed', org: ctx.org.id, at: ctx.time, txHash: ctx.txHash }], txHash: ctx.txHash,
    } satisfies FundUseRecord);
  },
};

export const propertyFundWorks: TxType<FundWorksPayload> = {
  type: 'property.fund_works',
  schema: closedObject(['use', 'stage', 'by'], { use: patternString(FUND_USE_ID_PATTERN), stage: enumString(['started', 'completed']), by: actor }),
  handle(ctx, p) {
    const u = useOf(ctx.state, p.use);
    if (u.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `fund use ${p.use} is ${u.org}'s`);
    const ready = u.emergency !== null ? ['proposed', 'approved'].includes(u.status) : ['owners-approved', 'approved'].includes(u.status);
    if (!ready) refuse('PROPERTY_CONFLICT', u.emergency === null ? 'works start after the owners approved the use' : `fund use ${p.use} is ${u.status}`);
    if (p.stage === 'started' ? u.works !== 'none' : u.works !== 'started') refuse('PROPERTY_CONFLICT', `the works are ${u.works}`);
    ctx.state.set(fundUseKey(p.use), { ...u, works: p.stage, steps: step(ctx, u, `works-${p.stage}`) } satisfies FundUseRecord);
  },
};

export const propertyFundApprove: TxType<FundApprovePayload> = {
  type: 'property.fund_approve',
  schema: closedObject(['use', 'by'], { use: patternString(FUND_USE_ID_PATTERN), by: actor }),
  handle(ctx, p) {
    signerIn(ctx, [HOUSING_BUREAU], 'approve maintenance-fund uses');
    const u = useOf(ctx.state, p.use);
    if (u.emergency === null && (u.status !== 'owners-approved' || u.works === 'none')) refuse('PROPERTY_CONFLICT', 'the owners approve and the works start before the housing bureau approves');
    if (u.emergency !== null && u.status !== 'proposed') refuse('PROPERTY_CONFLICT', `fund use ${p.use} is ${u.status}`);
    ctx.state.set(fundUseKey(p.use), { ...u, status: 'approved', approvedAt: ctx.time, steps: step(ctx, u, 'approved') } satisfies FundUseRecord);
  },
};

export const propertyFundTransfer: TxType<FundTransferPayload> = {
  type: 'property.fund_transfer',
  schema: closedObject(['use', 'amountFen', 'reference', 'by'], { use: patternString(FUND_USE_ID_PATTERN), amountFen: positiveFen, reference, by: actor }),
  handle(ctx, p) {
    signerIn(ctx, [HOUSING_BUREAU], 'instruct maintenance-fund transfers');
    const u = useOf(ctx.state, p.use);
    if (u.status !== 'approved') refuse('PROPERTY_CONFLICT', `fund use ${p.use} is ${u.status}`);
    if (get(ctx.state, paymentRefKey(p.reference)) !== undefined) refuse('PROPERTY_CONFLICT', `reference ${p.reference} is recorded already`);
    if (p.amountFen > u.budgetFen - u.transferredFen) refuse('PROPERTY_INVALID', `${p.amountFen} fen is more than the ${u.budgetFen - u.transferredFen} fen left of the budget`);
    const f = fundOf(ctx.state);
    if (p.amountFen > f.balanceFen) refuse('PROPERTY_INVALID', `the fund holds ${f.balanceFen} fen`);
    const first = u.transfers.length === 0;
    if (u.emergency !== null && first && BigInt(p.amountFen) * 100n > BigInt(u.budgetFen) * BigInt(EMERGENCY_FIRST_TRANSFER_PCT_MAX)) {
      refuse('PROPERTY_INVALID', `an emergency's first transfer is at most ${EMERGENCY_FIRST_TRANSFER_PCT_MAX}% of the budget`);
    }
    if (u.emergency !== null && !first && u.works !== 'completed') refuse('PROPERTY_CONFLICT', "an emergency's further transfers come after the works are completed");
    const transferredFen = u.transferredFen + p.amountFen;
    ctx.state.set(fundUseKey(p.use), {
      ...u, transferredFen, status: transferredFen === u.budgetFen ? 'closed' : 'approved',
      metDeadline: u.emergency !== null && first ? u.approvedAt! <= u.deadlineAt! && ctx.time <= u.deadlineAt! : u.metDeadline,
      transfers: [...u.transfers, { amountFen: p.amountFen, reference: p.reference, at: ctx.time, txHash: ctx.txHash }], steps: step(ctx, u, 'transfer'),
    } satisfies FundUseRecord);
    ctx.state.set(FUND_KEY, { ...f, transferredFen: f.transferredFen + p.amountFen, balanceFen: f.balanceFen - p.amountFen } satisfies FundRecord);
    ctx.state.set(paymentRefKey(p.reference), p.use);
  },
};

// ---- sealed-bid tenders ---------------------------------------------------------------------------------------------

const tenderOf = (s: StateAccess, tender: string): TenderRecord => get<TenderRecord>(s, tenderKey(tender)) ?? refuse('PROPERTY_NOT_FOUND', `no tender ${tender}`);

export const propertyTenderOpen: TxType<TenderOpenPayload> = {
  type: 'property.tender_open',
  schema: closedObject(['tender', 'title', 'deadline', 'revealUntil', 'by'], { tender: patternString(TENDER_ID_PATTERN), title: label, deadline: time, revealUntil: time, by: actor }),
  handle(ctx, p) {
    if (get(ctx.state, tenderKey(p.tender)) !== undefined) refuse('PROPERTY_CONFLICT', `tender ${p.tender} exists`);
    if (p.deadline <= ctx.time || p.deadline - ctx.time > TENDER_WINDOW_MS_MAX) refuse('PROPERTY_INVALID', 'the deadline is after opening and within 90 days');
    if (p.revealUntil <= p.deadline || p.revealUntil - p.deadline > TENDER_WINDOW_MS_MAX) refuse('PROPERTY_INVALID', 'the reveal window follows the deadline, at most 90 days');
    ctx.state.set(tenderKey(p.tender), { tender: p.tender, title: p.title, org: ctx.org.id, deadline: p.deadline, revealUntil: p.revealUntil, bids: [], opened: null, openedAt: ctx.time, txHash: ctx.txHash } satisfies TenderRecord);
  },
};

export const propertyTenderCommit: TxType<TenderCommitPayload> = {
  type: 'property.tender_commit',
  schema: closedObject(['tender', 'bid', 'bidder', 'commitment'], { tender: patternString(TENDER_ID_PATTERN), bid: patternString(BID_ID_PATTERN), bidder: label, commitment: patternString(HASH_HEX_PATTERN) }),
  handle(ctx, p) {
    const t = tenderOf(ctx.state, p.tender);
    if (ctx.time >= t.deadline) refuse('PROPERTY_TENDER_CLOSED', `the deadline of ${p.tender} has passed`);
    if (t.bids.length >= TENDER_BIDS_MAX) refuse('PROPERTY_INVALID', `a tender takes at most ${TENDER_BIDS_MAX} bids`);
    if (t.bids.some((b) => b.bid === p.bid || b.bidder === p.bidder)) refuse('PROPERTY_CONFLICT', 'one bid per bidder, and a bid id once');
    ctx.state.set(tenderKey(p.tender), {
      ...t, bids: [...t.bids, { bid: p.bid, bidder: p.bidder, commitment: p.commitment, committedAt: ctx.time, status: 'committed', priceFen: null, withdrawnFor: null, commitTx: ctx.txHash, revealTx: null }],
    } satisfies TenderRecord);
  },
};

export const propertyTenderReveal: TxType<TenderRevealPayload> = {
  type: 'property.tender_reveal',
  schema: closedObject(['tender', 'bid', 'priceFen', 'salt'], { tender: patternString(TENDER_ID_PATTERN), bid: patternString(BID_ID_PATTERN), priceFen: positiveFen, salt: patternString('^[0-9a-f]{32,64}$') }),
  handle(ctx, p) {
    const t = tenderOf(ctx.state, p.tender);
    if (ctx.time < t.deadline) refuse('PROPERTY_CONFLICT', 'bids are revealed after the deadline');
    if (ctx.time >= t.revealUntil || t.opened !== null) refuse('PROPERTY_TENDER_CLOSED', `the reveal window of ${p.tender} has closed`);
    const b = t.bids.find((x) => x.bid === p.bid);
    if (b === undefined) refuse('PROPERTY_NOT_FOUND', `no bid ${p.bid}`);
    if (b.status !== 'committed') refuse('PROPERTY_CONFLICT', `bid ${p.bid} is ${b.status}`);
    // a reveal that does not match its commitment is not accepted: the bid counts as withdrawn (NDRC Order 20), and the
    // withdrawal is the effect (a refused transaction could not record it)
    const ok = sha256Hex(tenderCommitmentText(p.tender, p.bid, p.priceFen, p.salt)) === b.commitment;
    const next = ok ? { ...b, status: 'revealed' as const, priceFen: p.priceFen, revealTx: ctx.txHash } : { ...b, status: 'withdrawn' as const, withdrawnFor: 'reveal-mismatch' as const, revealTx: ctx.txHash };
    ctx.state.set(tenderKey(p.tender), { ...t, bids: t.bids.map((x) => (x.bid === p.bid ? next : x)) } satisfies TenderRecord);
  },
};

export const propertyTenderClose: TxType<TenderClosePayload> = {
  type: 'property.tender_close',
  schema: closedObject(['tender', 'by'], { tender: patternString(TENDER_ID_PATTERN), by: actor }),
  handle(ctx, p) {
    const t = tenderOf(ctx.state, p.tender);
    if (t.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `tender ${p.tender} is ${t.org}'s`);
    if (t.opened !== null) refuse('PROPERTY_TENDER_CLOSED', `tender ${p.tender} is opened already`);
    if (ctx.time < t.revealUntil) refuse('PROPERTY_CONFLICT', `the reveal window runs until ${t.revealUntil}`);
    const bids = t.bids.map((b) => (b.status === 'committed' ? { ...b, status: 'withdrawn' as const, withdrawnFor: 'not-revealed' as const } : b));
    const ranking = bids.filter((b) => b.status === 'revealed')
      .sort((a, b) => a.priceFen! - b.priceFen! || a.committedAt - b.committedAt || (a.bid < b.bid ? -1 : 1))
      .map((b) => ({ bid: b.bid, bidder: b.bidder, priceFen: b.priceFen! }));
    ctx.state.set(tenderKey(p.tender), {
      ...t, bids, opened: { at: ctx.time, ranking, withdrawn: bids.filter((b) => b.status === 'withdrawn').map((b) => b.bid), winner: ranking[0]?.bid ?? null, txHash: ctx.txHash },
    } satisfies TenderRecord);
  },
};

// ---- notices and activities ----------------------------------------------------------------------------------------

export const propertyNotice: TxType<PropertyNoticePayload> = {
  type: 'property.notice',
  schema: closedObject(['notice', 'title', 'text', 'by'], {
    notice: patternString(NOTICE_ID_PATTERN), title: label, text: { type: 'string', pattern: NOTICE_TEXT_PATTERN, minLength: 1, maxLength: NOTICE_TEXT_CHARS_MAX }, by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, NOTICE_ORGS, 'publish notices');
    if (get(ctx.state, propertyNoticeKey(p.notice)) !== undefined) refuse('PROPERTY_CONFLICT', `notice ${p.notice} exists`);
    ctx.state.set(propertyNoticeKey(p.notice), { notice: p.notice, title: p.title, text: p.text, org: ctx.org.id, reads: 0, at: ctx.time, txHash: ctx.txHash } satisfies PropertyNoticeRecord);
  },
};

export const propertyNoticeRead: TxType<NoticeReadPayload> = {
  type: 'property.notice_read',
  schema: closedObject(['notice', 'reader'], { notice: patternString(NOTICE_ID_PATTERN), reader: patternString(PSEUDONYM_PATTERN) }),
  handle(ctx, p) {
    const n = get<PropertyNoticeRecord>(ctx.state, propertyNoticeKey(p.notice)) ?? refuse('PROPERTY_NOT_FOUND', `no notice ${p.notice}`);
    if (get(ctx.state, noticeReadKey(p.notice, p.reader)) !== undefined) refuse('PROPERTY_CONFLICT', 'read already');
    ctx.state.set(noticeReadKey(p.notice, p.reader), { at: ctx.time, org: ctx.org.id, txHash: ctx.txHash });
    ctx.state.set(propertyNoticeKey(p.notice), { ...n, reads: n.reads + 1 } satisfies PropertyNoticeRecord);
  },
};

export const propertyActivity: TxType<ActivityPayload> = {
  type: 'property.activity',
  schema: closedObject(['activity', 'title', 'startsAt', 'capacity', 'by'], {
    activity: patternString(ACTIVITY_ID_PATTERN), title: label, startsAt: time, capacity: integerIn(1, ACTIVITY_CAPACITY_MAX), by: actor,
  }),
  handle(ctx, p) {
    signerIn(ctx, NOTICE_ORGS, 'organise activities');
    if (get(ctx.state, activityKey(p.activity)) !== undefined) refuse('PROPERTY_CONFLICT', `activity ${p.activity} exists`);
    if (p.startsAt <= ctx.time) refuse('PROPERTY_INVALID', 'an activity starts after it is announced');
    ctx.state.set(activityKey(p.activity), { activity: p.activity, title: p.title, org: ctx.org.id, startsAt: p.startsAt, capacity: p.capacity, signedUp: 0, at: ctx.time, txHash: ctx.txHash } satisfies ActivityRecord);
  },
};

export const propertySignup: TxType<SignupPayload> = {
  type: 'property.signup',
  schema: closedObject(['activity', 'person'], { activity: patternString(ACTIVITY_ID_PATTERN), person: patternString(PSEUDONYM_PATTERN) }),
  handle(ctx, p) {
    const a = get<ActivityRecord>(ctx.state, activityKey(p.activity)) ?? refuse('PROPERTY_NOT_FOUND', `no activity ${p.activity}`);
    if (ctx.time >= a.startsAt) refuse('PROPERTY_CONFLICT', 'the activity has started');
    if (a.signedUp >= a.capacity) refuse('PROPERTY_CONFLICT', 'the activity is full');
    if (get(ctx.state, signupKey(p.activity, p.person)) !== undefined) refuse('PROPERTY_CONFLICT', 'signed up already');
    ctx.state.set(signupKey(p.activity, p.person), { at: ctx.time, org: ctx.org.id, minutes: 0, txHash: ctx.txHash });
    ctx.state.set(activityKey(p.activity), { ...a, signedUp: a.signedUp + 1 } satisfies ActivityRecord);
  },
};

export const propertyHours: TxType<HoursPayload> = {
  type: 'property.hours',
  schema: closedObject(['activity', 'person', 'minutes', 'by'], { activity: patternString(ACTIVITY_ID_PATTERN), person: patternString(PSEUDONYM_PATTERN), minutes: integerIn(1, ACTIVITY_MINUTES_MAX), by: actor }),
  handle(ctx, p) {
    const a = get<ActivityRecord>(ctx.state, activityKey(p.activity)) ?? refuse('PROPERTY_NOT_FOUND', `no activity ${p.activity}`);
    if (a.org !== ctx.org.id) refuse('PROPERTY_FORBIDDEN', `activity ${p.activity} is ${a.org}'s`);
    if (ctx.time < a.startsAt) refuse('PROPERTY_CONFLICT', 'hours are recorded once the activity started');
    const su = get<{ at: number; org: string; minutes: number; txHash: string }>(ctx.state, signupKey(p.activity, p.person)) ?? refuse('PROPERTY_NOT_FOUND', 'the person did not sign up');
    if (su.minutes > 0) refuse('PROPERTY_CONFLICT', 'hours are recorded already');
    const v = get<VolunteerRecord>(ctx.state, volunteerKey(p.person)) ?? { person: p.person, minutes: 0, activities: 0, label: false };
    const minutes = v.minutes + p.minutes;
    ctx.state.set(signupKey(p.activity, p.person), { ...su, minutes: p.minutes });
    ctx.state.set(volunteerKey(p.person), { person: p.person, minutes, activities: v.activities + 1, label: minutes >= VOLUNTEER_LABEL_MINUTES } satisfies VolunteerRecord);
  },
};

export const propertyTypes: readonly TxType<never>[] = [
  propertyUnit, propertyImport, propertySpace, propertyHousehold, propertyVehicle, propertyLicence, propertyJobLicence, propertyFees, propertyBill, propertyPay, propertyDun, propertyDisclose,
  propertyVoteOpen, propertyBallot, propertyVoteClose,
  propertyFundDeposit, propertyFundPropose, propertyFundWorks, propertyFundApprove, propertyFundTransfer,
  propertyTenderOpen, propertyTenderCommit, propertyTenderReveal, propertyTenderClose,
  propertyNotice, propertyNoticeRead, propertyActivity, propertySignup, propertyHours,
] as readonly TxType<never>[];
