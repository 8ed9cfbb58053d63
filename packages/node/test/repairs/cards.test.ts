/**
 * Worker cards: what the worker's organisation shows residents about a worker on their job (the display name unless
 * turned off, a work phone only when set and turned on). GET/PUT /v1/repairs/workers/:username/card for dispatchers
 * and staff; `workerCard` in a request's view; sealed in private.db. docs/spec/repairs.md#worker-cards
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STAFF_CARD } from '../../src/modules/repairs/store.js';
import { call, ok, ORG, PASSWORD, repairsServer, type Answer, type RepairsServer } from './helpers.js';

let s: RepairsServer;

/** Workers made for these tests, each with a display name unlike its user name (user name → display name). */
const WORKERS: Record<string, string> = {
  'liu.worker': '刘师傅 Liu',
  'ma.worker': '马师傅 Ma',
  'he.worker': '何师傅 He',
  'qin.worker': '秦师傅 Qin',
  'xu.worker': '徐师傅 Xu',
};

beforeAll(async () => {
  s = await repairsServer();
  for (const [username, displayName] of Object.entries(WORKERS)) {
    await s.accounts.createUser({ org: ORG, username, role: 'maintenance-worker', displayName, password: PASSWORD });
  }
});
afterAll(async () => s?.close());

async function put(user: string | undefined, username: string, body: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user !== undefined) headers.authorization = `Bearer ${s.tokens.get(user)!}`;
  const r = await s.app.inject({ method: 'PUT', url: `/v1/repairs/workers/${encodeURIComponent(username)}/card`, headers, payload: body as object });
  return { status: r.statusCode, json: r.body === '' ? undefined : r.json() };
}
const getCard = (user: string | undefined, username: string): Promise<Answer> => call(s, user, 'GET', `/v1/repairs/workers/${encodeURIComponent(username)}/card`);

/**
 * A card as name/phone sharing: its phone and share.name / share.phone. (A card may carry more, e.g. a photo this file
 * does not set; anything else it carries must then be off.)
 */
function namePhone(card: any): unknown {
  expect(card).toBeTypeOf('object');
  for (const [k, v] of Object.entries(card.share ?? {})) if (k !== 'name' && k !== 'phone') expect(v, `share.${k}`).toBe(false);
  for (const k of Object.keys(card)) expect(['phone', 'share', 'photo'], `card field ${k}`).toContain(k);
  expect(card.photo).toBeUndefined();
  return { ...(card.phone === undefined ? {} : { phone: card.phone }), share: { name: card.share.name, phone: card.share.phone } };
}

/** A unique work phone (digits only after the prefix, so it matches the route's pattern). */
const phone = (): string => `+86 571 ${String(Math.floor(1e7 + Math.random() * 9e7))}`;

