/**
 * Webhooks end to end on real sockets: a one-node chain posts to an outside receiver running as its own process
 * (receiver.mjs), which checks the CloudEvents 1.0 envelope and the Standard Webhooks signature with nothing but the
 * genesis file. Failures are retried with backoff and logged; a receiver that hangs times out, is retried, then
 * marked failed while commits carry on; redirects are not followed. docs/spec/webhooks.md
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type WebhookDelivery } from '@machi/core';
import { signedHeaders } from '../../src/modules/webhooks/index.js';
import type { OneNode } from '../support/node.js';
import { freePort } from '../support/consortium.js';
import { TEST_TIMINGS, anchor, startReceiver, until, webhookNode, type Receiver } from './helpers.js';

let s: OneNode;
let rx: Receiver;

beforeAll(async () => {
  s = await webhookNode();
  rx = await startReceiver(s.genesis);
});
afterAll(async () => {
  await s?.close();
  await rx?.stop();
});

const subscribe = async (path: string, types: string[] = ['notary.'], extra: Record<string, unknown> = {}): Promise<string> => {
  const r = await s.call('POST', '/v1/webhooks', { as: 'zhou.official', body: { url: `${rx.url}${path}`, types, ...extra } });
  expect(r.status, r.body).toBe(201);
  return r.json.id as string;
};
const unsubscribe = async (id: string): Promise<void> => {
  expect((await s.call('DELETE', `/v1/webhooks/${id}`, { as: 'zhou.official' })).status).toBe(204);
};
const deliveries = async (id: string): Promise<WebhookDelivery[]> => {
  const r = await s.call('GET', `/v1/webhooks/${id}/deliveries`, { as: 'zhou.official', query: { limit: '100' } });
  expect(r.status, r.body).toBe(200);
  return r.json.deliveries as WebhookDelivery[];
};
/** The subscription's delivery of event `eventId` once it is no longer pending. */
const settled = (id: string, eventId: string) =>
  until(async () => (await deliveries(id)).find((d) => d.eventId === eventId && d.state !== 'pending'), 15_000, `delivery of ${eventId}`);

describe('a committed transaction reaches the outside receiver', () => {
  it('as a CloudEvent whose envelope matches the ledger and whose signature verifies with the genesis key alone', async () => {
    const sub = await subscribe('/ok');
    const { receipt, hash } = await anchor(s, 'minutes of the owners meeting');
    const d = await settled(sub, receipt.hash);
    expect(d.state).toBe('delivered');
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]!.status).toBe(200);

    const got = (await rx.log()).filter((e) => e.webhookId === d.id);
    expect(got).toHaveLength(1);
    const { event, problem } = got[0]!;
    expect(problem).toBeNull(); // the receiver's own checks: envelope, timestamp, signature with the genesis key
    const block = s.store.getBlock(receipt.height!)!;
    expect(event).toEqual({
      specversion: '1.0',
      id: receipt.hash,
      source: `/machi/${s.genesis.chainId}/${s.org}`,
      type: 'org.machi.notary.record',
      time: new Date(block.header.time).toISOString(),
      subject: hash,
      datacontenttype: 'application/json',
      data: {
        height: receipt.height, txHash: receipt.hash, type: 'notary.record', signerOrg: s.org,
        payload: { hash, label: 'minutes of the owners meeting' },
        proof: `${s.url}/v1/txs/${receipt.hash}/proof`,
      },
    });
    // the link leads to a proof bundle that verifies offline with the genesis
    const bundle = await (await fetch(event.data.proof)).json();
    expect(verifyBundle(bundle, s.genesis)).toMatchObject({ txHash: receipt.hash, height: receipt.height, signedBy: [s.org] });
    await unsubscribe(sub);
  });

  it('a test ping is signed and delivered the same way', async () => {
    const sub = await subscribe('/ok');
    const r = await s.call('POST', `/v1/webhooks/${sub}/ping`, { as: 'zhou.official' });
    expect(r.status).toBe(202);
    const d = await settled(sub, r.json.eventId);
    expect(d).toMatchObject({ id: r.json.delivery, state: 'delivered', eventType: 'org.machi.webhook.ping' });
    const got = (await rx.log()).find((e) => e.webhookId === r.json.delivery)!;
    expect(got.problem).toBeNull();
    expect(got.event).toMatchObject({ type: 'org.machi.webhook.ping', subject: sub, data: { subscription: sub, org: s.org } });
    await unsubscribe(sub);
  });

  it('a body altered on the way no longer verifies (the receiver refuses it)', async () => {
    // the receiver's check is real: the same signature over another body fails
    const sub = await subscribe('/ok');
    const { receipt } = await anchor(s, 'original label');
    const d = await settled(sub, receipt.hash);
    const entry = (await rx.log()).find((e) => e.webhookId === d.id)!;
    // replay the delivery with the headers it was sent with (signed over the original body), but another label
    const body = JSON.stringify({ ...entry.event, data: { ...entry.event.data, payload: { ...entry.event.data.payload, label: 'forged label' } } });
    const honest = signedHeaders(s.signer, d.id, Number(entry.timestamp), JSON.stringify(entry.event));
    const sig = (await fetch(`${rx.url}/ok`, { method: 'POST', headers: honest, body })).status;
    expect(sig).toBe(400);
    expect((await rx.log()).filter((e) => e.webhookId === d.id).map((e) => e.problem)).toEqual([null, 'signature does not verify']);
    await unsubscribe(sub);
  });

  it('only the subscribed types, only what took effect, only from the subscription on', async () => {
    const before = await anchor(s, 'before the subscription');
    const sub = await subscribe('/ok', ['repair.']);
    const other = await subscribe('/ok', ['notary.rec']);
    const { receipt } = await anchor(s, 'after');
    await settled(other, receipt.hash);
    expect((await deliveries(other)).map((d) => d.eventId)).toEqual([receipt.hash]); // not the earlier one
    expect((await deliveries(sub)).map((d) => d.eventId)).not.toContain(before.receipt.hash);
    expect(await deliveries(sub)).toEqual([]);
    await unsubscribe(sub);
    await unsubscribe(other);
  });
});

