/**
 * Open311 GeoReport v2 conformance, driven as an outside client would (HTTP only, form-encoded posts, the session
 * token as api_key): discover services, post a request, read it back, list and filter; field names, types and
 * status values as GeoReport v2 defines them; errors as [{code, description}] with 400 / 403 / 404 and nothing
 * written. https://wiki.open311.org/GeoReport_v2 — docs/spec/repairs.md#open311-georeport-v2
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_CODES } from '@machi/core';
import { buildingOf, DEMO_BUILDINGS } from '../../src/modules/repairs/open311.js';
import { ledgerBodies, repairsServer, type RepairsServer } from './helpers.js';
import { moduleActorOf } from '../../src/auth/principal.js';

const BASE = '/open311/v2';
const SERVICE_FIELDS = ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'].sort();
const REQUEST_FIELDS = [
  'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible', 'service_notice',
  'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'lat', 'long', 'media_url',
].sort();
/** ISO 8601 with a time zone, as GeoReport wants (e.g. 2010-04-14T06:37:38-08:00 or …Z). */
const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let s: RepairsServer;
beforeAll(async () => {
  s = await repairsServer();
});
afterAll(async () => s?.close());

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

async function get(path: string, headers: Record<string, string> = {}) {
  const r = await s.app.inject({ url: `${BASE}${path}`, headers });
  return { status: r.statusCode, json: r.json(), type: r.headers['content-type'] };
}

