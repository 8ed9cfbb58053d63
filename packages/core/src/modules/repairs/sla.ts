/**
 * Service levels per organisation: an organisation's own SLA for a category (`repair.configure_sla`, on the ledger,
 * so every node computes the same `slaDueAt`), the pure check the API makes before recording one, and the reads over
 * it. A category an organisation has not set keeps the catalogue default. docs/spec/repairs.md#categories-and-service-levels
 */
import type { Role } from '../../foundation/roles.js';
import type { StateRead } from '../../foundation/state.js';
import { CATEGORIES, CATEGORY_CODES, slaMs, type RepairCategory, type SlaHours } from './catalogue.js';
import { MANAGER_ROLES } from './transitions.js';
import { REPAIRS_SLA_HOURS_MAX, REPAIRS_SLA_HOURS_MIN, slaKey, type RequestRecord, type SlaConfigRecord } from './types.js';

const wholeHoursInRange = (h: unknown): boolean => Number.isInteger(h) && (h as number) >= REPAIRS_SLA_HOURS_MIN && (h as number) <= REPAIRS_SLA_HOURS_MAX;

/**
 * Why an SLA setting is invalid, or null: both whole hours in REPAIRS_SLA_HOURS_MIN..MAX, and an urgent request never
 * given more time than a normal one (the rule a schema cannot say; the handler repeats it).
 */
export function checkSlaHours(urgentHours: number, normalHours: number): string | null {
  for (const [name, h] of [['urgentHours', urgentHours], ['normalHours', normalHours]] as const) {
    if (!wholeHoursInRange(h)) return `${name} must be a whole number of hours from ${REPAIRS_SLA_HOURS_MIN} to ${REPAIRS_SLA_HOURS_MAX}, not ${String(h)}`;
  }
  if (urgentHours > normalHours) return `an urgent request may not be given more time than a normal one (${urgentHours} h > ${normalHours} h)`;
  return null;
}

export type SlaSettingCheck = { ok: true } | { ok: false; status: 400 | 403; reason: string };

/**
 * Whether `who` may set `org`'s SLA to these hours. Pure; the API calls it before recording anything: 403 unless a
 * MANAGER_ROLES user of `org` (an organisation sets only its own SLAs — the ledger enforces that by keying the setting
 * to the signing organisation; roles it cannot know), then 400 for hours checkSlaHours refuses.
 */
export function checkSlaSetting(who: { role: Role; org: string }, org: string, hours: { urgentHours: number; normalHours: number }): SlaSettingCheck {
  if (!(MANAGER_ROLES as readonly Role[]).includes(who.role)) return { ok: false, status: 403, reason: `role ${who.role} may not set service levels: only dispatchers or property staff` };
  if (who.org !== org) return { ok: false, status: 403, reason: `only staff of ${org} may set its service levels` };
  const invalid = checkSlaHours(hours.urgentHours, hours.normalHours);
  return invalid === null ? { ok: true } : { ok: false, status: 400, reason: invalid };
}

/** `org`'s setting for `category`, if it made one. */
export function slaConfig(read: StateRead, org: string, category: RepairCategory): SlaConfigRecord | undefined {
  const text = read(slaKey(org, category));
  return text === undefined ? undefined : (JSON.parse(text) as SlaConfigRecord);
}

/** The hours a record of `org`'s setting stands for. */
export const slaHoursOf = (c: Pick<SlaConfigRecord, 'urgentHours' | 'normalHours'>): SlaHours => ({ urgent: c.urgentHours, normal: c.normalHours });

export interface SlaEntry {
  category: RepairCategory;
  /** what applies to `org`'s new requests (and reopens) */
  slaHours: SlaHours;
  /** the catalogue's */
  defaultSlaHours: SlaHours;
  /** `org`'s setting, or null (the default applies) */
  configured: SlaConfigRecord | null;
}

/** The SLA that applies to `org`'s requests of `category`: its setting, else the catalogue default. */
export function effectiveSla(read: StateRead, org: string, category: RepairCategory): SlaEntry {
  const c = slaConfig(read, org, category) ?? null;
  const defaultSlaHours = CATEGORIES[category].slaHours;
  return { category, slaHours: c === null ? defaultSlaHours : slaHoursOf(c), defaultSlaHours, configured: c };
}

/** Every category's effective SLA for `org`, in catalogue order. */
export function slaTable(read: StateRead, org: string): SlaEntry[] {
  return CATEGORY_CODES.map((category) => effectiveSla(read, org, category));
}

/**
 * The length of the request's current SLA period, ms: `slaDueAt` − its start (the last reopen, else `createdAt`) —
 * the SLA as it was when the period began, whatever the organisation has set since (escalation counts periods of it).
 */
export function slaPeriodMs(r: RequestRecord): number {
  let start = r.createdAt;
  for (const s of r.steps) if (s.action === 'reopen') start = s.at;
  const period = r.slaDueAt - start;
  return period > 0 ? period : slaMs(r.category, r.priority);
}
