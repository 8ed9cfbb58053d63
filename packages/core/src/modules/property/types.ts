/**
 * Property services: the unit register (units of the standard address register with their floor area in dm² and their
 * owner's per-context pseudonym), parking spaces, the fee schedule in integer fen, monthly bills, payments, dunning
 * (reminder and written demand only), disclosure per period (art. 943), owners' votes (art. 278) with the exact
 * double-threshold tally, the maintenance fund (Order 165, with the emergency path) and sealed-bid tenders.
 * Public data only: owners appear as pseudonyms, never names. docs/spec/property.md
 */

import type { RepairCategory } from '../repairs/catalogue.js';

/** Every state key of the module starts with this. */
export const PROPERTY_PREFIX = 'property/';

// ---------------------------------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------------------------------

/** Largest floor area of one unit, dm² (0.01 m²): 100 000 m². */
export const UNIT_AREA_DM2_MAX = 10_000_000;
/** Units in the register. */
export const PROPERTY_UNITS_MAX = 20_000;
/** Units one `property.import` carries. */
export const PROPERTY_IMPORT_ROWS_MAX = 500;
/** Largest fee rate, fen (per m² per month, or per unit / space per month). */
export const FEE_RATE_FEN_MAX = 10_000_000;
/** Items in a fee schedule. */
export const FEE_ITEMS_MAX = 32;
/** Largest single amount (bill, payment, budget, transfer, bid), fen: 10^12 fen. */
export const AMOUNT_FEN_MAX = 1_000_000_000_000;
/** Lines in one disclosure. */
export const DISCLOSURE_LINES_MAX = 200;
/** Characters of a free label (item names, titles, contractor names: public, no personal data). */
export const PROPERTY_LABEL_CHARS_MAX = 80;
/** Parking spaces one unit may hold. */
export const UNIT_SPACES_MAX = 8;
/** Members of one unit's household. */
export const HOUSEHOLD_MEMBERS_MAX = 20;
/** Vehicles registered to one unit. */
export const UNIT_VEHICLES_MAX = 8;
/** A vehicle's id: `vh_` + 32 hex (random; the plate stays off the ledger). */
export const VEHICLE_ID_PATTERN = '^vh_[0-9a-f]{32}$';
/** Licences a staff file may register on the ledger (kind and expiry only, under the staff member's pseudonym). */
export const LICENCE_KINDS = ['electrician', 'lift-operator', 'boiler-operator', 'fire-safety', 'welder', 'gas-fitter'] as const;
export type LicenceKind = (typeof LICENCE_KINDS)[number];

/**
 * The licence a repair job of a category needs (special operations: electrical work, lifts, boilers). A category not
 * listed needs none. docs/spec/property.md#licences-on-jobs
 */
export const JOB_LICENCE_KINDS = { electrical: 'electrician', lift: 'lift-operator', heating: 'boiler-operator' } as const satisfies Partial<Record<RepairCategory, LicenceKind>>;
/** The licence kind a job of `category` needs, or undefined. */
export const licenceKindForJob = (category: string): LicenceKind | undefined =>
  Object.hasOwn(JOB_LICENCE_KINDS, category) ? JOB_LICENCE_KINDS[category as keyof typeof JOB_LICENCE_KINDS] : undefined;
