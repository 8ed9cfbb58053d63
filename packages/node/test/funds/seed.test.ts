/** The demo seed on the street office's node with civil affairs, the finance bureau and the agent bank hosted. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedFunds } from '../../src/modules/funds/seed.js';
import { BANK, CIVIL, FINANCE, fundsNode, ok, type FundsNode } from './helpers.js';

let s: FundsNode;
beforeEach(async () => {
  s = await fundsNode();
});
afterEach(async () => s.close());

describe('funds demo seed', () => {
  it('makes two programmes, a year of monthly payments, a reissue, one alert and a running notice — once', async () => {
    const started = Date.now();
    const lines = await seedFunds(s.funds.service, s.auth, s.node, s.privacy);
    const seedMs = Date.now() - started;
    expect(lines[0]).toMatch(/2 programmes \(owner\/reviewer civil-affairs, treasury finance-bureau, bank agent-bank\)/);
    console.log(`funds demo seed: ${seedMs} ms`);

    const dibao = ok(await s.call('GET', '/v1/funds/programmes/minimum-living/budget', { as: 'he.audit' }), 200);
    expect(dibao.periods).toHaveLength(12);
    expect(dibao).toMatchObject({ paidCount: 24, paidFen: 12 * 200_000, failedCount: 1 });
    expect(dibao.reconciliations.every((r: { matches: boolean }) => r.matches)).toBe(true);
    const elderly = ok(await s.call('GET', '/v1/funds/programmes/elderly-allowance/budget', { as: 'he.audit' }), 200);
    expect(elderly).toMatchObject({ paidCount: 24, paidFen: 12 * 40_000, blockedCount: 1 });
    expect(elderly.periods).toHaveLength(13); // and this month's, blocked
    const alerts = ok(await s.call('GET', '/v1/funds/alerts', { as: 'he.audit' }), 200).items;
    expect(alerts.map((a: { kind: string }) => a.kind)).toEqual(['credential-revoked']);
    const notice = (await s.call('GET', '/v1/funds/public/programmes/minimum-living/notice')).json.items;
    expect(notice[0].lines.map((l: { name: string }) => l.name)).toEqual(['林**', '郭**']);
    const feed = ok(await s.call('GET', '/v1/funds/feed', { as: 'he.audit', query: { limit: '200' } }), 200).items;
    expect(new Set(feed.map((e: { org: string }) => e.org))).toEqual(new Set(['street-office', CIVIL, FINANCE, BANK]));
    expect(await seedFunds(s.funds.service, s.auth, s.node, s.privacy)).toEqual([]);
  });
});
