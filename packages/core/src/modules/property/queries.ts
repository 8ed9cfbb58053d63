/**
 * Pure queries over the property state, through a key reader and a prefix scan (values are canonical JSON text).
 * docs/spec/property.md#queries
 */
import { parseState as parse, type StateRead, type StateScan } from '../../foundation/state.js';
import { canonicalJson } from '../../encoding.js';
import { countBallots, tally } from './tally.js';
import {
  BILLS_PREFIX, BUILDINGS_PREFIX, DISCLOSURES_PREFIX, FEES_KEY, FUND_KEY, FUND_USES_PREFIX, PROPERTY_QUERY_ITEMS_MAX, TENDERS_PREFIX, TOTALS_KEY,
  VOTES_PREFIX, ballotKey, ballotsPrefix, billKey, billsOfUnitPrefix, buildingKey, ownerKey, tenderKey, unitKey, voteKey, fundUseKey, disclosureKey,
  type BallotRecord, type BillRecord, type BuildingRecord, type DisclosureRecord, type FeeScheduleRecord, type FundRecord, type FundUseRecord,
  NOTICES_PREFIX, ACTIVITIES_PREFIX, noticeReadKey, activityKey, signupsPrefix, signupKey, volunteerKey, VOLUNTEERS_PREFIX, type PropertyNoticeRecord, type ActivityRecord, type VolunteerRecord,
  licenceKey, type LicenceRecord, jobLicenceKey, type JobLicenceRecord, householdKey, vehicleKey, unitVehiclesKey, type HouseholdRecord, type VehicleRecord,
  type OwnerRecord, type RegisterTotals, type TallyResult, type TenderRecord, type UnitRecord, type VoteCounts, type OwnersVoteRecord,
} from './types.js';

const values = <T>(scan: StateScan, prefix: string, limit = PROPERTY_QUERY_ITEMS_MAX): T[] => scan(prefix, limit).map(([, v]) => JSON.parse(v) as T);

export const licenceRecord = (read: StateRead, licence: string): LicenceRecord | undefined => parse<LicenceRecord>(read(licenceKey(licence)));
/** Whether a licence was valid at `at` (ms): registered by then and not yet expired. */
export const licenceValidAt = (l: Pick<LicenceRecord, 'registeredAt' | 'expiresAt'>, at: number): boolean => l.registeredAt <= at && at < l.expiresAt;
/** A repair job's licence record: the kind it needs and each assignment's licence or warning. */
export const jobLicenceRecord = (read: StateRead, request: string): JobLicenceRecord | undefined => parse<JobLicenceRecord>(read(jobLicenceKey(request)));
export const householdRecord = (read: StateRead, unit: string): HouseholdRecord | undefined => parse<HouseholdRecord>(read(householdKey(unit)));
export const vehicleRecord = (read: StateRead, vehicle: string): VehicleRecord | undefined => parse<VehicleRecord>(read(vehicleKey(vehicle)));
/** The vehicles registered to a unit. */
export const vehiclesOfUnit = (read: StateRead, unit: string): VehicleRecord[] =>
  (parse<string[]>(read(unitVehiclesKey(unit))) ?? []).map((v) => vehicleRecord(read, v)).filter((v): v is VehicleRecord => v !== undefined);
export const unitRecord = (read: StateRead, unit: string): UnitRecord | undefined => parse<UnitRecord>(read(unitKey(unit)));
export const ownerRecord = (read: StateRead, owner: string): OwnerRecord | undefined => parse<OwnerRecord>(read(ownerKey(owner)));
export const registerTotals = (read: StateRead): RegisterTotals => parse<RegisterTotals>(read(TOTALS_KEY)) ?? { units: 0, areaDm2: 0, ownedAreaDm2: 0, owners: 0 };
export const buildingRecord = (read: StateRead, building: string): BuildingRecord | undefined => parse<BuildingRecord>(read(buildingKey(building)));
export const propertyBuildings = (scan: StateScan): BuildingRecord[] => values<BuildingRecord>(scan, BUILDINGS_PREFIX);

/** Every unit of the register, by building then code. */
export function propertyUnits(read: StateRead, scan: StateScan): UnitRecord[] {
  return propertyBuildings(scan).flatMap((b) => b.units.map((u) => unitRecord(read, u)).filter((u): u is UnitRecord => u !== undefined));
}

export const feeSchedules = (read: StateRead): FeeScheduleRecord[] => parse<FeeScheduleRecord[]>(read(FEES_KEY)) ?? [];
export const billRecord = (read: StateRead, unit: string, period: string): BillRecord | undefined => parse<BillRecord>(read(billKey(unit, period)));
export const billsOfUnit = (scan: StateScan, unit: string): BillRecord[] => values<BillRecord>(scan, billsOfUnitPrefix(unit));
export const allBills = (scan: StateScan, limit = PROPERTY_QUERY_ITEMS_MAX): BillRecord[] => values<BillRecord>(scan, BILLS_PREFIX, limit);

