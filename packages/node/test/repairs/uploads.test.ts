/**
 * Photo uploads (POST /v1/repairs/photos, the raw image as the body): images only by magic bytes (415 otherwise),
 * at most 5 MiB (413), sealed in the private store (not in clear in private.db), named by SHA-256 in reports and steps
 * (only by their uploader), and served back only to those who may read the request. docs/spec/repairs.md#photos
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { postInTwoHalves } from '../support/slow-upload.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPAIRS_PHOTO_BYTES_MAX, REPAIRS_UPLOADS_PENDING_MAX, REPAIRS_UPLOAD_TTL_MS } from '../../src/modules/repairs/store.js';
import { call, fakePng, ledgerBodies, repairsServer, type RepairsServer } from './helpers.js';

let s: RepairsServer;
beforeAll(async () => {
  s = await repairsServer();
});
afterAll(async () => s?.close());

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function upload(user: string, body: Buffer | string, contentType = 'image/png') {
  const r = await s.app.inject({ method: 'POST', url: '/v1/repairs/photos', headers: { authorization: `Bearer ${s.tokens.get(user)!}`, 'content-type': contentType }, payload: body });
  return { status: r.statusCode, json: r.json() };
}

const jpeg = (): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(500)]);
const webp = (): Buffer => {
  const b = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), randomBytes(500)]);
  b.writeUInt32LE(b.length - 8, 4);
  return b;
};

describe('uploads', () => {
  it('takes PNG, JPEG and WebP by their magic bytes, whatever the declared type, and answers their SHA-256', async () => {
    for (const [body, type, declared] of [[fakePng(), 'image/png', 'image/png'], [jpeg(), 'image/jpeg', 'application/octet-stream'], [webp(), 'image/webp', 'image/png']] as const) {
      const r = await upload('resident1', body, declared);
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      expect(r.json).toEqual({ hash: sha256(body), type, bytes: body.length });
    }
  });

  it('refuses anything else with 415 REPAIR_PHOTO_UNSUPPORTED and stores nothing', async () => {
    const pending = s.repairStore.pendingUploads(s.principals.get('resident2')!.userId);
    const cases: [string, Buffer | string, string][] = [
      ['text', 'the pipe burst', 'text/plain'],
      ['a PDF declared as PNG', Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(100)]), 'image/png'],
      ['JSON with base64 inside', JSON.stringify({ photo: fakePng().toString('base64') }), 'application/json'],
      ['an SVG (script-capable, not accepted)', '<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml'],
      ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'],
    ];
    for (const [what, body, type] of cases) {
      const r = await upload('resident2', body, type);
      expect([r.status, r.json.code], what).toEqual([415, 'REPAIR_PHOTO_UNSUPPORTED']);
    }
    expect(s.repairStore.pendingUploads(s.principals.get('resident2')!.userId)).toBe(pending);
  });

  it('refuses more than 5 MiB with 413 BODY_TOO_LARGE; exactly 5 MiB is fine', async () => {
    const big = await upload('resident2', fakePng(REPAIRS_PHOTO_BYTES_MAX + 1));
    expect([big.status, big.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect(big.json.message).toMatch(/5242880 bytes/);
    const max = fakePng(REPAIRS_PHOTO_BYTES_MAX);
    const r = await upload('resident2', max);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.hash).toBe(sha256(max));
  });

  it('over a real connection, a too-large body is read to its end before the 413, so the client gets the answer, not a reset', async () => {
    const url = new URL(await s.app.listen({ port: 0, host: '127.0.0.1' }));
    const size = REPAIRS_PHOTO_BYTES_MAX + 1;
    const body = fakePng(size);
    const r = await postInTwoHalves(url, '/v1/repairs/photos', { authorization: `Bearer ${s.tokens.get('resident2')!}`, 'content-type': 'image/png' }, body);
    expect([r.status, r.json.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect(r.answeredEarly).toBe(false);
    // and fetch (undici), which reported EPIPE when the answer raced its upload
    const f = await fetch(`${url.origin}/v1/repairs/photos`, { method: 'POST', headers: { authorization: `Bearer ${s.tokens.get('resident2')!}`, 'content-type': 'image/png' }, body: new Uint8Array(body) });
    expect([f.status, ((await f.json()) as { code: string }).code]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('an empty body is 400; roles that never attach photos may not upload', async () => {
    const empty = await s.app.inject({ method: 'POST', url: '/v1/repairs/photos', headers: { authorization: `Bearer ${s.tokens.get('resident1')!}` } });
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'REQUEST_INVALID']);
    for (const user of ['chen.dispatch', 'sun.line']) {
      const r = await upload(user, fakePng());
      expect([r.status, r.json.code], user).toEqual([403, 'ACCESS_DENIED']);
    }
    const anonymous = await s.app.inject({ method: 'POST', url: '/v1/repairs/photos', headers: { 'content-type': 'image/png' }, payload: fakePng() });
    expect(anonymous.statusCode).toBe(401);
  });

  it('limits the photos one user may leave unattached, and drops them after a day', async () => {
    const zhao = s.principals.get('zhao.worker')!.userId;
    for (let i = 0; i < REPAIRS_UPLOADS_PENDING_MAX; i++) expect((await upload('zhao.worker', fakePng(64))).status).toBe(201);
    const over = await upload('zhao.worker', fakePng(64));
    expect([over.status, over.json.code]).toEqual([409, 'REPAIR_CONFLICT']);
    expect(s.repairStore.prune(s.node.clock())).toBe(0);
    expect(s.repairStore.prune(s.node.clock() + REPAIRS_UPLOAD_TTL_MS + 60_000)).toBeGreaterThanOrEqual(REPAIRS_UPLOADS_PENDING_MAX);
    expect(s.repairStore.pendingUploads(zhao)).toBe(0);
  });
});

describe('photos in a request', () => {
  it('a report and a finished job carry photo hashes; the bytes are served to reporter, staff and worker only', async () => {
    const before = fakePng(4096);
    const after = jpeg();
    const h1 = (await upload('resident1', before)).json.hash as string;
    const h2 = (await upload('wang.worker', after)).json.hash as string;

    // a photo someone else uploaded (its hash may be seen on the ledger) cannot be attached: nothing written
    const size = s.store.logSize();
    const stolen = await call(s, 'resident2', 'POST', '/v1/repairs', { category: 'drainage', location: { kind: 'common', building: 'b1' }, description: 'blocked drain', photos: [h1] });
    expect([stolen.status, stolen.json.code]).toEqual([400, 'REQUEST_INVALID']);
    expect(stolen.json.message).toMatch(/was not uploaded by you/);
    expect(s.store.logSize()).toBe(size);

    const description = `the drain in the bike store overflows ${randomBytes(4).toString('hex')}`;
    const created = await call(s, 'resident1', 'POST', '/v1/repairs', { category: 'drainage', location: { kind: 'common', building: 'b1' }, description, photos: [h1] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.request as string;
    for (const [user, a, body] of [['chen.dispatch', 'assign', { worker: 'wang.worker' }], ['wang.worker', 'accept'], ['wang.worker', 'arrive'], ['wang.worker', 'diagnose', { cause: 'blockage', parts: [] }], ['wang.worker', 'start'], ['wang.worker', 'finish', { photos: [h2] }]] as const) {
      const r = await call(s, user, 'POST', `/v1/repairs/${id}/${a}`, body);
      expect(r.status, `${a}: ${JSON.stringify(r.json)}`).toBe(200);
    }
    const view = (await call(s, 'resident1', 'GET', `/v1/repairs/${id}`)).json;
    expect(view.photos).toEqual([h1, h2]);

    for (const [user, hash, bytes, type] of [['resident1', h1, before, 'image/png'], ['chen.dispatch', h2, after, 'image/jpeg'], ['wang.worker', h1, before, 'image/png'], ['li.staff', h2, after, 'image/jpeg']] as const) {
      const r = await s.app.inject({ url: `/v1/repairs/${id}/photos/${hash}`, headers: { authorization: `Bearer ${s.tokens.get(user)!}` } });
      expect(r.statusCode, user).toBe(200);
      expect(r.headers['content-type']).toBe(type);
      expect(r.rawPayload.equals(bytes)).toBe(true);
    }
    for (const user of ['resident2', 'zhao.worker', 'sun.line']) {
      const r = await call(s, user, 'GET', `/v1/repairs/${id}/photos/${h1}`);
      expect([r.status, r.json.code], user).toEqual([403, 'REPAIR_FORBIDDEN']);
    }
    const notInRequest = await call(s, 'resident1', 'GET', `/v1/repairs/${id}/photos/${sha256(randomBytes(8))}`);
    expect(notInRequest.status).toBe(404);

    // on the ledger: the hashes only; in private.db: sealed, no photo bytes or description in clear
    const ledger = ledgerBodies(s).join('\n');
    expect(ledger).toContain(h1);
    expect(ledger).toContain(h2);
    expect(ledger).not.toContain(description);
    const privateDb = join(s.dir, 'private.db');
    const bytes = Buffer.concat([readFileSync(privateDb), existsSync(`${privateDb}-wal`) ? readFileSync(`${privateDb}-wal`) : Buffer.alloc(0)]);
    expect(bytes.includes(before.subarray(8, 200))).toBe(false);
    expect(bytes.includes(after.subarray(4, 200))).toBe(false);
    expect(bytes.includes(Buffer.from(description))).toBe(false);
  });
});
