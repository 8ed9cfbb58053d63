/**
 * A worker's photo on the worker card: set with PUT /v1/repairs/workers/:username/card (`photo`, `share.photo`) from
 * an upload of the caller's, kept as the card's own copy; shown as `workerCard.photo: true` in a request's view and
 * served at GET /v1/repairs/:request/worker-photo only while the request's worker's card shares it (404 otherwise);
 * cards stored before photos still read. docs/spec/repairs.md#worker-cards
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepairStore, sha256Hex } from '../../src/modules/repairs/store.js';
import { call, fakePng, ok, repairsServer, type Answer, type RepairsServer } from './helpers.js';

let s: RepairsServer;

beforeAll(async () => {
  s = await repairsServer();
});
afterAll(async () => s?.close());

const auth = (user: string | undefined): Record<string, string> => (user === undefined ? {} : { authorization: `Bearer ${s.tokens.get(user)!}` });

async function upload(user: string, bytes: Buffer): Promise<string> {
  const r = await s.app.inject({ method: 'POST', url: '/v1/repairs/photos', headers: { ...auth(user), 'content-type': 'image/png' }, payload: bytes });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().hash as string;
}

async function putCard(user: string, username: string, card: unknown): Promise<Answer> {
  const r = await s.app.inject({ method: 'PUT', url: `/v1/repairs/workers/${username}/card`, headers: auth(user), payload: card as object });
  return { status: r.statusCode, json: r.body === '' ? undefined : r.json() };
}

const workerPhoto = (user: string | undefined, id: string) => s.app.inject({ method: 'GET', url: `/v1/repairs/${id}/worker-photo`, headers: auth(user) });

async function reportAssigned(worker: string | undefined, building = 'b4'): Promise<string> {
  const id = ok(await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'heating', location: { kind: 'common', building }, description: 'radiator cold' }), 201).request as string;
  if (worker !== undefined) ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${id}/assign`, { worker }));
  return id;
}

const view = async (user: string, id: string) => ok(await call(s, user, 'GET', `/v1/repairs/${id}`));

describe('the card photo', () => {
  const png = fakePng(4096);
  let hash: string;
  let id: string;

  beforeAll(async () => {
    hash = await upload('li.staff', png);
    id = await reportAssigned('wang.worker');
  });

  it('a card without a photo: share.photo false, no photo in the view, 404 for the photo', async () => {
    expect(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/workers/wang.worker/card'))).toEqual({ share: { name: true, phone: false, photo: false } });
    expect((await view('resident1', id)).workerCard).toEqual({ name: 'wang.worker' });
    const r = await workerPhoto('resident1', id);
    expect([r.statusCode, r.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('set from the caller\'s upload and shared: the view says photo: true, the route serves the bytes as the photo route does', async () => {
    const pending = s.repairStore.pendingUploads(s.principals.get('li.staff')!.userId);
    const card = ok(await putCard('li.staff', 'wang.worker', { photo: hash, share: { name: true, phone: false, photo: true } }));
    expect(card).toEqual({ photo: hash, share: { name: true, phone: false, photo: true } });
    // the card keeps its own copy: the upload is used up, and pruning uploads does not touch the card's
    expect(s.repairStore.pendingUploads(s.principals.get('li.staff')!.userId)).toBe(pending - 1);
    expect(s.repairStore.prune(Date.now() + 3 * 24 * 3_600_000)).toBeGreaterThanOrEqual(0);

    expect((await view('resident1', id)).workerCard).toEqual({ name: 'wang.worker', photo: true });
    // another resident (neither reporter nor follower) gets nothing
    expect((await workerPhoto('resident2', id)).statusCode).toBe(404);
    expect((await view('resident2', id)).workerCard).toBeUndefined();
    for (const user of ['resident1', 'chen.dispatch', 'wang.worker']) {
      const r = await workerPhoto(user, id);
      expect(r.statusCode, user).toBe(200);
      expect(r.headers['content-type']).toBe('image/png');
      expect(r.headers['cache-control']).toBe('private, max-age=3600');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(sha256Hex(r.rawPayload)).toBe(hash);
    }
    expect((await workerPhoto(undefined, id)).statusCode).toBe(401);
  });

  it('saving the card again with its current photo needs no new upload (a dispatcher cannot upload)', async () => {
    const card = ok(await putCard('chen.dispatch', 'wang.worker', { phone: '0571-1234-5678', photo: hash, share: { name: true, phone: true, photo: true } }));
    expect(card).toEqual({ phone: '0571-1234-5678', photo: hash, share: { name: true, phone: true, photo: true } });
    expect((await view('resident1', id)).workerCard).toEqual({ name: 'wang.worker', phone: '0571-1234-5678', photo: true });
    expect((await workerPhoto('resident1', id)).statusCode).toBe(200);
  });

  it('a photo the caller did not upload is refused (400) and the card is unchanged', async () => {
    const before = ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/workers/wang.worker/card'));
    const residents = await upload('resident1', fakePng(512));
    for (const [user, photo] of [['chen.dispatch', residents], ['li.staff', residents], ['li.staff', sha256Hex('never uploaded')]] as const) {
      const r = await putCard(user, 'wang.worker', { photo, share: { name: true, phone: false, photo: true } });
      expect([r.status, r.json.code], `${user} ${photo}`).toEqual([400, 'REQUEST_INVALID']);
    }
    expect((await putCard('li.staff', 'wang.worker', { photo: 'not-a-hash', share: { name: true, phone: false, photo: true } })).status).toBe(400);
    expect(ok(await call(s, 'chen.dispatch', 'GET', '/v1/repairs/workers/wang.worker/card'))).toEqual(before);
    expect(sha256Hex((await workerPhoto('resident1', id)).rawPayload)).toBe(hash);
  });

  it('a new photo replaces the old one', async () => {
    const second = fakePng(2048);
    const h2 = await upload('li.staff', second);
    ok(await putCard('li.staff', 'wang.worker', { photo: h2, share: { name: true, phone: false, photo: true } }));
    expect(sha256Hex((await workerPhoto('resident1', id)).rawPayload)).toBe(h2);
    // and the first is no longer the card's: naming it again needs a new upload
    expect((await putCard('chen.dispatch', 'wang.worker', { photo: hash, share: { name: true, phone: false, photo: true } })).status).toBe(400);
    hash = h2;
  });

  it('not shared, or no photo: no photo in the view and 404', async () => {
    ok(await putCard('li.staff', 'wang.worker', { photo: hash, share: { name: false, phone: false, photo: false } }));
    expect((await view('resident1', id)).workerCard).toEqual({});
    expect((await workerPhoto('resident1', id)).statusCode).toBe(404);

    ok(await putCard('li.staff', 'wang.worker', { share: { name: true, phone: false, photo: true } }));
    expect(ok(await call(s, 'li.staff', 'GET', '/v1/repairs/workers/wang.worker/card'))).toEqual({ share: { name: true, phone: false, photo: true } });
    expect((await view('resident1', id)).workerCard).toEqual({ name: 'wang.worker' });
    expect((await workerPhoto('resident1', id)).statusCode).toBe(404);
    // the dropped photo is gone with it: naming it again needs an upload
    expect((await putCard('chen.dispatch', 'wang.worker', { photo: hash, share: { name: true, phone: false, photo: true } })).status).toBe(400);

    // shared again from a fresh upload
    const h3 = await upload('li.staff', fakePng(1024));
    ok(await putCard('li.staff', 'wang.worker', { photo: h3, share: { name: true, phone: false, photo: true } }));
    expect((await workerPhoto('resident1', id)).statusCode).toBe(200);
  });

  it('only the request\'s current worker\'s photo: none before assignment, none for a worker whose card shares none, gone on reassignment', async () => {
    const unassigned = await reportAssigned(undefined, 'b6');
    expect((await view('resident1', unassigned)).workerCard).toBeUndefined();
    expect((await workerPhoto('resident1', unassigned)).statusCode).toBe(404);
    expect((await workerPhoto('resident1', `rq_${'0'.repeat(32)}`)).statusCode).toBe(404);
    expect((await workerPhoto('resident1', 'not-a-request')).statusCode).toBe(400);

    const zhaos = await reportAssigned('zhao.worker', 'b6');
    expect((await view('resident1', zhaos)).workerCard).toEqual({ name: 'zhao.worker' });
    expect((await workerPhoto('resident1', zhaos)).statusCode).toBe(404);

    const moved = await reportAssigned('wang.worker', 'b6');
    expect((await workerPhoto('resident1', moved)).statusCode).toBe(200);
    ok(await call(s, 'chen.dispatch', 'POST', `/v1/repairs/${moved}/assign`, { worker: 'zhao.worker' }));
    expect((await workerPhoto('resident1', moved)).statusCode).toBe(404);
  });

  it('a card body without share.photo (as before photos) is accepted and shares no photo', async () => {
    const card = ok(await putCard('li.staff', 'zhao.worker', { phone: '0571-0000-0000', share: { name: true, phone: true } }));
    expect(card).toEqual({ phone: '0571-0000-0000', share: { name: true, phone: true, photo: false } });
  });
});

describe('a card stored before photos', () => {
  it('reads with share.photo false and no photo; the view and the photo route treat it as sharing none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'machi-card-'));
    const kek = randomBytes(32);
    const file = join(dir, 'private.db');
    const store = new RepairStore(file, kek);
    try {
      // the row exactly as the previous version wrote it: JSON without photo fields, sealed with AES-256-GCM
      const old = { phone: '0571-8765-4321', share: { name: true, phone: true } };
      const nonce = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', kek, nonce);
      c.setAAD(Buffer.from('staff-card:old.worker', 'utf8'));
      const sealed = Buffer.concat([c.update(Buffer.from(JSON.stringify(old), 'utf8')), c.final(), c.getAuthTag()]);
      const db = new Database(file);
      db.prepare('INSERT INTO staff_cards (username, nonce, sealed, updated_at) VALUES (?, ?, ?, ?)').run('old.worker', nonce, sealed, 1);
      db.close();
      expect(store.staffCard('old.worker')).toEqual({ phone: '0571-8765-4321', share: { name: true, phone: true, photo: false } });
      expect(store.staffCardPhoto('old.worker')).toBeUndefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
