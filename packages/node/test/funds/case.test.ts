/**
 * "Who looked at my application": staff read an applicant's record for the application (`fund:<id>` case, purpose
 * case-handling); the read is recorded as a privacy access, and the resident sees it among their uses. A read for the
 * application about someone else is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFor, defineProgrammes, fundsNode, ok, type FundsNode } from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
  await defineProgrammes(s);
});
afterEach(async () => s.close());

describe('reads for an application', () => {
  it('are allowed for its applicant only, recorded, and shown to the resident', async () => {
    // registered like any subject (a commitment on the ledger), linked to the resident accounts
    const register = async (name: string, resident: string): Promise<string> =>
      ok(await s.call('POST', '/v1/subjects', { as: 'liu.desk', body: { fields: { name, idNumber: '110101195001011234' }, linkUser: s.userId(resident) } })).subject as string;
    const subject = await register('张三丰', 'resident1');
    const other = await register('李四', 'resident2');
    const a = await applyFor(s, { name: '张三丰', subject });
    const read = (subject: string) => s.call('GET', `/v1/subjects/${subject}`, { as: 'liu.desk', query: { purpose: 'case-handling', fields: 'name', caseRef: `fund:${a.application}` } });
    const mine = ok(await read(a.subject), 200);
    expect(JSON.stringify(mine)).toContain('张三丰');
    const refused = await read(other);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/not-case-subject/);
    const uses = ok(await s.call('GET', '/v1/me/uses', { as: 'resident1' }), 200);
    expect(uses.uses.some((u: { record: { caseRef?: string; purpose: string } }) => u.record.caseRef === `fund:${a.application}` && u.record.purpose === 'case-handling')).toBe(true);
  });
});
