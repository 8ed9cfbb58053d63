/**
 * The catalogues of the repairs module: categories with their service levels, priorities, location kinds, causes,
 * part codes, statuses and actions. Everything a payload may say is a code from here — no free text on the ledger.
 * docs/spec/repairs.md#categories-and-service-levels
 */

const HOUR_MS = 60 * 60 * 1000;

export const PRIORITIES = ['urgent', 'normal'] as const;
export type RepairPriority = (typeof PRIORITIES)[number];

export interface CategoryInfo {
  name: string;
  defaultPriority: RepairPriority;
  /** time from `received` to `on-site`, per priority */
  slaHours: Readonly<Record<RepairPriority, number>>;
}

export const CATEGORIES = {
  'burst-pipe': { name: 'Burst pipe / water leak', defaultPriority: 'urgent', slaHours: { urgent: 2, normal: 24 } },
  drainage: { name: 'Blocked drain', defaultPriority: 'normal', slaHours: { urgent: 4, normal: 24 } },
  electrical: { name: 'Electrical fault', defaultPriority: 'urgent', slaHours: { urgent: 2, normal: 24 } },
  lift: { name: 'Lift out of order', defaultPriority: 'urgent', slaHours: { urgent: 2, normal: 24 } },
  lighting: { name: 'Lighting (common areas)', defaultPriority: 'normal', slaHours: { urgent: 4, normal: 48 } },
  'door-lock': { name: 'Door or lock', defaultPriority: 'normal', slaHours: { urgent: 4, normal: 24 } },
  heating: { name: 'Heating', defaultPriority: 'normal', slaHours: { urgent: 4, normal: 24 } },
  sanitation: { name: 'Rubbish and cleaning', defaultPriority: 'normal', slaHours: { urgent: 8, normal: 48 } },
  other: { name: 'Other', defaultPriority: 'normal', slaHours: { urgent: 4, normal: 72 } },
} as const satisfies Record<string, CategoryInfo>;
export type RepairCategory = keyof typeof CATEGORIES;
export const CATEGORY_CODES = Object.keys(CATEGORIES) as RepairCategory[];

/** Hours from `received` to `on-site`, per priority: a category's catalogue default or an organisation's setting. */
export type SlaHours = Readonly<Record<RepairPriority, number>>;

/**
 * SLA of a category at a priority, ms: `configured` (the request's organisation's setting, `repair.configure_sla`)
 * when given, else the catalogue default.
 */
export function slaMs(category: RepairCategory, priority: RepairPriority, configured?: SlaHours): number {
  return (configured ?? CATEGORIES[category].slaHours)[priority] * HOUR_MS;
}

/**
 * When a request received at `receivedAt` (ms) must have a worker on site: receivedAt + SLA(category, priority), the
 * SLA being `configured` when given, else the catalogue default.
 */
export function slaDueAt(receivedAt: number, category: RepairCategory, priority: RepairPriority, configured?: SlaHours): number {
  return receivedAt + slaMs(category, priority, configured);
}

/** `home`: the reporter's own home (the exact unit stays off the ledger); `common`: a common area of the building. */
export const LOCATION_KINDS = ['home', 'common'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export const CAUSES = ['pipe-corrosion', 'pipe-joint', 'frozen', 'blockage', 'wear', 'damage', 'wiring', 'component', 'unknown'] as const;
export type RepairCause = (typeof CAUSES)[number];

export const PARTS = [
  'pipe-section',
  'pipe-fitting',
  'valve',
  'tap',
  'seal',
  'drain-trap',
  'cable',
  'breaker',
  'socket',
  'switch',
  'lamp',
  'light-fitting',
  'lock-cylinder',
  'door-closer',
  'hinge',
  'radiator-valve',
  'thermostat',
  'lift-component',
  'other-part',
] as const;
export type RepairPart = (typeof PARTS)[number];

export const STATUSES = [
  'received',
  'assigned',
  'en-route',
  'on-site',
  'diagnosed',
  'in-progress',
  'done',
  'confirmed',
  'reopened',
  'cancelled',
] as const;
export type RepairStatus = (typeof STATUSES)[number];

/** Work still to do: these requests are in the per-building open index (`done` waits only for the reporter). */
export const OPEN_STATUSES = ['received', 'assigned', 'en-route', 'on-site', 'diagnosed', 'in-progress', 'reopened'] as const satisfies readonly RepairStatus[];
/** The SLA clock runs (nobody on site yet): a request in one of these past its `slaDueAt` is overdue. */
export const SLA_STATUSES = ['received', 'assigned', 'en-route', 'reopened'] as const satisfies readonly RepairStatus[];
/** Nothing more can happen. */
export const FINAL_STATUSES = ['confirmed', 'cancelled'] as const satisfies readonly RepairStatus[];

/** One per transaction type `repair.<action>`. */
export const ACTIONS = ['create', 'assign', 'accept', 'arrive', 'diagnose', 'start', 'finish', 'confirm', 'reopen', 'cancel', 'follow', 'escalate'] as const;
export type RepairAction = (typeof ACTIONS)[number];

const has = <T extends string>(list: readonly T[], value: unknown): value is T => (list as readonly unknown[]).includes(value);

export const isCategory = (v: unknown): v is RepairCategory => typeof v === 'string' && Object.hasOwn(CATEGORIES, v);
export const isPriority = (v: unknown): v is RepairPriority => has(PRIORITIES, v);
export const isStatus = (v: unknown): v is RepairStatus => has(STATUSES, v);
export const isAction = (v: unknown): v is RepairAction => has(ACTIONS, v);
export const isOpenStatus = (v: unknown): boolean => has(OPEN_STATUSES, v);
export const isSlaStatus = (v: unknown): boolean => has(SLA_STATUSES, v);
