/**
 * Service levels per organisation through the API on a one-node chain: GET /v1/repairs/sla (the effective table,
 * configured vs default), PUT /v1/repairs/sla/:category (`repair.configure_sla` on the ledger, answered after its
 * commit), the setting used by new reports and reopens, the public catalogue and Open311 services showing it, the
 * escalation job counting periods of it, and every refusal writing nothing. docs/spec/repairs.md#categories-and-service-levels
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_CODES, slaKey } from '@machi/core';
import { escalationLevelDue } from '../../src/modules/repairs/service.js';
import { call, ledgerBodies, ok, repairsServer, type Answer, type RepairsServer } from './helpers.js';

const HOUR_MS = 3_600_000;
let s: RepairsServer;

beforeAll(async () => {
  s = await repairsServer();
});
afterAll(async () => s?.close());

async function put(user: string | undefined, category: string, body: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Bearer ${s.tokens.get(user)!}`;
  const r = await s.app.inject({ method: 'PUT', url: `/v1/repairs/sla/${category}`, headers, payload: body as object });
  return { status: r.statusCode, json: r.body === '' ? undefined : r.json() };
}

const entry = (table: { category: string }[], category: string): any => table.find((e) => e.category === category);

async function report(category: string, building: string): Promise<string> {
  return ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category, location: { kind: 'common', building }, description: `${category} at ${building}` }), 201).request as string;
}

const act = (user: string, id: string, action: string, body?: unknown) => call(s, user, 'POST', `/v1/repairs/${id}/${action}`, body);

describe('GET /v1/repairs/sla', () => {
  it('every category at the catalogue default until set, for dispatchers and staff only', async () => {
    const t = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/sla'));
    expect(t.org).toBe('property-company');
    expect(t.categories.map((e: { category: string }) => e.category)).toEqual(CATEGORY_CODES);
    for (const e of t.categories) {
      const c = CATEGORIES[e.category as keyof typeof CATEGORIES];
      expect(e).toEqual({ category: e.category, name: c.name, defaultPriority: c.defaultPriority, slaHours: c.slaHours, defaultSlaHours: c.slaHours, configured: false });
    }
    expect(ok(await call(s, 'li.staff', 'GET', '/v1/repairs/sla')).categories).toEqual(t.categories);
    for (const user of ['resident1', 'wang.worker', 'sun.line']) expect((await call(s, user, 'GET', '/v1/repairs/sla')).status, user).toBe(403);
    expect((await call(s, undefined, 'GET', '/v1/repairs/sla')).status).toBe(401);
  });
});

describe('PUT /v1/repairs/sla/:category', () => {
  it('records repair.configure_sla, answers after the commit, and the table, the catalogue and Open311 show it', async () => {
    const before = s.store.logSize();
    const r = ok(await put('chen.dispatch', 'burst-pipe', { urgentHours: 1, normalHours: 8 }));
    expect(r).toMatchObject({
      category: 'burst-pipe', slaHours: { urgent: 1, normal: 8 }, defaultSlaHours: { urgent: 2, normal: 24 }, configured: true,
      by: s.principals.get('chen.dispatch')!.actor, byUsername: 'chen.dispatch',
      txHash: expect.stringMatching(/^[0-9a-f]{64}$/), height: expect.any(Number),
    });
    expect(s.store.logSize()).toBe(before + 1);
    const tx = JSON.parse(ledgerBodies(s).at(-1)!);
    expect(tx).toMatchObject({ type: 'repair.configure_sla', payload: { category: 'burst-pipe', urgentHours: 1, normalHours: 8, by: s.principals.get('chen.dispatch')!.actor } });
    expect(JSON.parse(s.store.read(slaKey('property-company', 'burst-pipe'))!)).toMatchObject({ urgentHours: 1, normalHours: 8, txHash: r.txHash });

    const t = ok(await call(s, 'li.staff', 'GET', '/v1/repairs/sla')).categories;
    expect(entry(t, 'burst-pipe')).toMatchObject({ slaHours: { urgent: 1, normal: 8 }, configured: true, txHash: r.txHash, at: expect.any(Number), byUsername: 'chen.dispatch' });
    expect(t.filter((e: { configured: boolean }) => e.configured).map((e: { category: string }) => e.category)).toEqual(['burst-pipe']);

    // public, no token: this node's organisation's table
    const cats = ok(await call(s, undefined, 'GET', '/v1/repairs/categories')).categories;
    expect(entry(cats.map((c: { code: string }) => ({ ...c, category: c.code })), 'burst-pipe')).toMatchObject({ slaHours: { urgent: 1, normal: 8 }, defaultSlaHours: { urgent: 2, normal: 24 }, slaConfigured: true });
    expect(cats.find((c: { code: string }) => c.code === 'lift')).toMatchObject({ slaHours: { urgent: 2, normal: 24 }, slaConfigured: false });
    const services = ok(await call(s, undefined, 'GET', '/open311/v2/services.json'));
    expect(services.find((x: { service_code: string }) => x.service_code === 'burst-pipe').description).toMatch(/within 1 h \(urgent\) or 8 h \(normal\)/);

    // a property-staff member may too; a second setting replaces the first
    expect(ok(await put('li.staff', 'burst-pipe', { urgentHours: 1, normalHours: 12 }))).toMatchObject({ slaHours: { urgent: 1, normal: 12 }, byUsername: 'li.staff' });
  });

  it('new reports are due by the setting; requests already open keep their due time; reopens take the setting then', async () => {
    ok(await put('chen.dispatch', 'drainage', { urgentHours: 3, normalHours: 6 }));
    const old = await report('drainage', 'b2');
    const oldDue = s.service.record(old)!.slaDueAt;
    expect(oldDue - s.service.record(old)!.createdAt).toBe(6 * HOUR_MS); // drainage: normal by default

    ok(await put('chen.dispatch', 'drainage', { urgentHours: 2, normalHours: 10 }));
    expect(s.service.record(old)!.slaDueAt).toBe(oldDue);
    const fresh = await report('drainage', 'b2');
    expect(s.service.record(fresh)!.slaDueAt - s.service.record(fresh)!.createdAt).toBe(10 * HOUR_MS);
    const urgent = ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'drainage', priority: 'urgent', location: { kind: 'common', building: 'b2' }, description: 'urgent drain' }), 201).request as string;
    expect(s.service.record(urgent)!.slaDueAt - s.service.record(urgent)!.createdAt).toBe(2 * HOUR_MS);
    // the view shows the ledger's due time
    expect(ok(await call(s, 'resident1', 'GET', `/v1/repairs/${old}`)).slaDueAt).toBe(oldDue);

    // the old request, done then reopened, gets the setting as it is at the reopen
    ok(await act('chen.dispatch', old, 'assign', { worker: 'wang.worker' }));
    for (const a of ['accept', 'arrive']) ok(await act('wang.worker', old, a));
    ok(await act('wang.worker', old, 'diagnose', { cause: 'blockage', parts: [] }));
    ok(await act('wang.worker', old, 'start'));
    ok(await act('wang.worker', old, 'finish'));
    ok(await act('resident1', old, 'reopen', { reason: 'blocked again' }));
    const reopened = s.service.record(old)!;
    expect(reopened.slaDueAt - reopened.steps.at(-1)!.at).toBe(10 * HOUR_MS);
  });

  it('the escalation job counts periods of the SLA the request was given', async () => {
    ok(await put('chen.dispatch', 'lift', { urgentHours: 1, normalHours: 24 }));
    const id = await report('lift', 'b5'); // urgent by default: due in 1 h
    const mine = async () => (await s.service.escalateOverdue()).filter((e) => e.request === id);
    expect(await mine()).toEqual([]);
    s.clock.offsetMs += HOUR_MS + 60_000;
    expect((await mine()).length).toBe(1);
    // a later setting changes neither the due time nor the period
    ok(await put('chen.dispatch', 'lift', { urgentHours: 5, normalHours: 24 }));
    s.clock.offsetMs += HOUR_MS; // one more 1 h period (2 h with the catalogue's, 5 h with the new setting)
    expect(escalationLevelDue(s.service.record(id)!, s.node.clock())).toBe(2);
    expect((await mine()).length).toBe(1);
    expect(s.service.record(id)!.escalation?.level).toBe(2);
  });

  it('refusals write nothing: roles, bounds, urgent > normal, unknown category', async () => {
    const before = { logSize: s.store.logSize(), mempool: s.node.mempoolSize };
    const table = JSON.stringify(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/sla')));
    for (const user of ['resident1', 'wang.worker', 'sun.line']) {
      const r = await put(user, 'heating', { urgentHours: 1, normalHours: 2 });
      expect(r.status, user).toBe(403);
    }
    expect((await put(undefined, 'heating', { urgentHours: 1, normalHours: 2 })).status).toBe(401);
    for (const body of [
      { urgentHours: 0, normalHours: 2 },
      { urgentHours: 1, normalHours: 721 },
      { urgentHours: 1.5, normalHours: 2 },
      { urgentHours: 1 },
      { urgentHours: 'one', normalHours: 2 },
    ]) {
      const r = await put('chen.dispatch', 'heating', body);
      expect([r.status, r.json.code], JSON.stringify(body)).toEqual([400, 'REQUEST_INVALID']);
    }
    const inverted = await put('chen.dispatch', 'heating', { urgentHours: 9, normalHours: 8 });
    expect([inverted.status, inverted.json.code]).toEqual([400, 'REQUEST_INVALID']);
    expect(inverted.json.message).toMatch(/urgent/);
    expect((await put('chen.dispatch', 'plumbing', { urgentHours: 1, normalHours: 2 })).status).toBe(400);
    expect({ logSize: s.store.logSize(), mempool: s.node.mempoolSize }).toEqual(before);
    expect(JSON.stringify(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/sla')))).toBe(table);
  });
});