async function postForm(fields: Record<string, string>) {
  const r = await s.app.inject({ method: 'POST', url: `${BASE}/requests.json`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
  return { status: r.statusCode, json: r.json() };
}

/** Open311's error format: a list of {code, description}, code the HTTP status. */
function expectError(r: { status: number; json: unknown }, status: number): string {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(Array.isArray(r.json)).toBe(true);
  const list = r.json as { code: unknown; description: unknown }[];
  expect(list).toHaveLength(1);
  expect(Object.keys(list[0]!).sort()).toEqual(['code', 'description']);
  expect(list[0]!.code).toBe(status);
  expect(typeof list[0]!.description).toBe('string');
  return list[0]!.description as string;
}

function expectRequestShape(r: Record<string, unknown>): void {
  expect(Object.keys(r).sort()).toEqual(REQUEST_FIELDS);
  expect(['open', 'closed']).toContain(r.status);
  for (const f of ['service_request_id', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible', 'service_notice', 'address', 'address_id']) {
    expect(typeof r[f], f).toBe('string');
  }
  expect(r.requested_datetime).toMatch(W3C_DATETIME);
  expect(r.updated_datetime).toMatch(W3C_DATETIME);
  if (r.expected_datetime !== null) expect(r.expected_datetime).toMatch(W3C_DATETIME);
  for (const f of ['lat', 'long']) expect(r[f] === null || typeof r[f] === 'number', f).toBe(true);
}

describe('Open311 GeoReport v2', () => {
  let id: string;
  const description = 'Water pouring from the ceiling of the bike store, east entrance';

  it('GET services.json lists every category as a realtime service without metadata', async () => {
    const r = await get('/services.json');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.json.map((x: { service_code: string }) => x.service_code)).toEqual(CATEGORY_CODES);
    for (const svc of r.json) {
      expect(Object.keys(svc).sort()).toEqual(SERVICE_FIELDS);
      expect(svc).toMatchObject({ metadata: false, type: 'realtime' });
      for (const f of ['service_code', 'service_name', 'description', 'keywords', 'group']) expect(typeof svc[f]).toBe('string');
    }
    expect(r.json.find((x: { service_code: string }) => x.service_code === 'lift')).toMatchObject({ service_name: 'Lift out of order', group: 'building' });
    // jurisdiction_id is accepted (one jurisdiction per endpoint)
    expect((await get('/services.json?jurisdiction_id=machi')).status).toBe(200);
  });

  it('POST requests.json (form-encoded, api_key) creates a request and answers [{service_request_id, service_notice, account_id}]', async () => {
    const r = await postForm({ api_key: s.tokens.get('resident1')!, service_code: 'burst-pipe', description, address_string: '2号楼 east entrance', email: 'someone@example.org', first_name: 'Wei' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toHaveLength(1);
    expect(Object.keys(r.json[0]).sort()).toEqual(['account_id', 'service_notice', 'service_request_id']);
    expect(r.json[0].service_request_id).toMatch(/^rq_[0-9a-f]{32}$/);
    expect(r.json[0].service_notice).toMatch(/^urgent priority: a worker should be on site by /);
    // the resident's actor in repairs (per module on a new chain: principal.ts LedgerActors)
    expect(r.json[0].account_id).toBe(moduleActorOf(s.org, s.principals.get('resident1')!.userId, s.secret, 'repairs'));
    id = r.json[0].service_request_id;
    // the personal fields GeoReport allows are not kept anywhere, and the description is not on the ledger
    const ledger = ledgerBodies(s).join('\n');
    for (const t of [description, 'someone@example.org', 'Wei']) expect(ledger).not.toContain(t);
  });

  it('GET requests/{id}.json reads it back with GeoReport field names and values', async () => {
    const r = await get(`/requests/${id}.json`);
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(1);
    const req = r.json[0];
    expectRequestShape(req);
    expect(req).toMatchObject({
      service_request_id: id, status: 'open', service_code: 'burst-pipe', service_name: 'Burst pipe / water leak',
      agency_responsible: 'Property company', address: '2号楼 (b2), common area', address_id: 'b2', lat: DEMO_BUILDINGS[1]!.lat, long: DEMO_BUILDINGS[1]!.long,
      media_url: null,
    });
    expect(Date.parse(req.expected_datetime) - Date.parse(req.requested_datetime)).toBe(2 * 3_600_000);
    // the description is private: shown only with a key that may read it (the reporter's), not to anyone else
    expect(req.description).toBe('');
    expect((await get(`/requests/${id}.json?api_key=${s.tokens.get('resident1')!}`)).json[0].description).toBe(description);
    expect((await get(`/requests/${id}.json`, { authorization: `Bearer ${s.tokens.get('chen.dispatch')!}` })).json[0].description).toBe(description);
    expect((await get(`/requests/${id}.json?api_key=${s.tokens.get('resident2')!}`)).json[0].description).toBe('');
  });

  it('GET requests.json lists and filters by id, service_code, status and dates', async () => {
    const ids = async (query: string): Promise<string[]> => {
      const r = await get(`/requests.json${query}`);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      for (const x of r.json) expectRequestShape(x);
      return r.json.map((x: { service_request_id: string }) => x.service_request_id);
    };
    expect(await ids('')).toContain(id);
    expect(await ids('?status=open')).toContain(id);
    expect(await ids('?status=closed')).not.toContain(id);
    expect(await ids('?service_code=burst-pipe,lift')).toContain(id);
    expect(await ids('?service_code=lift')).not.toContain(id);
    expect(await ids(`?service_request_id=${id},rq_${'0'.repeat(32)}`)).toEqual([id]);
    const now = Date.now();
    expect(await ids(`?start_date=${encodeURIComponent(new Date(now - 60_000).toISOString())}`)).toContain(id);
    expect(await ids(`?start_date=${encodeURIComponent(new Date(now + 60_000).toISOString())}&end_date=${encodeURIComponent(new Date(now + 120_000).toISOString())}`)).not.toContain(id);
    expect(await ids(`?end_date=${encodeURIComponent(new Date(now - 60_000).toISOString())}`)).not.toContain(id);
  });

  it('a request cancelled through the Machi API is closed in Open311', async () => {
    const c = await s.app.inject({ method: 'POST', url: `/v1/repairs/${id}/cancel`, headers: { authorization: `Bearer ${s.tokens.get('resident1')!}` } });
    expect(c.statusCode, c.body).toBe(200);
    const r = (await get(`/requests/${id}.json`)).json[0];
    expect(r).toMatchObject({ status: 'closed', expected_datetime: null, service_notice: '' });
    expect(r.status_notes).toMatch(/cancelled/);
    expect(Date.parse(r.updated_datetime)).toBeGreaterThanOrEqual(Date.parse(r.requested_datetime));
  });

  it('POST requests.json also takes JSON with the key as Authorization: Bearer, and a lat/long near a building', async () => {
    const b3 = DEMO_BUILDINGS[2]!;
    const r = await s.app.inject({
      method: 'POST', url: `${BASE}/requests.json`, headers: { authorization: `Bearer ${s.tokens.get('li.staff')!}` },
      payload: { service_code: 'lighting', lat: b3.lat + 0.0002, long: b3.long },
    });
    expect(r.statusCode, r.body).toBe(200);
    const got = (await get(`/requests/${r.json()[0].service_request_id}.json`)).json[0];
    expect(got).toMatchObject({ address_id: 'b3', service_code: 'lighting', status: 'open' });
  });

  it('maps addresses to building codes', () => {
    expect(buildingOf({ address_string: '3号楼 2单元' }, DEMO_BUILDINGS)).toBe('b3');
    expect(buildingOf({ address_string: 'Building 1, lobby' }, DEMO_BUILDINGS)).toBe('b1');
    expect(buildingOf({ address_string: 'b2' }, DEMO_BUILDINGS)).toBe('b2');
    expect(buildingOf({ address_string: '1栋' }, DEMO_BUILDINGS)).toBe('b1');
    expect(buildingOf({ address_string: '9号楼' }, DEMO_BUILDINGS)).toBeUndefined();
    expect(buildingOf({ address_string: 'somewhere' }, DEMO_BUILDINGS)).toBeUndefined();
    expect(buildingOf({ lat: 0, long: 0 }, DEMO_BUILDINGS)).toBeUndefined();
    expect(buildingOf({ address_id: 'tower-3' }, DEMO_BUILDINGS)).toBe('tower-3');
    expect(buildingOf({ address_id: 'Tower 3' }, DEMO_BUILDINGS)).toBeUndefined();
  });

  it('answers errors as [{code, description}] with 400, 403 or 404, and writes nothing', async () => {
    const size = s.store.logSize();
    const key = s.tokens.get('resident1')!;
    expect(expectError(await postForm({ service_code: 'lift', address_string: 'b1' }), 403)).toMatch(/api_key is required/);
    expectError(await postForm({ api_key: 'not-a-token', service_code: 'lift', address_string: 'b1' }), 403);
    expect(expectError(await postForm({ api_key: s.tokens.get('sun.grid')!, service_code: 'lift', address_string: 'b1' }), 403)).toMatch(/not open to role grid-worker/);
    expect(expectError(await postForm({ api_key: key, address_string: 'b1' }), 400)).toMatch(/service_code/);
    expect(expectError(await postForm({ api_key: key, service_code: 'fireworks', address_string: 'b1' }), 400)).toMatch(/not a service/);
    expect(expectError(await postForm({ api_key: key, service_code: 'lift', address_string: 'the moon' }), 400)).toMatch(/does not name a building/);
    expectError(await postForm({ api_key: key, service_code: 'lift' }), 400);
    expectError(await postForm({ api_key: key, service_code: 'lift', lat: 'north', long: '121' }), 400);
    expectError(await get(`/requests/rq_${'0'.repeat(32)}.json`), 404);
    expectError(await get('/requests/not-an-id.json'), 404);
    expectError(await get(`/requests/rq_${'0'.repeat(32)}.xml`), 404);
    expectError(await get('/services.xml'), 404);
    expectError(await get('/requests.json?status=pending'), 400);
    expectError(await get('/requests.json?start_date=yesterday'), 400);
    expectError(await get('/requests.json?service_code=fireworks'), 400);
    expectError(await get(`/requests.json?api_key=expired.or.wrong`), 403);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.store.logSize()).toBe(size);
    expect(s.node.mempoolSize).toBe(0);
  });
});
