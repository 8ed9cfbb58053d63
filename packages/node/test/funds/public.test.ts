/**
 * What the public sees: per-programme totals and the current masked notice — surname and masked given name,
 * building, amount; never an ID number, a phone number or a full name (nor a pseudonym or an account).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { periodOf } from '@machi/core';
import { PROGRAMME, applyFor, approveAll, defineProgrammes, fundsNode, instruct, ok, type FundsNode } from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
  await defineProgrammes(s);
});
afterEach(async () => s.close());

const ID_NUMBER = '110101195001011234';
const PHONE = '13800138000';

describe('funds for the public', () => {
  it('shows the running notice masked, and totals, with no ID number, phone number or full name', async () => {
    const paid = await applyFor(s, { name: '欧阳明月', building: 'b2' });
    await approveAll(s, [paid.application]);
    ok(await s.call('POST', `/v1/funds/payments/${ok(await instruct(s, paid.application, periodOf('monthly', s.node.clock()))).id}/receipts`, {
      as: 'sun.bank', body: { result: 'paid', amountFen: 80_000, accountNumber: paid.accountNumber },
    }));
    const a = await applyFor(s, { name: '张三丰', building: 'b1' });
    const b = await applyFor(s, { name: 'Zhang Xiaoming', building: 'b3' });
    for (const x of [a, b]) ok(await s.call('POST', `/v1/funds/applications/${x.application}/verify`, { as: 'liu.desk', body: { result: 'verified' } }));
    ok(await s.call('POST', '/v1/funds/notices', { as: 'liu.desk', body: { programme: PROGRAMME, applications: [a.application, b.application] } }));

    const notice = await s.call('GET', `/v1/funds/public/programmes/${PROGRAMME}/notice`);
    expect(notice.status).toBe(200);
    expect(notice.json.items).toHaveLength(1);
    const [n] = notice.json.items;
    expect(n.lines).toEqual([
      { name: '张**', building: 'b1', category: 'single', amountFen: 80_000 },
      { name: 'Zhang ********', building: 'b3', category: 'single', amountFen: 80_000 },
    ]);
    // the list's hash is the one on the ledger
    expect(createHash('sha256').update(JSON.stringify(n.lines), 'utf8').digest('hex')).toBe(n.listHash);

    const totals = await s.call('GET', `/v1/funds/public/programmes/${PROGRAMME}`);
    expect(totals.json).toMatchObject({ programme: PROGRAMME, beneficiaries: 1, applications: 3, paidFen: 80_000, paidCount: 1 });
    const programmes = await s.call('GET', '/v1/funds/public/programmes');
    expect(programmes.json.items.map((p: { programme: string }) => p.programme).sort()).toEqual(['extreme-poverty', 'minimum-living']);

    for (const body of [notice.body, totals.body, programmes.body]) {
      for (const secret of [ID_NUMBER, PHONE, '张三丰', '三丰', 'Xiaoming', '欧阳明月', a.subject, paid.accountNumber, 'psn_', 'sub_']) expect(body).not.toContain(secret);
    }
  });

  it('shows no notice once it has run, and answers 404 for an unknown programme', async () => {
    const a = await applyFor(s, { name: '李四' });
    await approveAll(s, [a.application]); // the clock moves past the notice
    expect((await s.call('GET', `/v1/funds/public/programmes/${PROGRAMME}/notice`)).json.items).toEqual([]);
    expect((await s.call('GET', '/v1/funds/public/programmes/no-such')).status).toBe(404);
  });
});

describe('the ledger', () => {
  it('carries no name, ID number, phone, account number, subject id or objection text — only pseudonyms and hashes', async () => {
    const a = await applyFor(s, { name: '张三丰' });
    ok(await s.call('POST', `/v1/funds/applications/${a.application}/verify`, { as: 'liu.desk', body: { result: 'verified' } }));
    ok(await s.call('POST', '/v1/funds/notices', { as: 'liu.desk', body: { programme: PROGRAMME, applications: [a.application] } }));
    const objection = 'he owns a second flat';
    ok(await s.call('POST', `/v1/funds/applications/${a.application}/objections`, { as: 'liu.desk', body: { ground: 'assets-undeclared', text: objection } }));
    const texts: string[] = [];
    for (let h = 1; h <= s.node.head.height; h++) {
      const b = await s.call('GET', `/v1/blocks/${h}`);
      for (const hash of b.json.txs as string[]) texts.push((await s.call('GET', `/v1/txs/${hash}`)).body);
    }
    const ledger = texts.join('\n');
    expect(ledger).toContain(a.application);
    const view = ok(await s.call('GET', `/v1/funds/applications/${a.application}`, { as: 'he.audit' }), 200);
    expect(view.person).toMatch(/^psn_[0-9a-f]{64}$/);
    expect(ledger).toContain(view.person);
    // the objection's hash is salted: not the plain SHA-256 of its text
    expect(view.objections[0].contentHash).not.toBe(createHash('sha256').update(objection, 'utf8').digest('hex'));
    // as JSON may carry it: non-ASCII as \\uXXXX, lower or upper case hex
    const escaped = (v: string, upper: boolean): string => v.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`);
    for (const secret of ['张三丰', escaped('张三丰', false), escaped('张三丰', true), ID_NUMBER, PHONE, a.accountNumber, a.subject, objection]) expect(ledger).not.toContain(secret);
  });
});
