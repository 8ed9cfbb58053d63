import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ANOMALY_CONFIG,
  actorDayKey,
  actorDaySubjectKey,
  alertIndexKey,
  alertKey,
  anomalyConfig,
  createPrivacyTypes,
  createRegistry,
  detectAnomalies,
  isWorkingTime,
  privacyAccess,
  privacyDay,
  type AccessPayload,
  type AnomalyInput,
  type TxType,
} from '../../../src/index.js';
import { DAY_MS, HOUSING, HOUR_MS, MemState, POWER, STREET, T0, acc, actor, apply, sub } from './fixtures.js';

/** Local midnight (UTC+8) of T0's day. */
const MIDNIGHT = Date.UTC(2025, 0, 5, 16, 0, 0);

const input = (over: Partial<AnomalyInput> = {}): AnomalyInput => ({
  role: 'grid-worker',
  purpose: 'alarm-response',
  caseRef: 'alarm:1',
  time: T0,
  subjectsToday: 1,
  newSubject: true,
  subjectsPreviousDays: [0, 0, 0, 0, 0, 0, 0],
  ...over,
});

const rules = (over: Partial<AnomalyInput> = {}, config = DEFAULT_ANOMALY_CONFIG): string[] => detectAnomalies(input(over), config).map((f) => f.rule);

describe('detectAnomalies', () => {
  it('flags nothing for an ordinary access', () => {
    expect(rules()).toEqual([]);
  });

  describe('volume', () => {
    it('without history: fires above volumeMin (21 > 20), not at it', () => {
      expect(rules({ subjectsToday: 20 })).toEqual([]);
      expect(rules({ subjectsToday: 21 })).toEqual(['volume']);
    });

    it('with history: fires above factor × the daily average (avg 10 → 31 fires, 30 does not)', () => {
      const history = [10, 10, 10, 10, 10, 10, 10];
      expect(rules({ subjectsToday: 30, subjectsPreviousDays: history })).toEqual([]);
      expect(rules({ subjectsToday: 31, subjectsPreviousDays: history })).toEqual(['volume']);
    });

    it('the average is over all 7 days, quiet days counting 0 (70 in one day → avg 10)', () => {
      expect(rules({ subjectsToday: 30, subjectsPreviousDays: [70] })).toEqual([]);
      expect(rules({ subjectsToday: 31, subjectsPreviousDays: [70] })).toEqual(['volume']);
    });

    it('days beyond volumeHistoryDays are ignored', () => {
      expect(rules({ subjectsToday: 31, subjectsPreviousDays: [0, 0, 0, 0, 0, 0, 0, 1000] })).toEqual(['volume']);
    });

    it('only a new subject of the day is flagged (re-reads are not)', () => {
      expect(rules({ subjectsToday: 50, newSubject: false })).toEqual([]);
    });

    it('follows the config', () => {
      const c = anomalyConfig({ volumeMin: 5, volumeFactor: 2 });
      expect(rules({ subjectsToday: 6 }, c)).toEqual(['volume']);
      expect(rules({ subjectsToday: 20, subjectsPreviousDays: [70] }, c)).toEqual([]);
      expect(rules({ subjectsToday: 21, subjectsPreviousDays: [70] }, c)).toEqual(['volume']);
    });
  });

  describe('off-hours (UTC+8 working hours 08:00–20:00)', () => {
    it.each([
      ['07:59:59.999', true, MIDNIGHT + 8 * HOUR_MS - 1],
      ['08:00:00.000', false, MIDNIGHT + 8 * HOUR_MS],
      ['19:59:59.999', false, MIDNIGHT + 20 * HOUR_MS - 1],
      ['20:00:00.000', true, MIDNIGHT + 20 * HOUR_MS],
      ['00:00:00.000', true, MIDNIGHT],
      ['03:00 (19:00 UTC the day before)', true, MIDNIGHT + 3 * HOUR_MS],
    ])('%s local → flagged: %s', (_, flagged, time) => {
      expect(rules({ time })).toEqual(flagged ? ['off-hours'] : []);
    });

    it('says when, in local time', () => {
      expect(detectAnomalies(input({ time: MIDNIGHT + 23 * HOUR_MS + 5 * 60_000 }))).toEqual([
        { rule: 'off-hours', detail: 'at 23:05 UTC+8, outside 08:00-20:00' },
      ]);
    });

    it('follows the config', () => {
      const c = anomalyConfig({ workStartHour: 0, workEndHour: 24 });
      expect(rules({ time: MIDNIGHT + 3 * HOUR_MS }, c)).toEqual([]);
      expect(isWorkingTime(MIDNIGHT + 3 * HOUR_MS)).toBe(false); // 03:00 UTC+8
      expect(isWorkingTime(MIDNIGHT + 3 * HOUR_MS, anomalyConfig({ utcOffsetHours: 0 }))).toBe(true); // 19:00 UTC
    });
  });

  describe('purpose-role', () => {
    it('fires for a purpose the role does not use, not for one it does', () => {
      expect(rules({ role: 'grid-worker', purpose: 'alarm-response' })).toEqual([]);
      expect(rules({ role: 'grid-worker', purpose: 'welfare-assessment' })).toEqual(['purpose-role']);
      expect(rules({ role: 'regulator', purpose: 'audit' })).toEqual([]);
      expect(rules({ role: 'resident', purpose: 'audit' })).toEqual(['purpose-role']);
    });
  });

  describe('no-case', () => {
    it('fires for a case-bound purpose without caseRef; not with one; not for other purposes', () => {
      expect(rules({ caseRef: undefined })).toEqual(['no-case']);
      expect(rules({ caseRef: '' })).toEqual(['no-case']);
      expect(rules({ caseRef: 'alarm:1' })).toEqual([]);
      expect(rules({ role: 'official', purpose: 'welfare-assessment', caseRef: undefined })).toEqual([]);
      expect(rules({ role: 'official', purpose: 'case-handling', caseRef: undefined })).toEqual(['no-case']);
    });
  });

  it('several rules at once, in rule order', () => {
    expect(rules({ subjectsToday: 21, time: MIDNIGHT, role: 'regulator', purpose: 'repair-dispatch', caseRef: undefined })).toEqual([
      'volume',
      'off-hours',
      'purpose-role',
      'no-case',
    ]);
  });
});