/** Why a job's assignment is not covered by a licence: none named, another kind, outside its validity at the ledger time. */
export const JOB_LICENCE_WARNINGS = ['no-licence', 'wrong-kind', 'not-valid'] as const;
export type JobLicenceWarning = (typeof JOB_LICENCE_WARNINGS)[number];
/** Assignments a job's licence record keeps (the latest last). */
export const JOB_LICENCE_ASSIGNMENTS_MAX = 20;
/** A licence's id on the ledger: `pl_` + 32 hex (random; the licence number stays in the staff file). */
export const LICENCE_ID_PATTERN = '^pl_[0-9a-f]{32}$';
/** Longest licence validity, ms (10 years). */
export const LICENCE_VALIDITY_MS_MAX = 10 * 366 * 86_400_000;
/** Units one owner may hold. */
export const OWNER_UNITS_MAX = 64;
/** Longest vote, ms (90 days). */
export const VOTE_DURATION_MS_MAX = 90 * 24 * 3600_000;
/** Bids one tender takes. */
export const TENDER_BIDS_MAX = 64;
/** Longest commit or reveal window of a tender, ms (90 days). */
export const TENDER_WINDOW_MS_MAX = 90 * 24 * 3600_000;
/** The emergency path: approval and first transfer within this of the proposal, ms. */
export const EMERGENCY_DEADLINE_MS = 24 * 3600_000;
/** The emergency path: the first transfer is at most this share of the budget, percent. */
export const EMERGENCY_FIRST_TRANSFER_PCT_MAX = 60;
/** A written demand only this long after the reminder, ms (14 days). */
export const DEMAND_AFTER_REMINDER_MS_MIN = 14 * 24 * 3600_000;
/** Characters of a notice's text (public: an announcement). */
export const NOTICE_TEXT_CHARS_MAX = 2000;
/** Places one activity offers. */
export const ACTIVITY_CAPACITY_MAX = 10_000;
/** Volunteer minutes one activity may credit to one person (a day). */
export const ACTIVITY_MINUTES_MAX = 24 * 60;
/** Volunteer minutes that earn the volunteer label (the digital ID's volunteer-hours credential is offered on it): 20 hours. */
export const VOLUNTEER_LABEL_MINUTES = 20 * 60;
/** Most entries a query reads with one prefix scan. */
export const PROPERTY_QUERY_ITEMS_MAX = 5000;

// ---------------------------------------------------------------------------------------------------------------------
// Patterns and catalogues
// ---------------------------------------------------------------------------------------------------------------------

export const VOTE_ID_PATTERN = '^pv_[0-9a-f]{32}$';
export const FUND_USE_ID_PATTERN = '^pu_[0-9a-f]{32}$';
export const TENDER_ID_PATTERN = '^pt_[0-9a-f]{32}$';
export const NOTICE_ID_PATTERN = '^pn_[0-9a-f]{32}$';
export const ACTIVITY_ID_PATTERN = '^pa_[0-9a-f]{32}$';
/** A notice's text: printable (new lines allowed), no run of six digits or more (no phone or ID number fits). */
export const NOTICE_TEXT_PATTERN = '^[0-9]{0,5}(?:[^\\u0000-\\u0009\\u000b-\\u001f\\u007f0-9][0-9]{0,5})*$';
/** The organisations that publish notices and organise activities: the street office and the property company. */
export const NOTICE_ORGS = ['street-office', 'property-company'] as const;
export const BID_ID_PATTERN = '^pb_[0-9a-f]{32}$';
/** A period: a calendar month `YYYY-MM`. */
export const PERIOD_PATTERN = '^20[0-9]{2}-(0[1-9]|1[0-2])$';
/** A parking space code, e.g. `p-b1-012`. */
export const SPACE_CODE_PATTERN = '^p-[a-z0-9-]{1,30}$';
/** A payment or bank reference: ASCII letters, digits, `-`, 8–40 characters (a channel's transaction number). */
export const PAYMENT_REF_PATTERN = '^[A-Za-z0-9-]{8,40}$';
/** A fee item or a disclosure line's code: lowercase, e.g. `service-fee`, `advertising`. */
export const ITEM_CODE_PATTERN = '^[a-z][a-z0-9-]{0,31}$';
/** A public label: printable, no `/`, no run of six digits or more (no phone or ID number fits). */
export const PROPERTY_LABEL_PATTERN = '^[0-9]{0,5}(?:[^\\u0000-\\u001f\\u007f/0-9][0-9]{0,5})*$';