/** A request of resident1 assigned to `worker`; returns its id. */
async function assignedTo(worker: string): Promise<string> {
  const created = ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'burst-pipe', location: { kind: 'home', building: 'b9' }, description: `leak for ${worker}`, unit: '3-101' }), 201);
  const id = created.request as string;
  expect(ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${id}/assign`, { worker })).status).toBe('assigned');
  return id;
}

const residentView = async (id: string, user = 'resident1'): Promise<any> => ok(await call(s, user, 'GET', `/v1/repairs/${id}`));

describe('the card routes', () => {
  it('a worker whose card was never set: the default, name shared, no phone', async () => {
    for (const user of ['chen.dispatch', 'li.staff']) {
      expect(namePhone(ok(await getCard(user, 'liu.worker')))).toEqual({ share: { name: true, phone: false } });
    }
    expect(namePhone(DEFAULT_STAFF_CARD)).toEqual({ share: { name: true, phone: false } });
  });

  it('PUT by a dispatcher sets a phone and what is shared; GET returns it; staff may change it again', async () => {
    const p = phone();
    const card = { phone: p, share: { name: true, phone: true } };
    expect(namePhone(ok(await put('chen.dispatch', 'ma.worker', card)))).toEqual(card);
    expect(namePhone(ok(await getCard('chen.dispatch', 'ma.worker')))).toEqual(card);
    expect(namePhone(ok(await getCard('li.staff', 'ma.worker')))).toEqual(card);
    // staff turn the phone off; it is kept, not shared
    const off = { phone: p, share: { name: true, phone: false } };
    expect(namePhone(ok(await put('li.staff', 'ma.worker', off)))).toEqual(off);
    expect(namePhone(ok(await getCard('chen.dispatch', 'ma.worker')))).toEqual(off);
    // a card without a phone replaces one with a phone: the phone is gone
    const none = { share: { name: false, phone: false } };
    expect(namePhone(ok(await put('chen.dispatch', 'ma.worker', none)))).toEqual(none);
    expect(namePhone(ok(await getCard('chen.dispatch', 'ma.worker')))).toEqual(none);
    // one worker's card is not another's
    expect(namePhone(ok(await getCard('chen.dispatch', 'liu.worker')))).toEqual({ share: { name: true, phone: false } });
  });

  it('residents, workers and other roles may not read or set cards: 403; no token: 401', async () => {
    const body = { phone: phone(), share: { name: true, phone: true } };
    for (const user of ['resident1', 'wang.worker', 'he.worker', 'sun.line']) {
      if (!s.tokens.has(user)) continue;
      const g = await getCard(user, 'he.worker');
      expect([user, g.status], JSON.stringify(g.json)).toEqual([user, 403]);
      const p = await put(user, 'he.worker', body);
      expect([user, p.status], JSON.stringify(p.json)).toEqual([user, 403]);
    }
    // the worker may not set their own card either (not in s.tokens: log in as he.worker)
    const login = await s.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: ORG, username: 'he.worker', password: PASSWORD } });
    const token = login.json().token as string;
    const own = await s.app.inject({ method: 'PUT', url: '/v1/repairs/workers/he.worker/card', headers: { authorization: `Bearer ${token}` }, payload: body });
    expect(own.statusCode).toBe(403);
    expect((await getCard(undefined, 'he.worker')).status).toBe(401);
    expect((await put(undefined, 'he.worker', body)).status).toBe(401);
    // nothing was stored
    expect(namePhone(ok(await getCard('chen.dispatch', 'he.worker')))).toEqual({ share: { name: true, phone: false } });
    expect(s.repairStore.staffCard('he.worker')).toBe(DEFAULT_STAFF_CARD);
  });

  it('an unknown user, or a user who is not a maintenance worker: 404, and nothing stored', async () => {
    const body = { phone: phone(), share: { name: true, phone: true } };
    for (const username of ['nobody', 'chen.dispatch', 'li.staff', 'resident1', 'sun.line', 'WANG.WORKER']) {
      const g = await getCard('chen.dispatch', username);
      expect([username, g.status, g.json?.code]).toEqual([username, 404, 'NOT_FOUND']);
      const p = await put('chen.dispatch', username, body);
      expect([username, p.status, p.json?.code]).toEqual([username, 404, 'NOT_FOUND']);
      expect(s.repairStore.staffCard(username)).toBe(DEFAULT_STAFF_CARD);
    }
  });

  it('a bad phone or a malformed card: 400 REQUEST_INVALID, and the card is unchanged', async () => {
    const before = { phone: phone(), share: { name: true, phone: true } };
    ok(await put('chen.dispatch', 'qin.worker', before));
    const bad: [string, unknown][] = [
      ['letters', { phone: 'call me', share: { name: true, phone: true } }],
      ['too short', { phone: '12', share: { name: true, phone: true } }],
      ['too long', { phone: '1'.repeat(33), share: { name: true, phone: true } }],
      ['empty', { phone: '', share: { name: true, phone: true } }],
      ['markup', { phone: '+86 <script>', share: { name: true, phone: true } }],
      ['a newline', { phone: '123\n456', share: { name: true, phone: true } }],
      ['starts with a space', { phone: ' 12345', share: { name: true, phone: true } }],
      ['an email', { phone: 'qin@example.com', share: { name: true, phone: true } }],
      ['no share', { phone: '12345' }],
      ['share without phone', { phone: '12345', share: { name: true } }],
      ['share.name not a boolean', { share: { name: 'yes', phone: false } }],
      ['not an object', [1, 2]],
    ];
    for (const [what, body] of bad) {
      const r = await put('chen.dispatch', 'qin.worker', body);
      expect([what, r.status, r.json?.code], JSON.stringify(r.json)).toEqual([what, 400, 'REQUEST_INVALID']);
    }
    expect(namePhone(ok(await getCard('chen.dispatch', 'qin.worker')))).toEqual(before);
    // unknown fields are not kept (the server's schema drops them): nothing but the card is stored or shown
    const extra = ok(await put('chen.dispatch', 'qin.worker', { ...before, email: 'qin@example.com', share: { ...before.share, address: true } }));
    expect(JSON.stringify(extra)).not.toContain('qin@example.com');
    expect(JSON.stringify(s.repairStore.staffCard('qin.worker'))).not.toMatch(/email|address/);
    // the formats a work phone comes in are taken
    for (const good of ['0571-8765-4321', '+86 (571) 8765 4321', '110']) {
      expect(ok(await put('chen.dispatch', 'qin.worker', { phone: good, share: { name: true, phone: true } })).phone).toBe(good);
    }
  });
});

describe('workerCard in a request\'s view', () => {
  it('by default: the worker\'s display name only', async () => {
    const id = await assignedTo('liu.worker');
    const v = await residentView(id);
    expect(v.workerCard).toEqual({ name: WORKERS['liu.worker'] });
  });

  it('name and phone when both are shared; exactly what is shared as the card changes', async () => {
    const p = phone();
    ok(await put('chen.dispatch', 'xu.worker', { phone: p, share: { name: true, phone: true } }));
    const id = await assignedTo('xu.worker');
    expect((await residentView(id)).workerCard).toEqual({ name: WORKERS['xu.worker'], phone: p });

    // phone kept but not shared: the name only, the phone nowhere in the view
    ok(await put('chen.dispatch', 'xu.worker', { phone: p, share: { name: true, phone: false } }));
    let v = await residentView(id);
    expect(v.workerCard).toEqual({ name: WORKERS['xu.worker'] });
    expect(JSON.stringify(v)).not.toContain(p);

    // the phone only
    ok(await put('chen.dispatch', 'xu.worker', { phone: p, share: { name: false, phone: true } }));
    v = await residentView(id);
    expect(v.workerCard).toEqual({ phone: p });
    expect(JSON.stringify(v)).not.toContain(WORKERS['xu.worker']);

    // nothing: neither the name nor the phone anywhere in the view
    ok(await put('chen.dispatch', 'xu.worker', { phone: p, share: { name: false, phone: false } }));
    v = await residentView(id);
    expect(v.workerCard ?? {}).toEqual({});
    expect(JSON.stringify(v)).not.toContain(p);
    expect(JSON.stringify(v)).not.toContain(WORKERS['xu.worker']);

    // a shared phone that was never set: no phone
    ok(await put('chen.dispatch', 'xu.worker', { share: { name: true, phone: true } }));
    expect((await residentView(id)).workerCard).toEqual({ name: WORKERS['xu.worker'] });
  });

  it('the same card in every view that shows the request to those it is for: the board, the worker\'s jobs, mine; not to another resident', async () => {
    const p = phone();
    ok(await put('li.staff', 'ma.worker', { phone: p, share: { name: true, phone: true } }));
    const id = await assignedTo('ma.worker');
    const card = { name: WORKERS['ma.worker'], phone: p };
    // a resident who neither reported nor follows the request does not see who is coming (nor their phone)
    expect((await residentView(id, 'resident2')).workerCard).toBeUndefined();
    // once they follow it, they do
    ok(await call(s, 'resident2', 'POST', `/v1/repairs/${id}/follow`));
    expect((await residentView(id, 'resident2')).workerCard).toEqual(card);
    const board = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/board?building=b9')).requests as any[];
    expect(board.find((r) => r.request === id)?.workerCard).toEqual(card);
    const mine = ok(await call(s, 'resident1', 'GET', '/v1/repairs/mine')).reported as any[];
    expect(mine.find((r) => r.request === id)?.workerCard).toEqual(card);
    const login = await s.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: ORG, username: 'ma.worker', password: PASSWORD } });
    const jobs = await s.app.inject({ method: 'GET', url: '/v1/repairs/jobs', headers: { authorization: `Bearer ${login.json().token as string}` } });
    expect((jobs.json().jobs as any[]).find((r) => r.request === id)?.workerCard).toEqual(card);
  });

  it('a request not yet assigned has no card; a reassignment shows the new worker\'s', async () => {
    const created = ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'lift', location: { kind: 'common', building: 'b9' }, description: 'lift stuck' }), 201);
    const id = created.request as string;
    expect((await residentView(id)).workerCard).toBeUndefined();
    ok(await put('chen.dispatch', 'liu.worker', { share: { name: true, phone: false } }));
    const p = phone();
    ok(await put('chen.dispatch', 'qin.worker', { phone: p, share: { name: true, phone: true } }));
    ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${id}/assign`, { worker: 'liu.worker' }));
    expect((await residentView(id)).workerCard).toEqual({ name: WORKERS['liu.worker'] });
    ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${id}/assign`, { worker: 'qin.worker' }));
    expect((await residentView(id)).workerCard).toEqual({ name: WORKERS['qin.worker'], phone: p });
  });
});

describe('the card in the private store', () => {
  it('is sealed: the phone is not in clear in private.db (nor its WAL); it reads back through the store', async () => {
    const p = `+86 ${randomBytes(5).readUIntBE(0, 5) % 10_000_000_000}`.padEnd(15, '7');
    ok(await put('chen.dispatch', 'he.worker', { phone: p, share: { name: true, phone: true } }));
    const db = join(s.dir, 'private.db');
    const bytes = Buffer.concat([readFileSync(db), existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : Buffer.alloc(0)]);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(p, 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from(JSON.stringify(p), 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from('"share"', 'utf8'))).toBe(false); // the card's JSON is not stored as text either
    expect(namePhone(s.repairStore.staffCard('he.worker'))).toEqual({ phone: p, share: { name: true, phone: true } });
  });

  it('each row is bound to its worker: a sealed card copied onto another worker does not open', async () => {
    ok(await put('chen.dispatch', 'liu.worker', { phone: phone(), share: { name: true, phone: true } }));
    ok(await put('chen.dispatch', 'xu.worker', { share: { name: false, phone: false } }));
    const raw = new Database(join(s.dir, 'private.db'));
    try {
      raw.pragma('busy_timeout = 5000');
      const row = raw.prepare('SELECT nonce, sealed FROM staff_cards WHERE username = ?').get('liu.worker') as { nonce: Buffer; sealed: Buffer };
      expect(row.sealed.includes(Buffer.from('share'))).toBe(false);
      raw.prepare('UPDATE staff_cards SET nonce = ?, sealed = ? WHERE username = ?').run(row.nonce, row.sealed, 'xu.worker');
    } finally {
      raw.close();
    }
    expect(() => s.repairStore.staffCard('xu.worker')).toThrow();
    // and liu's own still opens
    expect(namePhone(s.repairStore.staffCard('liu.worker'))).toMatchObject({ share: { name: true, phone: true } });
  });
});