describe('privacyDay and anomalyConfig', () => {
  it('days change at local midnight (UTC+8)', () => {
    expect(privacyDay(MIDNIGHT - 1)).toBe('2025-01-05');
    expect(privacyDay(MIDNIGHT)).toBe('2025-01-06');
    expect(privacyDay(MIDNIGHT, DEFAULT_ANOMALY_CONFIG, 7)).toBe('2024-12-30');
  });

  it('refuses configs no chain should run with', () => {
    expect(() => anomalyConfig({ volumeFactor: 0 })).toThrow(/volumeFactor/);
    expect(() => anomalyConfig({ volumeMin: -1 })).toThrow(/volumeMin/);
    expect(() => anomalyConfig({ volumeHistoryDays: 0 })).toThrow(/volumeHistoryDays/);
    expect(() => anomalyConfig({ volumeHistoryDays: 32 })).toThrow(/volumeHistoryDays/);
    expect(() => anomalyConfig({ workStartHour: 20, workEndHour: 8 })).toThrow(/working hours/);
    expect(() => anomalyConfig({ utcOffsetHours: 15 })).toThrow(/utcOffsetHours/);
    expect(() => createRegistry({ privacy: { volumeMin: 1.5 } })).toThrow(/volumeMin/);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Through the privacy.access handler: counters in the state, alerts written
// ---------------------------------------------------------------------------------------------------------------------

const WORKER = actor('grid worker');
let n = 0;
const access = (over: Partial<AccessPayload> = {}): AccessPayload => {
  n++;
  return {
    access: acc(`h${n}`),
    subject: sub('alice'),
    org: POWER.id,
    role: 'grid-worker',
    purpose: 'alarm-response',
    fields: ['phone'],
    decision: 'denied',
    reason: 'no-grant',
    caseRef: 'alarm:1',
    actor: WORKER,
    at: T0,
    ...over,
  };
};

const alertKeys = (s: MemState): string[] => s.keys('privacy/alert');

/** `count` accesses by WORKER to distinct subjects, at `time`. */
function readMany(type: TxType<AccessPayload>, s: MemState, count: number, time: number, label: string): void {
  for (let i = 0; i < count; i++) apply(type, s, POWER, access({ subject: sub(`${label} ${i}`) }), time);
}

describe('privacy.access runs the rules on state and block time', () => {
  it('writes each flagged rule as an alert and in the regulator index', () => {
    const s = new MemState();
    const p = access({ role: 'grid-worker', purpose: 'case-handling', caseRef: undefined });
    apply(privacyAccess, s, POWER, p, MIDNIGHT + 2 * HOUR_MS);
    const at = MIDNIGHT + 2 * HOUR_MS;
    const base = { access: p.access, subject: p.subject, org: POWER.id, role: 'grid-worker', actor: WORKER, at };
    expect(s.get(alertKey(p.subject, p.access, 'off-hours'))).toEqual({ ...base, rule: 'off-hours', detail: 'at 02:00 UTC+8, outside 08:00-20:00' });
    expect(s.get(alertKey(p.subject, p.access, 'purpose-role'))).toMatchObject({ ...base, rule: 'purpose-role' });
    expect(s.get(alertKey(p.subject, p.access, 'no-case'))).toMatchObject({ ...base, rule: 'no-case' });
    expect(s.get(alertIndexKey(p.access, 'no-case'))).toBe(p.subject);
    expect(alertKeys(s)).toHaveLength(6);
  });

  it('uses block time, not the payload time, for off-hours', () => {
    const s = new MemState();
    apply(privacyAccess, s, POWER, access({ at: MIDNIGHT + 3 * HOUR_MS }), T0);
    expect(alertKeys(s)).toEqual([]);
    apply(privacyAccess, s, POWER, access({ at: T0 }), MIDNIGHT + 20 * HOUR_MS);
    expect(alertKeys(s)).toHaveLength(2);
  });

  it('volume: 20 distinct subjects in a day pass, the 21st is flagged, a re-read is not', () => {
    const s = new MemState();
    readMany(privacyAccess, s, 20, T0, 'd0');
    expect(alertKeys(s)).toEqual([]);
    expect(s.get(actorDayKey(POWER.id, WORKER, '2025-01-06'))).toBe(20);
    apply(privacyAccess, s, POWER, access({ subject: sub('d0 3') }), T0 + 1);
    expect(s.get(actorDayKey(POWER.id, WORKER, '2025-01-06'))).toBe(20);
    expect(alertKeys(s)).toEqual([]);
    const p = access({ subject: sub('d0 20') });
    apply(privacyAccess, s, POWER, p, T0 + 2);
    expect(s.get(alertKey(p.subject, p.access, 'volume'))).toMatchObject({ rule: 'volume', detail: '21 subjects today; 0 in the previous 7 days' });
    expect(s.get(actorDaySubjectKey(POWER.id, WORKER, '2025-01-06', p.subject))).toBe(1);
  });

  it('volume: the previous 7 days raise the bar; the 8th day back does not count', () => {
    const s = new MemState();
    readMany(privacyAccess, s, 70, T0 - 8 * DAY_MS, 'old'); // 8 days back: outside the window (and flagged then)
    const flaggedBefore = alertKeys(s).length;
    readMany(privacyAccess, s, 10, T0 - 7 * DAY_MS, 'd7');
    readMany(privacyAccess, s, 10, T0 - DAY_MS, 'd1'); // 20 in the window: avg 20/7, bar = max(20, 8.6) = 20
    readMany(privacyAccess, s, 20, T0, 'today');
    expect(alertKeys(s).length).toBe(flaggedBefore);
    readMany(privacyAccess, s, 1, T0, 'today+');
    expect(alertKeys(s).length).toBe(flaggedBefore + 2);
  });

  it('volume: a heavy history raises the bar above volumeMin (avg 10 → 31st subject)', () => {
    const s = new MemState();
    for (let d = 1; d <= 7; d++) readMany(privacyAccess, s, 10, T0 - d * DAY_MS, `day-${d}`);
    readMany(privacyAccess, s, 30, T0, 'today');
    expect(alertKeys(s)).toEqual([]);
    readMany(privacyAccess, s, 1, T0, 'today+');
    expect(alertKeys(s)).toHaveLength(2);
  });

  it('counters belong to the org and actor: another org using the same actor string does not move them', () => {
    const s = new MemState();
    for (let i = 0; i < 25; i++) apply(privacyAccess, s, STREET, access({ org: STREET.id, role: 'official', purpose: 'emergency', subject: sub(`x${i}`) }), T0);
    expect(s.get(actorDayKey(STREET.id, WORKER, '2025-01-06'))).toBe(25);
    expect(s.get(actorDayKey(POWER.id, WORKER, '2025-01-06'))).toBeUndefined();
    apply(privacyAccess, s, POWER, access({ subject: sub('y') }), T0);
    expect(s.get(actorDayKey(POWER.id, WORKER, '2025-01-06'))).toBe(1);
  });

  it('a chain overrides the parameters through createPrivacyTypes / createRegistry', () => {
    const custom = createPrivacyTypes({ volumeMin: 2, workStartHour: 0, workEndHour: 24 }).find((t) => t.type === 'privacy.access') as TxType<AccessPayload>;
    const s = new MemState();
    readMany(custom, s, 2, MIDNIGHT + 2 * HOUR_MS, 'c');
    expect(alertKeys(s)).toEqual([]);
    readMany(custom, s, 1, MIDNIGHT + 2 * HOUR_MS, 'c+');
    expect(alertKeys(s).filter((k) => k.endsWith('/volume'))).toHaveLength(2);
    expect(createRegistry({ privacy: { volumeMin: 2 } }).get('privacy.access')).toBeDefined();
  });

  it('holder staff are watched like everyone else', () => {
    const s = new MemState();
    apply(privacyAccess, s, HOUSING, access({ org: HOUSING.id, role: 'property-staff', purpose: 'repair-dispatch', decision: 'allowed', reason: 'holder', caseRef: undefined }), T0);
    expect(alertKeys(s).filter((k) => k.endsWith('/no-case'))).toHaveLength(2);
  });
});
