/**
 * What the dashboard's routes take and answer (the web imports these types; the node's schemas say the same).
 * docs/spec/dashboard.md#api
 */

/** The panels of the overview, in order. A module's panel is one more (`property`: fee collection and arrears). */
export const DASHBOARD_PANELS = ['events', 'sla', 'repairs', 'alarms', 'funds', 'privacy', 'property'] as const;
export type DashboardPanel = (typeof DASHBOARD_PANELS)[number];

/** The dimensions a click-through may match, per panel. */
export const DASHBOARD_FIGURE_DIMS: Readonly<Record<DashboardPanel, readonly string[]>> = {
  events: ['category', 'grid', 'status', 'department', 'building'],
  sla: ['org', 'outcome'],
  repairs: ['category', 'status', 'org', 'building'],
  alarms: ['class', 'status', 'org', 'building'],
  funds: ['programme', 'status'],
  privacy: ['purpose', 'decision', 'alert', 'accessor'],
  /** `arrears`: `true` (bills past due, unpaid, now) or `false`; `arrearsBuilding`: a building's bills in arrears */
  property: ['period', 'building', 'grid', 'unit', 'status', 'arrears', 'arrearsBuilding', 'dunning'],
};

/** Fee collection and arrears: the property bills of the periods (months) the range touches. */
export interface PropertyPanel {
  billedFen: number;
  paidFen: number;
  /** unpaid fen of bills past their due day, now */
  arrearsFen: number;
  /** paid / billed (null when nothing was billed) */
  rate: number | null;
  unitsInArrears: number;
  /** dunning steps sent in range, by step */
  dunning: Count[];
  byMonth: { period: string; billedFen: number; paidFen: number; arrearsFen: number; bills: number; unitsInArrears: number; rate: number | null }[];
  byBuilding: { building: string; billedFen: number; paidFen: number; arrearsFen: number; bills: number; unitsInArrears: number; rate: number | null }[];
}

export interface DashboardFilter {
  /** block time range [from, to], ms */
  from: number;
  to: number;
  grid?: string;
  /** a department's organisation */
  department?: string;
}

export interface Count {
  key: string;
  n: number;
}

export interface OverviewView {
  from: number;
  to: number;
  /** the read model's height (the last block it applied) */
  height: number;
  panels: {
    events: { total: number; open: number; byCategory: Count[]; byGrid: Count[]; byStatus: Count[] };
    sla: { byDepartment: { org: string; met: number; missed: number; rate: number | null }[] };
    repairs: { today: number; month: number; open: number; byCategory: Count[]; byStatus: Count[] };
    alarms: { today: number; month: number; open: number; byClass: Count[]; byStatus: Count[] };
    funds: { programmes: { programme: string; budgetFen: number; instructedFen: number; paidFen: number; failedFen: number; payments: number }[] };
    privacy: { total: number; denied: number; byPurpose: Count[]; alertsByRule: Count[] };
    property: PropertyPanel;
  };
}

export interface RecordRef {
  kind: string;
  id: string;
  /** the record's time (report, request, raise, instruction, access), ms */
  at: number;
  /** what it was counted under */
  fields: Record<string, string | number>;
  /** the transaction that created it, and its latest */
  tx: string;
  lastTx: string;
}

export interface RecordsView {
  panel: string;
  dim: string | null;
  value: string | null;
  total: number;
  records: RecordRef[];
}

export interface AnalyticsAlert {
  kind: 'events' | 'access' | 'payment';
  /** what is unusual: `grid/category`, an accessor `org/actor`, a payment id */
  subject: string;
  /** the window observed [from, to], ms */
  from: number;
  to: number;
  observed: number;
  /** the baseline: mean and standard deviation of the windows before (events, access), or the programme's median (payment) */
  baseline: { mean: number; sd: number; windows: number[] };
  /** the value at and above which it is flagged */
  threshold: number;
  /** in words (a message key and its values, shown in the user's language) */
  explain: string;
  records: RecordRef[];
}

export interface AnalyticsView {
  now: number;
  windowDays: number;
  baselineWindows: number;
  alerts: AnalyticsAlert[];
}

export interface MapView {
  grids: { grid: string; buildings: { building: string; name: string; households: number; openEvents: number; openAlarms: number; openRepairs: number; arrearsFen: number; unitsInArrears: number }[] }[];
}

export interface NetworkView {
  chainId: string;
  self: string;
  height: number;
  round: number;
  step: string;
  nodes: { org: string; name: string; validator: boolean; power: number; self: boolean; connected: boolean; height: number | null }[];
  blocks: { height: number; time: number; txs: number; proposer: string; signedBy: string[]; intervalMs: number | null }[];
  evidence: { org: string; height: number; round: number; kind: string }[];
}

export interface BlockSummary {
  height: number;
  hash: string;
  time: number;
  proposer: string;
  txs: number;
}

export interface SearchView {
  kind: 'tx' | 'block' | 'document' | 'unsupported';
  /** tx: its hash; block: its height; document: the anchors' tx hashes */
  txs: string[];
  height: number | null;
  note: string | null;
}
