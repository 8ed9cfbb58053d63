/**
 * Service levels: the due time per category × priority (the spec's table, written out here), the handler's
 * `slaDueAt`, and the boundaries of `isOverdue`.
 */
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  CATEGORY_CODES,
  PRIORITIES,
  STATUSES,
  isOverdue,
  repairCreate,
  requestKey,
  slaDueAt,
  slaMs,
  type RepairCategory,
  type RequestRecord,
} from '../../../src/index.js';
import { HOUR_MS, HOUSING, MemState, RQ, T0, apply, createPayload, recordIn } from './fixtures.js';

/** docs/spec/repairs.md: code → [default priority, urgent hours, normal hours] */
const SPEC: Record<RepairCategory, [string, number, number]> = {
  'burst-pipe': ['urgent', 2, 24],
  drainage: ['normal', 4, 24],
  electrical: ['urgent', 2, 24],
  lift: ['urgent', 2, 24],
  lighting: ['normal', 4, 48],
  'door-lock': ['normal', 4, 24],
  heating: ['normal', 4, 24],
  sanitation: ['normal', 8, 48],
  other: ['normal', 4, 72],
};

const CASES = CATEGORY_CODES.flatMap((category) => PRIORITIES.map((priority) => [category, priority, SPEC[category][priority === 'urgent' ? 1 : 2]] as const));

describe('the category catalogue', () => {
  it('has exactly the spec categories and default priorities', () => {
    expect(CATEGORY_CODES).toEqual(Object.keys(SPEC));
    for (const c of CATEGORY_CODES) expect(CATEGORIES[c].defaultPriority, c).toBe(SPEC[c][0]);
  });

  it('an urgent request is never given more time than a normal one', () => {
    for (const c of CATEGORY_CODES) expect(slaMs(c, 'urgent'), c).toBeLessThanOrEqual(slaMs(c, 'normal'));
  });
});

describe('SLA due time', () => {
  it.each(CASES)('%s at %s priority: %i h', (category, priority, hours) => {
    expect(slaMs(category, priority)).toBe(hours * HOUR_MS);
    expect(slaDueAt(T0, category, priority)).toBe(T0 + hours * HOUR_MS);
    const s = new MemState();
    apply(repairCreate, s, HOUSING, createPayload({ category, priority }), T0 + 3);
    expect((s.get(requestKey(RQ)) as RequestRecord).slaDueAt).toBe(T0 + 3 + hours * HOUR_MS);
  });
});

describe('isOverdue', () => {
  const r = recordIn('received'); // due at T0 + 2 h
  const due = r.slaDueAt;

  it('boundaries: on time up to and at the due time, overdue one ms after', () => {
    expect(isOverdue(r, T0)).toBe(false);
    expect(isOverdue(r, due - 1)).toBe(false);
    expect(isOverdue(r, due)).toBe(false);
    expect(isOverdue(r, due + 1)).toBe(true);
    expect(isOverdue(r, due + 365 * 24 * HOUR_MS)).toBe(true);
  });

  it('only while nobody is on site: received, assigned, en-route, reopened', () => {
    const overdue = STATUSES.filter((s) => isOverdue(recordIn(s), due + 1));
    expect(overdue).toEqual(['received', 'assigned', 'en-route', 'reopened']);
  });

  it('uses the record due time (a reopen starts a new period)', () => {
    const reopened = recordIn('reopened', { slaDueAt: due + 10 * HOUR_MS });
    expect(isOverdue(reopened, due + 1)).toBe(false);
    expect(isOverdue(reopened, due + 10 * HOUR_MS + 1)).toBe(true);
  });
});
