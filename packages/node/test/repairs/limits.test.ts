/**
 * A resident cannot blind the dispatch board or the SLA job (issue 11.4): reports only at the buildings the
 * organisation serves, at most REPAIRS_OPEN_REPORTS_PER_USER_MAX open reports per resident, and the board reads the
 * open requests building by building, so junk elsewhere never pushes a real report off it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTx } from '@machi/core';
import { REPAIRS_OPEN_REPORTS_PER_USER_MAX } from '../../src/modules/repairs/context.js';
import { call, ledgerBodies, ok, repairsServer, type RepairsServer } from './helpers.js';

let s: RepairsServer;
beforeAll(async () => {
  s = await repairsServer();
});
afterAll(async () => s?.close());

const report = (user: string, building: string, description = 'junk') =>
  call(s, user, 'POST', '/v1/repairs', { category: 'lighting', location: { kind: 'common', building }, description });

describe('repair reports are bounded', () => {
  it('refuses a building code the organisation does not serve, and records nothing', async () => {
    const before = ledgerBodies(s).length;
    const r = await report('resident1', 'a');
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.code).toBe('REQUEST_INVALID');
    expect(ledgerBodies(s).length).toBe(before);
  });

  it('a resident has at most the limit of open reports; the board keeps a real report filed before the flood', async () => {
    const real = ok(await call(s, 'resident2', 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'common', building: 'b1' }, description: 'water pouring down the stairs' }), 201);
    for (let i = 0; i < REPAIRS_OPEN_REPORTS_PER_USER_MAX; i++) ok(await report('resident1', 'b2', `junk ${i}`), 201);
    const refused = await report('resident1', 'b2', 'one more');
    expect(refused.status, JSON.stringify(refused.json)).toBe(429);
    expect(refused.json.code).toBe('REPAIRS_LIMIT_REACHED');
    // other residents and staff are not held back by one resident's flood
    ok(await report('resident2', 'b2', 'a real one'), 201);
    ok(await report('li.staff', 'b2', 'staff report'), 201);
    const board = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board'));
    expect(board.requests.map((r: { request: string }) => r.request)).toContain(real.request);
    // once one of the resident's reports is closed, they may report again
    const mine = ok(await call(s, 'resident1', 'GET', '/v1/repairs/mine')).reported as { request: string }[];
    ok(await call(s, 'resident1', 'POST', `/v1/repairs/${mine[0]!.request}/cancel`));
    ok(await report('resident1', 'b2', 'after a cancel'), 201);
  });

  it('parallel reports cannot pass the limit together', async () => {
    const answers = await Promise.all(Array.from({ length: 3 * REPAIRS_OPEN_REPORTS_PER_USER_MAX }, (_, i) => report('resident3', 'b1', `parallel ${i}`)));
    expect(answers.filter((a) => a.status === 201).length).toBeLessThanOrEqual(REPAIRS_OPEN_REPORTS_PER_USER_MAX);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 201 || a.status === 429)).toBe(true);
  });

  it('1,100 requests signed straight onto the ledger at one building (no API, no notes here) do not push a real one off the board or the jobs', async () => {
    const real = ok(await call(s, 'resident2', 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'common', building: 'b3' }, description: 'the real one' }), 201);
    ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${real.request}/assign`, { worker: 'wang.worker' }));
    const junk = Array.from({ length: 1100 }, (_, i) => signTx({
      chainId: s.node.genesis.chainId, type: 'repair.create', signer: s.signer.publicKey, nonce: randomBytes(16).toString('hex'), time: s.node.clock(),
      payload: { request: `rq_${String(i).padStart(4, '0')}${'0'.repeat(28)}`, category: 'lighting', priority: 'normal', location: { kind: 'common', building: 'b3' }, descriptionHash: '0'.repeat(64), photoHashes: [], reporter: 'f'.repeat(32) },
    }, s.signer.sign));
    const outcomes = await s.node.submit(junk);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await s.node.waitCommitted(outcomes.at(-1)!.hash, 30_000);
    const board = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b3')).requests as { request: string }[];
    expect(board.map((r) => r.request)).toContain(real.request);
    expect(board.length).toBeLessThan(20);
    const jobs = ok(await call(s, 'wang.worker', 'GET', '/v1/repairs/jobs'));
    expect(JSON.stringify(jobs)).toContain(real.request);
  });
});
