/**
 * Community events on a real consortium: four `machi start --demo` processes (street office, property company, power
 * company, auditor) from one `machi genesis --hosted police,urban-management,…`: the departments that run no validator
 * are members without voting power whose keys the street office's node holds. Driven over HTTP as the people would:
 * a grid worker reports, the command centre triages and dispatches to police and urban management, both acknowledge,
 * accept and handle (signed on the street office's node with their own keys), the command centre checks and closes.
 * Every step's proof bundle, fetched from another organisation's node, verifies with the genesis alone and names its
 * department as the signer. A major event (a fire) reaches every responsible department at once — the hosted ones and
 * the property and power companies on their own nodes — and a department that does not acknowledge within the
 * catalogue's 5 minutes is escalated by the command centre's node: all nodes are restarted with their clocks 6 minutes
 * ahead (MACHI_CLOCK_OFFSET_MS), as the one-node tests move theirs. docs/spec/events.md
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEventStep, type EventStep, type Genesis } from '@machi/core';
import { startConsortium, type Answer, type CallOptions, type Consortium } from '../support/consortium.js';

const HOSTED = ['police', 'urban-management', 'comprehensive-management', 'judiciary', 'civil-affairs'];
const MINUTE_MS = 60_000;

let c: Consortium;
let genesis: Genesis;
const env = { offsetMs: 0 };

const call = (org: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> => c.call(org, method, path, opts);
/** A user of `org` acting on `at`'s node (hosted departments act on the street office's). */
async function as(org: string, username: string, method: string, path: string, body?: unknown, at = HOSTED.includes(org) ? 'street-office' : org): Promise<Answer> {
  const token = await c.login(org, username);
  return call(at, method, path, { token, ...(body === undefined ? {} : { body }) });
}
function ok(r: Answer, status = 200): any {
  expect(r.status, r.text).toBe(status);
  return r.json;
}

/** Every step's proof verifies with the genesis; the signers, in order. */
function signers(event: string, steps: any[]): string[] {
  return steps.map((st) => {
    const { proof, index: _i, actorUsername: _u, ...step } = st;
    const v = verifyEventStep(event, step as EventStep, proof, genesis);
    expect(v, JSON.stringify(v)).toMatchObject({ ok: true });
    return (v as { signer: string }).signer;
  });
}

beforeAll(async () => {
  c = await startConsortium({
    demo: true, name: 'events-e2e', hosted: HOSTED,
    // the escalation job every 2 s instead of 30: the escalation below follows the restart without a 30 s wait
    env: () => ({ MACHI_CLOCK_OFFSET_MS: String(env.offsetMs), MACHI_EVENTS_ESCALATION_MS: '2000' }),
    ready: { 'street-office': /demo data ready/, 'property-company': /demo data ready/ },
  });
  genesis = c.genesis;
}, 180_000);
afterAll(async () => c?.stop());