/** Bills still open after their due time (arrears), oldest period first. */
export function arrears(scan: StateScan, now: number): BillRecord[] {
  return allBills(scan).filter((b) => b.status === 'open' && b.dueAt < now).sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.unit < b.unit ? -1 : 1));
}

export const disclosures = (scan: StateScan): DisclosureRecord[] => values<DisclosureRecord>(scan, DISCLOSURES_PREFIX);
export const disclosureRecord = (read: StateRead, period: string): DisclosureRecord | undefined => parse<DisclosureRecord>(read(disclosureKey(period)));

export const voteRecord = (read: StateRead, vote: string): OwnersVoteRecord | undefined => parse<OwnersVoteRecord>(read(voteKey(vote)));
export const votes = (scan: StateScan): OwnersVoteRecord[] => values<OwnersVoteRecord>(scan, VOTES_PREFIX).sort((a, b) => b.openedAt - a.openedAt);
export const ballotsOf = (scan: StateScan, vote: string): BallotRecord[] => values<BallotRecord>(scan, ballotsPrefix(vote));
export const ballotRecord = (read: StateRead, vote: string, unit: string): BallotRecord | undefined => parse<BallotRecord>(read(ballotKey(vote, unit)));

/**
 * An owner's or anyone's check of a vote: the counts re-computed from the published ballots (in ledger order), the
 * tally of those counts, and whether both equal the record's.
 */
export function recount(read: StateRead, scan: StateScan, vote: string): { counts: VoteCounts; result: TallyResult; matches: boolean } | undefined {
  const v = voteRecord(read, vote);
  if (v === undefined) return undefined;
  const ballots = ballotsOf(scan, vote).sort((a, b) => a.at - b.at || (a.txHash < b.txHash ? -1 : 1));
  const counts = countBallots(ballots);
  const result = tally(v.matter, counts, v.totalAreaDm2, v.totalOwners);
  const same = canonicalJson(counts) === canonicalJson(v.counts) && (v.result === null || canonicalJson(result) === canonicalJson(v.result));
  return { counts, result, matches: same };
}

export const fundRecord = (read: StateRead): FundRecord => parse<FundRecord>(read(FUND_KEY)) ?? { depositedFen: 0, transferredFen: 0, balanceFen: 0 };
export const fundUseRecord = (read: StateRead, use: string): FundUseRecord | undefined => parse<FundUseRecord>(read(fundUseKey(use)));
export const fundUses = (scan: StateScan): FundUseRecord[] => values<FundUseRecord>(scan, FUND_USES_PREFIX).sort((a, b) => b.proposedAt - a.proposedAt);

export const propertyNotices = (scan: StateScan): PropertyNoticeRecord[] => values<PropertyNoticeRecord>(scan, NOTICES_PREFIX).sort((a, b) => b.at - a.at);
export const noticeRead = (read: StateRead, notice: string, reader: string): { at: number; org: string; txHash: string } | undefined => parse(read(noticeReadKey(notice, reader)));
export const activities = (scan: StateScan): ActivityRecord[] => values<ActivityRecord>(scan, ACTIVITIES_PREFIX).sort((a, b) => a.startsAt - b.startsAt);
export const activityRecord = (read: StateRead, activity: string): ActivityRecord | undefined => parse<ActivityRecord>(read(activityKey(activity)));
/** An activity's sign-ups: pseudonym, when, minutes credited. */
export const signupsOf = (scan: StateScan, activity: string): { person: string; at: number; minutes: number; txHash: string }[] =>
  scan(signupsPrefix(activity), PROPERTY_QUERY_ITEMS_MAX).map(([k, v]) => ({ person: k.slice(signupsPrefix(activity).length), ...(JSON.parse(v) as { at: number; minutes: number; txHash: string }) }));
export const signupOf = (read: StateRead, activity: string, person: string): { at: number; minutes: number; txHash: string } | undefined => parse(read(signupKey(activity, person)));
export const volunteerRecord = (read: StateRead, person: string): VolunteerRecord | undefined => parse<VolunteerRecord>(read(volunteerKey(person)));
/** Every person's volunteer record (at most `limit`). */
export const volunteers = (scan: StateScan, limit = PROPERTY_QUERY_ITEMS_MAX): VolunteerRecord[] => values<VolunteerRecord>(scan, VOLUNTEERS_PREFIX, limit);

export const tenderRecord = (read: StateRead, tender: string): TenderRecord | undefined => parse<TenderRecord>(read(tenderKey(tender)));
export const tenders = (scan: StateScan): TenderRecord[] => values<TenderRecord>(scan, TENDERS_PREFIX).sort((a, b) => b.openedAt - a.openedAt);
