/** A case reference `repair:rq_…` names a real request: privacy reads for repair dispatch are bound to it (issue 11.2). */
import { describe, expect, it } from 'vitest';
import { CASE_KINDS, caseRefPattern, requestKey, resolveCase } from '../../../src/index.js';
import { FIXIT, HOUSING, MemState, RQ, WANG, recordIn } from './fixtures.js';

describe('repair cases', () => {
  const state = (status: Parameters<typeof recordIn>[0]) => {
    const s = new MemState();
    s.set(requestKey(RQ), recordIn(status));
    return s;
  };

  it('resolve to the request: open or not, its organisation, the assigned worker, its managers', () => {
    expect(resolveCase(state('in-progress').read, `repair:${RQ}`)).toEqual({ open: true, org: HOUSING.id, assigned: [WANG], managerRoles: ['dispatcher', 'property-staff'] });
    expect(resolveCase(state('closed').read, `repair:${RQ}`)?.open).toBe(false);
    expect(resolveCase(state('received').read, `repair:${RQ}`)?.assigned).toEqual([]);
    expect(FIXIT.id).not.toBe(HOUSING.id);
  });

  it('name nothing for an unknown kind, an id not of the format, free text or a request that does not exist', () => {
    const read = state('in-progress').read;
    for (const ref of ['case:ZhangWei-b2-1203', 'repair:ZhangWei-b2-1203', `repair:${RQ}x`, `alarm:${RQ}`, RQ, `repair:rq_${'0'.repeat(32)}`, '']) {
      expect(resolveCase(read, ref), ref).toBeUndefined();
    }
    expect(CASE_KINDS.map((k) => k.kind)).toContain('repair');
  });

  it("an access record's case reference may be any request id (a third of them hold a run of 7 digits), and free text still may not carry one", () => {
    const re = new RegExp(caseRefPattern(CASE_KINDS));
    expect(re.test(`repair:rq_${'1234567'}${'a'.repeat(25)}`)).toBe(true);
    expect(re.test('case:ZhangWei-13912345678')).toBe(false);
    expect(re.test('case:2025-001')).toBe(true); // the older form, so that existing chains replay
    expect(re.test(`repair:rq_1234567${'a'.repeat(26)}`)).toBe(false); // not a request id, and a run of 7 digits
  });
});
