/**
 * Anomaly rules: pure functions of one access record, the accessor's daily counters and the block time, run inside the
 * `privacy.access` handler so that every node writes the same alerts. docs/spec/privacy.md#anomaly-rules
 */
import { assert } from '../../assert.js';
import type { Role } from '../../foundation/roles.js';
import { isCasePurpose, roleMayUse, type Purpose } from './roles.js';
import { PRIVACY_ALERT_DETAIL_CHARS_MAX, PRIVACY_VOLUME_HISTORY_DAYS_MAX, type AnomalyRule } from './types.js';

export interface AnomalyConfig {
  /** `volume` fires above volumeFactor × the daily average of the previous days … */
  volumeFactor: number;
  /** … and above this many distinct subjects in the day */
  volumeMin: number;
  /** how many previous days the average covers */
  volumeHistoryDays: number;
  /** working hours, local time: [workStartHour, workEndHour) */
  workStartHour: number;
  workEndHour: number;
  /** the local time zone of working hours and of day boundaries (Asia/Shanghai: +8, no daylight saving) */
  utcOffsetHours: number;
}

export const DEFAULT_ANOMALY_CONFIG: Readonly<AnomalyConfig> = Object.freeze({
  volumeFactor: 3,
  volumeMin: 20,
  volumeHistoryDays: 7,
  workStartHour: 8,
  workEndHour: 20,
  utcOffsetHours: 8,
});

/** The default config with `overrides` applied; throws on a config no chain should run with. */
export function anomalyConfig(overrides: Partial<AnomalyConfig> = {}): AnomalyConfig {
  const c: AnomalyConfig = { ...DEFAULT_ANOMALY_CONFIG, ...overrides };
  assert(Number.isFinite(c.volumeFactor) && c.volumeFactor > 0, 'privacy volumeFactor is a positive number');
  assert(Number.isSafeInteger(c.volumeMin) && c.volumeMin >= 0, 'privacy volumeMin is an integer ≥ 0');
  assert(
    Number.isSafeInteger(c.volumeHistoryDays) && c.volumeHistoryDays >= 1 && c.volumeHistoryDays <= PRIVACY_VOLUME_HISTORY_DAYS_MAX,
    `privacy volumeHistoryDays is an integer in 1..${PRIVACY_VOLUME_HISTORY_DAYS_MAX}`,
  );
  assert(
    Number.isInteger(c.workStartHour) && Number.isInteger(c.workEndHour) && c.workStartHour >= 0 && c.workStartHour < c.workEndHour && c.workEndHour <= 24,
    'privacy working hours are whole hours with 0 ≤ start < end ≤ 24',
  );
  assert(Number.isFinite(c.utcOffsetHours) && Math.abs(c.utcOffsetHours) <= 14, 'privacy utcOffsetHours is within ±14');
  return c;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

const localMs = (timeMs: number, config: AnomalyConfig): number => timeMs + config.utcOffsetHours * HOUR_MS;

/** The local calendar day (`YYYY-MM-DD`) of `timeMs`, `daysBack` days earlier. Pure: no clock, no time zone database. */
export function privacyDay(timeMs: number, config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG, daysBack = 0): string {
  const day = Math.floor(localMs(timeMs, config) / DAY_MS) - daysBack;
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Whether `timeMs` falls inside working hours, local time. */
export function isWorkingTime(timeMs: number, config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG): boolean {
  const msOfDay = ((localMs(timeMs, config) % DAY_MS) + DAY_MS) % DAY_MS;
  return msOfDay >= config.workStartHour * HOUR_MS && msOfDay < config.workEndHour * HOUR_MS;
}

export interface AnomalyInput {
  role: Role;
  purpose: Purpose;
  caseRef?: string | undefined;
  /** block time, ms */
  time: number;
  /** distinct subjects this accessor touched on the local day of `time`, this access included */
  subjectsToday: number;
  /** whether this access added its subject to today's count (only those can be flagged by `volume`) */
  newSubject: boolean;
  /** distinct-subject counts of the previous `volumeHistoryDays` days, most recent first; missing days count 0 */
  subjectsPreviousDays: readonly number[];
}

export interface AnomalyFinding {
  rule: AnomalyRule;
  detail: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The rules that flag this access, in rule order (`volume`, `off-hours`, `purpose-role`, `no-case`). */
export function detectAnomalies(input: AnomalyInput, config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG): AnomalyFinding[] {
  const out: AnomalyFinding[] = [];
  const days = config.volumeHistoryDays;
  let previous = 0;
  for (let i = 0; i < days; i++) previous += input.subjectsPreviousDays[i] ?? 0;
  // count > factor × (previous / days), multiplied out so that no division rounds
  if (input.newSubject && input.subjectsToday > config.volumeMin && input.subjectsToday * days > config.volumeFactor * previous) {
    out.push({ rule: 'volume', detail: `${input.subjectsToday} subjects today; ${previous} in the previous ${days} days` });
  }
  if (!isWorkingTime(input.time, config)) {
    const local = new Date(localMs(input.time, config));
    const sign = config.utcOffsetHours < 0 ? '-' : '+';
    out.push({
      rule: 'off-hours',
      detail: `at ${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())} UTC${sign}${Math.abs(config.utcOffsetHours)}, outside ${pad2(config.workStartHour)}:00-${pad2(config.workEndHour)}:00`,
    });
  }
  if (!roleMayUse(input.role, input.purpose)) {
    out.push({ rule: 'purpose-role', detail: `purpose ${input.purpose} is not one of role ${input.role}` });
  }
  if (isCasePurpose(input.purpose) && !input.caseRef) {
    out.push({ rule: 'no-case', detail: `purpose ${input.purpose} without a case reference` });
  }
  for (const f of out) assert(f.detail.length <= PRIVACY_ALERT_DETAIL_CHARS_MAX, 'alert detail within its limit');
  return out;
}