describe('receivers that fail', () => {
  it('a 500 then a 200: retried, and the log shows both attempts', async () => {
    const sub = await subscribe('/flaky');
    const { receipt } = await anchor(s, 'flaky');
    const d = await settled(sub, receipt.hash);
    expect(d.state).toBe('delivered');
    expect(d.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(d.attempts[1]!.at).toBeGreaterThanOrEqual(d.attempts[0]!.at);
    const seen = (await rx.log()).filter((e) => e.webhookId === d.id);
    expect(seen.map((e) => e.answered)).toEqual([500, 200]);
    expect(seen.every((e) => e.problem === null)).toBe(true); // each attempt signed afresh over its own timestamp
    await unsubscribe(sub);
  });

  it('a receiver that hangs: each attempt times out, is retried, and the delivery is finally failed', async () => {
    const hang = await subscribe('/hang');
    const first = await anchor(s, 'into the void');
    const d = await settled(hang, first.receipt.hash);
    expect(d.state).toBe('failed');
    expect(d.attempts).toHaveLength(3);
    for (const a of d.attempts) {
      expect(a.status).toBeUndefined();
      expect(a.error).toMatch(/^timeout after 300 ms$/);
    }
    expect((await rx.log()).filter((e) => e.webhookId === d.id)).toHaveLength(3);
    await unsubscribe(hang);
  });

  it('a redirect is not followed: it counts as a failed attempt', async () => {
    const sub = await subscribe('/redirect');
    const { receipt } = await anchor(s, 'redirected');
    const d = await settled(sub, receipt.hash);
    expect(d.state).toBe('failed');
    expect(d.attempts.map((a) => a.status)).toEqual([302, 302, 302]);
    const seen = (await rx.log()).filter((e) => e.webhookId === d.id);
    expect(seen.map((e) => e.path)).toEqual(['/redirect', '/redirect', '/redirect']); // never /ok
    await unsubscribe(sub);
  });

  it('a target nobody listens on: a connection error per attempt, then failed', async () => {
    const r = await s.call('POST', '/v1/webhooks', { as: 'zhou.official', body: { url: `http://127.0.0.1:${await freePort()}/nobody`, types: ['notary.'] } });
    const sub = r.json.id as string;
    const { receipt } = await anchor(s, 'nobody home');
    const d = await settled(sub, receipt.hash);
    expect(d.state).toBe('failed');
    expect(d.attempts).toHaveLength(3);
    for (const a of d.attempts) expect(a.error).toMatch(/^ECONNREFUSED/);
    await unsubscribe(sub);
  });
});

describe('a receiver that never answers blocks nothing else', () => {
  // its own node: attempts time out only after a minute, so the hanging attempts are certainly still open below
  let n: OneNode;
  let slow: Receiver;
  let fast: Receiver;
  beforeAll(async () => {
    n = await webhookNode({ ...TEST_TIMINGS, attemptTimeoutMs: 60_000 }, { users: { 'zhou.official': 'official' } });
    // two receivers, two targets (origins); both check signatures against this chain's genesis
    slow = await startReceiver(n.genesis);
    fast = await startReceiver(n.genesis);
  });
  afterAll(async () => {
    await n?.close(); // aborts the open attempts (they stay pending in the queue)
    await slow?.stop();
    await fast?.stop();
  });

  it('commits carry on and another target is served while every slot of the hanging one is taken', async () => {
    const make = async (url: string) => (await n.call('POST', '/v1/webhooks', { as: 'zhou.official', body: { url, types: ['notary.'] } })).json.id as string;
    const hang = await make(`${slow.url}/hang`);
    const ok = await make(`${fast.url}/ok`);
    const stuck = [];
    for (let i = 0; i < 3; i++) stuck.push(await anchor(n, `stuck ${i}`));
    // the hanging receiver holds as many attempts open as one target may have (2), the third waits its turn
    await until(async () => (await slow.log()).filter((e) => e.path === '/hang').length === 2, 10_000, 'two open attempts');
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await anchor(n, `meanwhile ${i}`)); // each waits for its commit
    const log = async (sub: string) => (await n.call('GET', `/v1/webhooks/${sub}/deliveries`, { as: 'zhou.official', query: { limit: '100' } })).json.deliveries as WebhookDelivery[];
    await until(async () => (await log(ok)).filter((d) => d.state === 'delivered').length === 6, 10_000, 'the other target served');
    const held = await log(hang);
    expect(held).toHaveLength(6);
    expect(held.every((d) => d.state === 'pending' && d.attempts.length === 0)).toBe(true);
    expect((await slow.log()).filter((e) => e.path === '/hang')).toHaveLength(2);
    expect((await fast.log()).map((e) => [e.event.id, e.problem])).toEqual(expect.arrayContaining([...stuck, ...more].map((a) => [a.receipt.hash, null])));
    expect(n.node.head.height).toBeGreaterThanOrEqual(more.at(-1)!.receipt.height!);
  });
});
