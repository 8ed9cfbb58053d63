import { describe, expect, it } from 'vitest';
import { FUNDS_DAY_MS, blocks, noticeEndsAt, periodOf, periodStart } from '../../../src/index.js';

const cst = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h) - 8 * 3600_000;

describe('calendar', () => {
  it('counts 7 working days (Monday to Friday, China time) after the day of publication', () => {
    // Friday 2025-01-10 23:30 CST (still Friday in China, Friday 15:30 UTC): Mon 13 … Tue 21 → ends Wed 22 00:00 CST
    expect(noticeEndsAt(cst(2025, 1, 10, 23) + 30 * 60_000)).toBe(cst(2025, 1, 22));
    // Saturday publication: Mon 13 … Tue 21 as well
    expect(noticeEndsAt(cst(2025, 1, 11, 9))).toBe(cst(2025, 1, 22));
    // Saturday 00:30 CST is Friday 16:30 UTC: the China day counts, not the UTC day
    expect(noticeEndsAt(cst(2025, 1, 11, 0) + 30 * 60_000)).toBe(cst(2025, 1, 22));
    const t = cst(2025, 3, 3, 10); // a Monday
    expect(noticeEndsAt(t) - cst(2025, 3, 3)).toBe(10 * FUNDS_DAY_MS); // Tue … next Wed, then its end
  });

  it('knows the periods of each recurrence and refuses the others', () => {
    expect(periodStart('monthly', '2025-03')).toBe(cst(2025, 3, 1));
    expect(periodStart('quarterly', '2025-q2')).toBe(cst(2025, 4, 1));
    expect(periodStart('yearly', '2025')).toBe(cst(2025, 1, 1));
    expect(periodStart('once', 'once')).toBe(0);
    for (const [r, p] of [['monthly', '2025-q1'], ['monthly', '2025'], ['quarterly', '2025-03'], ['yearly', 'once'], ['once', '2025'], ['monthly', '2025-13']] as const) {
      expect(periodStart(r, p)).toBeUndefined();
    }
    expect(periodOf('monthly', cst(2025, 3, 31, 23))).toBe('2025-03');
    expect(periodOf('monthly', cst(2025, 4, 1, 0))).toBe('2025-04');
    expect(periodOf('quarterly', cst(2025, 4, 1, 0))).toBe('2025-q2');
    expect(periodOf('yearly', cst(2025, 4, 1, 0))).toBe('2025');
  });

  it('blocks on the rules that stop payments only', () => {
    expect(blocks([{ kind: 'stage-slow', data: {} }, { kind: 'receipt-mismatch', data: {} }])).toBe(false);
    expect(blocks([{ kind: 'stage-slow', data: {} }, { kind: 'person-deceased', data: {} }])).toBe(true);
  });
});