export const UNIT_TYPES = ['residential', 'commercial', 'office'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** How a fee item is charged per month: per m² of floor area, per unit, per parking space of the unit. */
export const FEE_BASES = ['area', 'unit', 'space'] as const;
export type FeeBasis = (typeof FEE_BASES)[number];

/** Dunning steps. Nothing else exists on purpose (art. 944: no cutting of water, power, heat or gas). */
export const DUNNING_STEPS = ['reminder', 'written-demand'] as const;
export type DunningStep = (typeof DUNNING_STEPS)[number];

/** Matters owners decide (Civil Code art. 278). */
export const VOTE_MATTERS = ['rules', 'committee', 'property-company', 'fund-use', 'fund-raise', 'rebuild', 'common-use-change', 'common-business-use', 'other-major'] as const;
export type VoteMatter = (typeof VOTE_MATTERS)[number];
/** Matters that need 3/4 of the participating area and owners; the others more than half. */
export const SPECIAL_MATTERS: readonly VoteMatter[] = ['fund-raise', 'rebuild', 'common-use-change', 'common-business-use'];
export const isSpecialMatter = (m: VoteMatter): boolean => SPECIAL_MATTERS.includes(m);

export const BALLOT_CHOICES = ['yes', 'no', 'abstain'] as const;
export type BallotChoice = (typeof BALLOT_CHOICES)[number];

/** The organisations that may open votes: the street office, and the property company for the owners' committee. */
export const VOTE_ORGANISERS = ['street-office', 'property-company'] as const;
/** The organisation that holds the register (units, bills) and records ballots for its owners. */
export const REGISTER_ORGS = ['property-company'] as const;
/** The housing department: approves maintenance-fund uses and instructs the fund's bank. */
export const HOUSING_BUREAU = 'housing-bureau';
/** The identity service an owner's digital-ID check runs before a ballot (docs/spec/identity.md). */
export const BALLOT_ID_SERVICE = 'owners-meeting';
/** The credential type that check must have verified. */
export const BALLOT_ID_TYPE = 'property-ownership';

export const EMERGENCY_CATEGORIES = ['lift', 'leak', 'fire'] as const;
export type EmergencyCategory = (typeof EMERGENCY_CATEGORIES)[number];

export const DISCLOSURE_ACCOUNTS = ['common-area', 'maintenance-fund'] as const;
export type DisclosureAccount = (typeof DISCLOSURE_ACCOUNTS)[number];
export const DISCLOSURE_KINDS = ['income', 'spending'] as const;
export type DisclosureKind = (typeof DISCLOSURE_KINDS)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------------

export type UnitRow = {
  /** the unit's standard address code (an active unit of the address register) */
  unit: string;
  type: UnitType;
  /** floor area, dm² (0.01 m²) */
  areaDm2: number;
  /** the owner's pseudonym in the property context (`psn_`…), or null: none recorded */
  owner: string | null;
};
/** `property.unit`: register a unit or change its type, area or owner. */
export type UnitPayload = UnitRow & { by: string };
/** `property.import`: several units at once, all or nothing. */
export type UnitImportPayload = { rows: UnitRow[]; by: string };
/** `property.space`: a parking space, assigned to a unit or free (null). */
export type SpacePayload = { space: string; building: string; unit: string | null; by: string };
/** `property.household`: the people living in a unit, by their pseudonyms in the property context (none: no household). */
export type HouseholdPayload = { unit: string; members: string[]; by: string };
/** `property.vehicle`: a vehicle of a unit, parked in one of its spaces or none; the plate only as a commitment. */
export type VehiclePayload = { vehicle: string; unit: string; space: string | null; plate: string; by: string };
/** `property.licence`: a staff member's licence, public and non-identifying: its kind and expiry under a pseudonym. */
export type LicencePayload = { licence: string; staff: string; kind: LicenceKind; expiresAt: number; by: string };
/** Valid from `registeredAt` (block time) until `expiresAt`; a renewal is a new licence. */
export type LicenceRecord = { licence: string; staff: string; kind: LicenceKind; expiresAt: number; org: string; registeredAt: number; txHash: string };
/** `property.job_licence`: the licence covering a repair job's assignment to `worker` (its repairs pseudonym), or null. */
export type JobLicencePayload = { request: string; worker: string; licence: string | null; by: string };
/** One assignment of a job as its licence record keeps it: covered by `licence`, or a warning. */
export type JobLicenceAssignment = { worker: string; licence: string | null; staff: string | null; covered: boolean; warning: JobLicenceWarning | null; at: number; txHash: string };
/** `property/job-licence/<request>`: the licence kind the job needs and each assignment's licence (or warning). */
export type JobLicenceRecord = { request: string; category: string; kind: LicenceKind; org: string; assignments: JobLicenceAssignment[] };
export type HouseholdRecord = { unit: string; members: string[]; org: string; updatedAt: number; txHash: string };
export type VehicleRecord = { vehicle: string; unit: string; space: string | null; plate: string; org: string; registeredAt: number; updatedAt: number; txHash: string };

export type FeeItem = { item: string; basis: FeeBasis; unitType: UnitType | 'any'; rateFen: number };
/** `property.fees`: the fee schedule from a period on (the next `property.fees` replaces it from its period). */
export type FeesPayload = { from: string; items: FeeItem[]; by: string };
/** `property.bill`: the month's bills of the units of one building (computed from the schedule by the handler). */
export type BillPayload = { period: string; building: string; dueAt: number; by: string };
/** `property.pay`: a payment of a bill, with its channel's reference (the channel itself is out of scope). */
export type PayPayload = { unit: string; period: string; amountFen: number; reference: string; by: string };
/** `property.dun`: a dunning step on an unpaid bill past its due time. */
export type DunPayload = { unit: string; period: string; step: DunningStep; by: string };

export type DisclosureLine = { account: DisclosureAccount; kind: DisclosureKind; item: string; label: string; amountFen: number; ref?: string };
/** `property.disclose`: the period's income and spending of common areas and the maintenance fund, line by line. */
export type DisclosePayload = { period: string; lines: DisclosureLine[]; by: string };

/** `property.vote_open` */
export type VoteOpenPayload = { vote: string; matter: VoteMatter; title: string; closesAt: number; use?: string; by: string };
/** `property.ballot`: one unit's ballot, cast by its owner after a digital-ID check (an identity desk session). */
export type BallotPayload = { vote: string; unit: string; owner: string; choice: BallotChoice; session: string; by: string };
/** `property.vote_close`: after `closesAt`, by the organiser; the tally is computed and recorded. */
export type VoteClosePayload = { vote: string; by: string };

export type EmergencyTrigger = { category: EmergencyCategory; alarm?: string; repair?: string };
/** `property.fund_deposit`: money into the maintenance fund (the housing bureau, custodian of the account). */
export type FundDepositPayload = { amountFen: number; reference: string; by: string };
/** `property.fund_propose`: a use of the maintenance fund; `emergency` takes the emergency path (no vote first). */
export type FundProposePayload = { use: string; building: string; title: string; contractor: string; budgetFen: number; emergency?: EmergencyTrigger; by: string };
/** `property.fund_works`: the works started or were completed. */
export type FundWorksPayload = { use: string; stage: 'started' | 'completed'; by: string };
/** `property.fund_approve`: the housing bureau's approval. */
export type FundApprovePayload = { use: string; by: string };
/** `property.fund_transfer`: the bank transfer to the contractor, instructed by the housing bureau. */
export type FundTransferPayload = { use: string; amountFen: number; reference: string; by: string };

/** `property.tender_open` */
export type TenderOpenPayload = { tender: string; title: string; deadline: number; revealUntil: number; by: string };
/** `property.tender_commit`: SHA-256 hex of `tenderCommitmentText(...)`; nobody can read the price before the reveal. */
export type TenderCommitPayload = { tender: string; bid: string; bidder: string; commitment: string };
/** `property.tender_reveal`: after the deadline; a reveal that does not match withdraws the bid. */
export type TenderRevealPayload = { tender: string; bid: string; priceFen: number; salt: string };
/** `property.tender_close`: after the reveal window: the opening record. */
export type TenderClosePayload = { tender: string; by: string };

/** `property.notice`: an announcement (public text). */
export type PropertyNoticePayload = { notice: string; title: string; text: string; by: string };
/** `property.notice_read`: a read receipt, by the reader's pseudonym (signed by the organisation holding the reader). */
export type NoticeReadPayload = { notice: string; reader: string };
/** `property.activity`: a community activity with sign-up. */
export type ActivityPayload = { activity: string; title: string; startsAt: number; capacity: number; by: string };
/** `property.signup`: a person signs up (pseudonym; signed by the organisation holding them), before it starts. */
export type SignupPayload = { activity: string; person: string };
/** `property.hours`: volunteer minutes of a signed-up person, by the organiser, once the activity started. */
export type HoursPayload = { activity: string; person: string; minutes: number; by: string };

// ---------------------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------------------

export type UnitRecord = UnitRow & {
  building: string;
  org: string;
  /** parking spaces assigned to it */
  spaces: string[];
  registeredAt: number;
  ownerSince: number;
  updatedAt: number;
  txHash: string;
};

/** `property/owner/<psn>`: an owner's units and their summed area (one owner, several units). */
export type OwnerRecord = { owner: string; units: string[]; areaDm2: number };

/** `property/totals`: the register's totals (the denominators of a vote). */
export type RegisterTotals = { units: number; areaDm2: number; ownedAreaDm2: number; owners: number };

export type BuildingRecord = { building: string; units: string[] };

export type SpaceRecord = { space: string; building: string; unit: string | null; org: string; updatedAt: number; txHash: string };

export type FeeScheduleRecord = { from: string; items: FeeItem[]; org: string; at: number; txHash: string };

export type BillLine = { item: string; basis: FeeBasis; quantity: number; rateFen: number; amountFen: number };
export type BillStatus = 'open' | 'paid';
export type BillRecord = {
  unit: string;
  period: string;
  building: string;
  owner: string | null;
  lines: BillLine[];
  dueFen: number;
  paidFen: number;
  status: BillStatus;
  dueAt: number;
  issuedAt: number;
  payments: { amountFen: number; reference: string; at: number; txHash: string }[];
  dunning: { step: DunningStep; at: number; txHash: string }[];
  txHash: string;
};

export type DisclosureRecord = {
  period: string;
  org: string;
  lines: DisclosureLine[];
  totals: Record<DisclosureAccount, { incomeFen: number; spendingFen: number }>;
  at: number;
  txHash: string;
};

export type VoteStatus = 'open' | 'closed';
/** Running sums of a vote: the tally's input (owners counted once, area summed). */
export type VoteCounts = {
  ballots: number;
  partAreaDm2: number;
  partOwners: number;
  yesAreaDm2: number;
  yesOwners: number;
  noAreaDm2: number;
  noOwners: number;
};
export type VoteOutcome = 'passed' | 'failed-participation' | 'failed-majority';
export type TallyResult = {
  outcome: VoteOutcome;
  special: boolean;
  /** exact fractions as `num/den` in lowest terms */
  participationArea: string;
  participationOwners: string;
  yesArea: string;
  yesOwners: string;
};
export type OwnersVoteRecord = {
  vote: string;
  matter: VoteMatter;
  title: string;
  org: string;
  use: string | null;
  openedAt: number;
  closesAt: number;
  /** denominators frozen at opening: the register's owned area and its owners */
  totalAreaDm2: number;
  totalOwners: number;
  counts: VoteCounts;
  status: VoteStatus;
  result: TallyResult | null;
  closedAt: number | null;
  txHash: string;
};
export type BallotRecord = { vote: string; unit: string; owner: string; choice: BallotChoice; areaDm2: number; session: string; at: number; txHash: string };
/** `property/vote-owner/<vote>/<owner>`: an owner's choice and area in a vote (one choice per owner). */
export type VoteOwnerRecord = { choice: BallotChoice; areaDm2: number; units: number };

export type FundRecord = { depositedFen: number; transferredFen: number; balanceFen: number };
export type FundUseStatus = 'proposed' | 'owners-approved' | 'owners-rejected' | 'approved' | 'closed';
export type FundUseRecord = {
  use: string;
  building: string;
  title: string;
  contractor: string;
  budgetFen: number;
  org: string;
  emergency: EmergencyTrigger | null;
  status: FundUseStatus;
  vote: string | null;
  works: 'none' | 'started' | 'completed';
  proposedAt: number;
  approvedAt: number | null;
  /** emergency: approval and first transfer are due by then */
  deadlineAt: number | null;
  /** emergency: approval and first transfer both came by the deadline (null: not yet known) */
  metDeadline: boolean | null;
  transferredFen: number;
  transfers: { amountFen: number; reference: string; at: number; txHash: string }[];
  steps: { step: string; org: string; at: number; txHash: string }[];
  txHash: string;
};

export type BidStatus = 'committed' | 'revealed' | 'withdrawn';
export type BidRecord = {
  bid: string;
  bidder: string;
  commitment: string;
  committedAt: number;
  status: BidStatus;
  priceFen: number | null;
  /** why it counts as withdrawn: the reveal did not match, or none came */
  withdrawnFor: 'reveal-mismatch' | 'not-revealed' | null;
  commitTx: string;
  revealTx: string | null;
};
export type TenderStatus = 'bidding' | 'revealing' | 'opened';
export type TenderRecord = {
  tender: string;
  title: string;
  org: string;
  deadline: number;
  revealUntil: number;
  bids: BidRecord[];
  opened: null | { at: number; ranking: { bid: string; bidder: string; priceFen: number }[]; withdrawn: string[]; winner: string | null; txHash: string };
  openedAt: number;
  txHash: string;
};

export type PropertyNoticeRecord = { notice: string; title: string; text: string; org: string; reads: number; at: number; txHash: string };
export type ActivityRecord = { activity: string; title: string; org: string; startsAt: number; capacity: number; signedUp: number; at: number; txHash: string };
/** `property/volunteer/<psn>`: a person's volunteer minutes; `label` once they reach VOLUNTEER_LABEL_MINUTES. */
export type VolunteerRecord = { person: string; minutes: number; activities: number; label: boolean };

// ---------------------------------------------------------------------------------------------------------------------
// State keys
// ---------------------------------------------------------------------------------------------------------------------

export const unitKey = (unit: string): string => `${PROPERTY_PREFIX}unit/${unit}`;
export const BUILDINGS_PREFIX = `${PROPERTY_PREFIX}building/`;
/** `property/building/<building>` → BuildingRecord (the handlers have no prefix scan: bills list a building's units) */
export const buildingKey = (building: string): string => `${BUILDINGS_PREFIX}${building}`;
/** `property/payref/<reference>` → the bill it paid (a channel's reference pays once) */
export const paymentRefKey = (reference: string): string => `${PROPERTY_PREFIX}payref/${reference}`;
export const ownerKey = (owner: string): string => `${PROPERTY_PREFIX}owner/${owner}`;
export const TOTALS_KEY = `${PROPERTY_PREFIX}totals`;
export const spaceKey = (space: string): string => `${PROPERTY_PREFIX}space/${space}`;
/** `property/licence/<licence>` → LicenceRecord */
export const licenceKey = (licence: string): string => `${PROPERTY_PREFIX}licence/${licence}`;
/** `property/job-licence/<request>` → JobLicenceRecord */
export const jobLicenceKey = (request: string): string => `${PROPERTY_PREFIX}job-licence/${request}`;
/** `property/household/<unit>` → HouseholdRecord */
export const householdKey = (unit: string): string => `${PROPERTY_PREFIX}household/${unit}`;
/** `property/vehicle/<vehicle>` → VehicleRecord */
export const vehicleKey = (vehicle: string): string => `${PROPERTY_PREFIX}vehicle/${vehicle}`;
/** `property/unit-vehicles/<unit>` → the unit's vehicle ids (the handlers have no prefix scan) */
export const unitVehiclesKey = (unit: string): string => `${PROPERTY_PREFIX}unit-vehicles/${unit}`;
/** `property/fees` → FeeScheduleRecord[] (every schedule, by `from`) */
export const FEES_KEY = `${PROPERTY_PREFIX}fees`;
/** `property/fees-used/<from>` → 1: a schedule bills were issued under (it is not replaced then) */
export const feesUsedKey = (from: string): string => `${PROPERTY_PREFIX}fees-used/${from}`;
/** Schedules kept (one a month for ten years). */
export const FEE_SCHEDULES_MAX = 120;
export const billKey = (unit: string, period: string): string => `${PROPERTY_PREFIX}bill/${unit}/${period}`;
export const billsOfUnitPrefix = (unit: string): string => `${PROPERTY_PREFIX}bill/${unit}/`;
export const BILLS_PREFIX = `${PROPERTY_PREFIX}bill/`;
/** `property/billed/<building>/<period>` → number of bills */
export const billedKey = (building: string, period: string): string => `${PROPERTY_PREFIX}billed/${building}/${period}`;
export const DISCLOSURES_PREFIX = `${PROPERTY_PREFIX}disclosure/`;
export const disclosureKey = (period: string): string => `${DISCLOSURES_PREFIX}${period}`;
export const VOTES_PREFIX = `${PROPERTY_PREFIX}vote/`;
export const voteKey = (vote: string): string => `${VOTES_PREFIX}${vote}`;
export const ballotsPrefix = (vote: string): string => `${PROPERTY_PREFIX}ballot/${vote}/`;
export const ballotKey = (vote: string, unit: string): string => `${ballotsPrefix(vote)}${unit}`;
export const voteOwnerKey = (vote: string, owner: string): string => `${PROPERTY_PREFIX}vote-owner/${vote}/${owner}`;
/** an identity session used by a ballot (each digital-ID check casts one ballot) */
export const sessionUseKey = (session: string): string => `${PROPERTY_PREFIX}session-use/${session}`;
export const FUND_KEY = `${PROPERTY_PREFIX}fund`;
export const FUND_USES_PREFIX = `${PROPERTY_PREFIX}fund-use/`;
export const fundUseKey = (use: string): string => `${FUND_USES_PREFIX}${use}`;
export const TENDERS_PREFIX = `${PROPERTY_PREFIX}tender/`;
export const tenderKey = (tender: string): string => `${TENDERS_PREFIX}${tender}`;

export const NOTICES_PREFIX = `${PROPERTY_PREFIX}notice/`;
export const propertyNoticeKey = (notice: string): string => `${NOTICES_PREFIX}${notice}`;
export const noticeReadKey = (notice: string, reader: string): string => `${PROPERTY_PREFIX}notice-read/${notice}/${reader}`;
export const ACTIVITIES_PREFIX = `${PROPERTY_PREFIX}activity/`;
export const activityKey = (activity: string): string => `${ACTIVITIES_PREFIX}${activity}`;
export const signupsPrefix = (activity: string): string => `${PROPERTY_PREFIX}signup/${activity}/`;
/** `property/signup/<activity>/<psn>` → { at, minutes } */
export const signupKey = (activity: string, person: string): string => `${signupsPrefix(activity)}${person}`;
export const VOLUNTEERS_PREFIX = `${PROPERTY_PREFIX}volunteer/`;
export const volunteerKey = (person: string): string => `${VOLUNTEERS_PREFIX}${person}`;

/** The text a bid's commitment hashes: SHA-256 hex of it is the commitment. */
export const tenderCommitmentText = (tender: string, bid: string, priceFen: number, salt: string): string =>
  `machi-tender\n${tender}\n${bid}\n${priceFen}\n${salt}`;
/** A tender's status at a ledger time. */
export const tenderStatusAt = (t: TenderRecord, now: number): TenderStatus => (t.opened !== null ? 'opened' : now < t.deadline ? 'bidding' : 'revealing');
