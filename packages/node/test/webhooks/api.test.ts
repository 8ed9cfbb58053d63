/**
 * The webhooks API's rules: who may subscribe (route class `webhooks.manage`), what a target may be (http: or https:
 * only; anything else 400 with nothing stored), one organisation's subscriptions are invisible to another, the limit
 * per organisation, the `ownOnly` rule (signed by the organisation or naming it) and the delivery log's pages.
 * docs/spec/webhooks.md#api
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX } from '@machi/core';
import type { OneNode } from '../support/node.js';
import { TEST_PASSWORD } from '../support/node.js';
import { anchor, startReceiver, until, webhookNode, type Receiver } from './helpers.js';

let s: OneNode;
let rx: Receiver;
/** an official of another organisation (police) with an account on this node */
let police: string;

beforeAll(async () => {
  s = await webhookNode(undefined, { otherOrgs: ['police'] });
  rx = await startReceiver(s.genesis);
  await s.accounts.createUser({ org: 'police', username: 'li.police', role: 'official', displayName: 'li.police', password: TEST_PASSWORD });
  const r = await s.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { org: 'police', username: 'li.police', password: TEST_PASSWORD } });
  police = r.json().token;
});
afterAll(async () => {
  await s?.close();
  await rx?.stop();
});

const create = (body: unknown, as = 'zhou.official') => s.call('POST', '/v1/webhooks', { as, body });
const list = async (as = 'zhou.official') => (await s.call('GET', '/v1/webhooks', { as })).json.webhooks as { id: string; url: string }[];
const clear = async (): Promise<void> => {
  for (const w of await list()) await s.call('DELETE', `/v1/webhooks/${w.id}`, { as: 'zhou.official' });
};

describe('targets', () => {
  it.each([
    ['ftp://example.org/hook'],
    ['javascript:alert(1)'],
    ['data:text/plain,hello'],
    ['file:///etc/passwd'],
    ['not a url at all'],
    ['//example.org/no-scheme'],
    ['http://user:secret@example.org/hook'],
  ])('%s → 400 WEBHOOK_TARGET_INVALID, nothing stored', async (url) => {
    const r = await create({ url, types: ['event.'] });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('WEBHOOK_TARGET_INVALID');
    expect(await list()).toEqual([]);
  });

  it('malformed subscriptions are refused by the schema (no types, none, a bad prefix, too many)', async () => {
    for (const body of [{ url: 'https://example.org/' }, { url: 'https://example.org/', types: [] }, { url: 'https://example.org/', types: ['Event.*'] }, { url: 'https://example.org/', types: Array.from({ length: 17 }, (_, i) => `t${i}.`) }, { url: 'x'.repeat(3000), types: ['event.'] }]) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('REQUEST_INVALID');
    }
    expect(await list()).toEqual([]);
  });

  it('http: and https: targets are stored, normalised, with the key that will sign', async () => {
    const a = await create({ url: 'HTTPS://Example.ORG/hooks/machi?x=1', types: ['event.', 'repair.'], ownOnly: true, description: 'command centre' });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ org: s.org, url: 'https://example.org/hooks/machi?x=1', types: ['event.', 'repair.'], ownOnly: true, description: 'command centre', signingKey: s.signer.publicKey, pending: 0 });
    expect(a.json.fromHeight).toBe(s.node.head.height + 1);
    const b = await create({ url: 'http://127.0.0.1:8080/x', types: ['event.dispatch'] });
    expect(b.status).toBe(201);
    expect((await list()).map((w) => w.id)).toEqual([a.json.id, b.json.id]);
    await clear();
  });
});

describe('who may', () => {
  it.each(['resident1', 'wang.worker', 'chen.dispatch', 'sun.line'])('%s (no webhooks.manage) → 403, nothing stored', async (who) => {
    const r = await create({ url: 'https://example.org/', types: ['event.'] }, who);
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('ACCESS_DENIED');
    expect((await s.call('GET', '/v1/webhooks', { as: who })).status).toBe(403);
    expect(await list()).toEqual([]);
  });

  it.each(['li.staff', 'wu.utility', 'he.audit'])('%s may', async (who) => {
    const r = await create({ url: 'https://example.org/', types: ['event.'] }, who);
    expect(r.status).toBe(201);
    expect((await s.call('DELETE', `/v1/webhooks/${r.json.id}`, { as: who })).status).toBe(204);
  });

  it("another organisation's subscription does not exist for the caller", async () => {
    const mine = await create({ url: 'https://example.org/', types: ['event.'] });
    const other = { token: police };
    expect((await s.call('GET', '/v1/webhooks', other)).json.webhooks).toEqual([]);
    for (const [method, path] of [['DELETE', ''], ['GET', '/deliveries'], ['POST', '/ping']] as const) {
      const r = await s.call(method, `/v1/webhooks/${mine.json.id}${path}`, other);
      expect(r.status).toBe(404);
      expect(r.json.code).toBe('WEBHOOK_NOT_FOUND');
    }
    expect((await list()).map((w) => w.id)).toEqual([mine.json.id]);
    await clear();
  });
});