describe('community events on a consortium of processes', () => {
  it('makes the departments that run no validator power-0 members hosted on the street office', () => {
    for (const org of HOSTED) expect(genesis.orgs.find((o) => o.id === org)).toMatchObject({ power: 0 });
    expect(genesis.orgs.filter((o) => o.power > 0).map((o) => o.id)).toEqual(['street-office', 'property-company', 'power-company', 'auditor']);
  });

  it('seeds a living community on the street office: grids with coverage, events in every open state, each department on the record', async () => {
    const board = ok(await as('street-office', 'lin.centre', 'GET', '/v1/events/board?limit=100'));
    expect(new Set(board.events.map((e: any) => e.status))).toEqual(new Set(['reported', 'filed', 'dispatched', 'handled']));
    expect(board.events.some((e: any) => e.major && e.category === 'fire')).toBe(true);
    const { grids } = ok(await as('street-office', 'ma.grid', 'GET', '/v1/events/grids/mine'));
    expect(grids.map((g: any) => g.grid)).toEqual(['grid-1']);
    expect(grids[0].mine.householdsVisited).toBeGreaterThan(0);
    const { departments } = ok(await as('property-company', 'resident1', 'GET', '/v1/events/departments'));
    const urban = departments.find((d: any) => d.org === 'urban-management');
    expect(urban).toMatchObject({ validator: false });
    expect(urban.handled).toBeGreaterThan(0);
    expect(urban.flagsReceived).toBe(1);
    expect(urban.sentBack).toBeGreaterThan(0);
    expect(departments.find((d: any) => d.org === 'police').flagsRaised).toBe(1);
    // three months of finished events imported from the previous system: counted apart, some late, some sent back
    expect(urban.imported.assigned).toBeGreaterThan(10);
    expect(urban.imported.handled - urban.imported.handledOnTime).toBeGreaterThan(0);
    expect(urban.imported.sentBack).toBeGreaterThan(0);
    const mine = ok(await as('street-office', 'ma.grid', 'GET', '/v1/events/mine?limit=100'));
    const imported = mine.reported.filter((e: any) => e.imported === true);
    expect(imported.length).toBeGreaterThan(5);
    expect(imported.every((e: any) => e.status === 'closed' && e.reportedAt < Date.now() - 24 * 60 * 60 * 1000)).toBe(true);
    expect(Math.min(...imported.map((e: any) => e.reportedAt))).toBeLessThan(Date.now() - 80 * 24 * 60 * 60 * 1000);
  });

  it('seeds the standard address register on the street office; the grids are built from it and the property company serves its buildings', async () => {
    const { addresses } = ok(await as('property-company', 'resident1', 'GET', '/v1/addresses?kind=building'));
    expect(addresses.map((a: any) => [a.code, a.name, a.org])).toEqual(['1', '2', '3', '4', '5', '6'].map((n) => [`b${n}`, `${n}号楼`, 'street-office']));
    const { buildings } = ok(await as('property-company', 'resident1', 'GET', '/v1/repairs/categories'));
    expect(buildings.map((b: any) => b.code)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
    const { grids } = ok(await as('street-office', 'zhou.official', 'GET', '/v1/events/grids'));
    expect(grids.map((g: any) => [g.grid, g.households, g.workerNames])).toEqual([['grid-1', 370, ['ma.grid']], ['grid-2', 440, ['yang.grid']]]);
  });

  it('a grid worker reports, the command centre dispatches to police and urban management, both handle, the centre closes; every step verifies, signed by its department', async () => {
    const description = `3号楼消防通道被杂物堵塞 ${randomBytes(4).toString('hex')}`;
    const { event } = ok(await as('street-office', 'ma.grid', 'POST', '/v1/events', {
      category: 'safety-hazard', severity: 'serious', grid: 'grid-1', location: { kind: 'building', code: 'b3' }, description,
    }), 201);
    ok(await as('street-office', 'lin.centre', 'POST', `/v1/events/${event}/triage`, { decision: 'accept' }));
    ok(await as('street-office', 'lin.centre', 'POST', `/v1/events/${event}/dispatch`, { departments: [{ org: 'police', deadlineMinutes: 120 }, { org: 'urban-management', deadlineMinutes: 240 }] }));
    // a department not assigned is refused, and nothing is recorded
    expect((await as('comprehensive-management', 'deng.zongzhi', 'POST', `/v1/events/${event}/accept`)).status).toBe(403);
    for (const [org, user] of [['police', 'xu.police'], ['urban-management', 'guo.urban']] as const) {
      const inbox = ok(await as(org, user, 'GET', '/v1/events/inbox'));
      expect(inbox.events.map((e: any) => e.event)).toContain(event);
      ok(await as(org, user, 'POST', `/v1/events/${event}/acknowledge`));
      ok(await as(org, user, 'POST', `/v1/events/${event}/accept`));
      ok(await as(org, user, 'POST', `/v1/events/${event}/handle`, { result: 'resolved' }));
    }
    expect(ok(await as('street-office', 'lin.centre', 'POST', `/v1/events/${event}/close`, { check: 'verified-resolved' }))).toMatchObject({ status: 'closed' });

    // read from another organisation's node: the same steps, each proof verifying with the genesis alone
    await c.until('the property company to see the event closed', async () => (await as('property-company', 'li.staff', 'GET', `/v1/events/${event}`)).json?.status === 'closed');
    const t = ok(await as('property-company', 'li.staff', 'GET', `/v1/events/${event}/timeline`));
    expect(t.steps.map((s: any) => `${s.action}:${s.org}`)).toEqual([
      'report:street-office', 'triage:street-office', 'dispatch:street-office',
      'acknowledge:police', 'accept:police', 'handle:police',
      'acknowledge:urban-management', 'accept:urban-management', 'handle:urban-management',
      'close:street-office',
    ]);
    expect(signers(event, t.steps)).toEqual(t.steps.map((s: any) => s.org));
    const keyOf = (org: string) => genesis.orgs.find((o) => o.id === org)!.publicKey;
    for (const s of t.steps) expect(s.proof.tx.signer).toBe(keyOf(s.org));
    // the description stayed on the street office's node
    const there = ok(await as('property-company', 'li.staff', 'GET', `/v1/events/${event}`));
    expect(there.description).toBeUndefined();
    expect(ok(await as('street-office', 'lin.centre', 'GET', `/v1/events/${event}`)).description).toBe(description);
  });

  it('a major event reaches every responsible department at once; one that misses its acknowledgement is escalated by the command centre', async () => {
    const { event } = ok(await as('street-office', 'yang.grid', 'POST', '/v1/events', {
      category: 'gas-leak', severity: 'serious', grid: 'grid-2', location: { kind: 'building', code: 'b5' }, description: '5号楼2单元闻到煤气味',
    }), 201);
    // gas leak: utilities (the power company here), police, property, comprehensive management
    const fanned = ['power-company', 'police', 'property-company', 'comprehensive-management'];
    const view = ok(await as('street-office', 'lin.centre', 'GET', `/v1/events/${event}`));
    expect(view).toMatchObject({ major: true, status: 'dispatched' });
    expect(view.parts.map((p: any) => p.org)).toEqual(fanned);
    // each department finds it in its inbox, on the node that signs for it
    const staff: Record<string, [string, string]> = {
      police: ['police', 'xu.police'], 'comprehensive-management': ['comprehensive-management', 'deng.zongzhi'],
      'property-company': ['property-company', 'li.staff'], 'power-company': ['power-company', 'wu.utility'],
    };
    for (const org of fanned) {
      const [o, user] = staff[org]!;
      await c.until(`${org} to see the event in its inbox`, async () => ((await as(o, user, 'GET', '/v1/events/inbox')).json?.events ?? []).some((e: any) => e.event === event));
    }
    // all acknowledge but the power company; the property company signs on its own node with its own key
    for (const org of ['police', 'comprehensive-management', 'property-company']) {
      const [o, user] = staff[org]!;
      ok(await as(o, user, 'POST', `/v1/events/${event}/acknowledge`));
    }
    // six minutes later (every node's clock moved, as the one-node tests move theirs)
    env.offsetMs = 6 * MINUTE_MS;
    // all four stopped, then all four started together (each start resolves once its API listens)
    await Promise.all(c.nodes.map((n) => c.kill(n.org, 'SIGTERM')));
    await Promise.all(c.nodes.map((n) => c.start(n.org)));
    await c.until('the command centre to escalate the power company', async () => {
      const t = await as('street-office', 'lin.centre', 'GET', `/v1/events/${event}/timeline`);
      return (t.json?.steps ?? []).some((s: any) => s.action === 'escalate');
    }, 90_000, 500);
    // visible to all: read on the auditor's node
    await c.until('the auditor to see the escalation', async () => ((await as('auditor', 'he.audit', 'GET', `/v1/events/${event}/timeline`)).json?.steps ?? []).some((s: any) => s.action === 'escalate'));
    const t = ok(await as('auditor', 'he.audit', 'GET', `/v1/events/${event}/timeline`));
    const escalations = t.steps.filter((s: any) => s.action === 'escalate');
    expect(escalations.map((s: any) => [s.to, s.level, s.org])).toEqual([['power-company', 1, 'street-office']]);
    expect(signers(event, t.steps)).toEqual(t.steps.map((s: any) => s.org));
    expect(t.steps.filter((s: any) => s.action === 'acknowledge').map((s: any) => s.org)).toEqual(['police', 'comprehensive-management', 'property-company']);
    expect(t.parts.find((p: any) => p.org === 'power-company')).toMatchObject({ ackMissed: true, escalation: 1 });
    const rec = ok(await as('auditor', 'he.audit', 'GET', '/v1/events/departments/power-company/record'));
    expect(rec.acknowledgementsMissed).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