describe('limits', () => {
  it(`an organisation has at most ${WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX} subscriptions`, async () => {
    for (let i = 0; i < WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX; i++) expect((await create({ url: `https://example.org/${i}`, types: ['event.'] })).status).toBe(201);
    const r = await create({ url: 'https://example.org/one-more', types: ['event.'] });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('WEBHOOK_LIMIT_REACHED');
    expect(await list()).toHaveLength(WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX);
    // another organisation's count is its own
    expect((await s.call('POST', '/v1/webhooks', { token: police, body: { url: 'https://example.org/p', types: ['event.'] } })).status).toBe(201);
    await clear();
  });
});

describe('ownOnly: transactions signed by the organisation or naming it', () => {
  it("police's ownOnly subscription receives a transaction that names police, not one that does not", async () => {
    const r = await s.call('POST', '/v1/webhooks', { token: police, body: { url: `${rx.url}/ok`, types: ['notary.'], ownOnly: true } });
    const sub = r.json.id as string;
    const all = (await create({ url: `${rx.url}/ok`, types: ['notary.'] })).json.id as string;
    const unrelated = await anchor(s, 'street lights');
    const named = await anchor(s, 'police'); // a string value of the payload equal to the organisation's id
    await until(async () => (await s.call('GET', `/v1/webhooks/${all}/deliveries`, { as: 'zhou.official' })).json.deliveries.filter((d: { state: string }) => d.state === 'delivered').length === 2);
    const got = await until(async () => {
      const ds = (await s.call('GET', `/v1/webhooks/${sub}/deliveries`, { token: police })).json.deliveries as { eventId: string; state: string }[];
      return ds.length === 1 && ds[0]!.state === 'delivered' ? ds : undefined;
    });
    expect(got.map((d) => d.eventId)).toEqual([named.receipt.hash]);
    expect(got.map((d) => d.eventId)).not.toContain(unrelated.receipt.hash);
    // the node's own organisation signed both: its ownOnly subscription would get both (covered by the rule's unit test)
    await s.call('DELETE', `/v1/webhooks/${sub}`, { token: police });
    await clear();
  });
});

describe('the delivery log', () => {
  it('is paged newest first with a cursor', async () => {
    const sub = (await create({ url: `${rx.url}/ok`, types: ['notary.'] })).json.id as string;
    const hashes = [];
    for (let i = 0; i < 5; i++) hashes.push((await anchor(s, `page ${i}`)).receipt.hash);
    const log = (q: Record<string, string>) => s.call('GET', `/v1/webhooks/${sub}/deliveries`, { as: 'zhou.official', query: q });
    await until(async () => (await log({ limit: '100' })).json.deliveries.length === 5);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 3; page++) {
      const r = await log({ limit: '2', ...(cursor === undefined ? {} : { cursor }) });
      expect(r.status).toBe(200);
      seen.push(...r.json.deliveries.map((d: { eventId: string }) => d.eventId));
      cursor = r.json.next;
      if (page < 2) expect(cursor).toMatch(/^[0-9]+$/);
    }
    expect(cursor).toBeUndefined();
    expect(seen).toEqual([...hashes].reverse());
    expect((await log({ limit: '101' })).status).toBe(400);
    expect((await log({ cursor: 'abc' })).status).toBe(400);
    expect((await s.call('GET', '/v1/webhooks/wh_nope/deliveries', { as: 'zhou.official' })).status).toBe(400);
    expect((await s.call('GET', `/v1/webhooks/wh_${'0'.repeat(32)}/deliveries`, { as: 'zhou.official' })).status).toBe(404);
    // deleting the subscription removes its queue and log
    expect((await s.call('DELETE', `/v1/webhooks/${sub}`, { as: 'zhou.official' })).status).toBe(204);
    expect((await log({})).status).toBe(404);
  });
});
