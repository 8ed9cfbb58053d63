/**
 * The delivery queue lives in the node's private store: a delivery that a receiver refused before the node stopped is
 * still pending after a restart on the same data directory, and is delivered by the restarted node — the same
 * delivery (same webhook-id), its earlier attempt still in its log. docs/spec/webhooks.md#delivery
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '@machi/core';
import type { OneNode } from '../support/node.js';
import { openWebhooks } from '../../src/modules/webhooks/index.js';
import { TEST_TIMINGS, anchor, startReceiver, until, webhookNode, webhooksOf, type Receiver } from './helpers.js';

/** Slow enough retries that the delivery is still pending when the node stops; many attempts, so it is not failed. */
const TIMINGS = { attemptTimeoutMs: 1_000, retryBaseMs: 300, retryCapMs: 300, attemptsMax: 50, pollMs: 20 };

let rx: Receiver | undefined;
const nodes: OneNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.close();
  await rx?.stop();
});

const deliveries = async (s: OneNode, sub: string): Promise<WebhookDelivery[]> =>
  (await s.call('GET', `/v1/webhooks/${sub}/deliveries`, { as: 'zhou.official' })).json.deliveries;

describe('the queue survives a restart', () => {
  it('a pending delivery is resumed by the restarted node', async () => {
    const first = await webhookNode(TIMINGS, { keepDir: true, users: { 'zhou.official': 'official' } });
    nodes.push(first);
    rx = await startReceiver(first.genesis);
    const sub = (await first.call('POST', '/v1/webhooks', { as: 'zhou.official', body: { url: `${rx.url}/hold`, types: ['notary.'] } })).json.id as string;
    const { receipt } = await anchor(first, 'before the restart');
    // refused once (503 while the receiver holds), then the node stops
    const before = await until(async () => (await deliveries(first, sub)).find((d) => d.attempts.length >= 1));
    expect(before).toMatchObject({ eventId: receipt.hash, state: 'pending' });
    expect(before.attempts[0]!.status).toBe(503);
    await first.close();

    await rx.hold(false);
    const second = await webhookNode(TIMINGS, { restartOf: first, keepDir: false, users: { 'zhou.official': 'official' } });
    nodes.push(second);
    const after = await until(async () => (await deliveries(second, sub)).find((d) => d.state === 'delivered'), 15_000, 'the resumed delivery');
    expect(after.id).toBe(before.id);
    expect(after.eventId).toBe(receipt.hash);
    expect(after.attempts.slice(0, before.attempts.length)).toEqual(before.attempts);
    expect(after.attempts.at(-1)!.status).toBe(200);
    const seen = (await rx.log()).filter((e) => e.webhookId === before.id);
    expect(seen.at(-1)).toMatchObject({ answered: 200, problem: null });
    expect(seen.slice(0, -1).every((e) => e.answered === 503)).toBe(true);
  });
});

describe('the feed catches up', () => {
  it('a transaction committed while the module was stopped is queued and delivered when it starts again', async () => {
    const s = await webhookNode(TEST_TIMINGS, { users: { 'zhou.official': 'official' } });
    nodes.push(s);
    const own = await startReceiver(s.genesis);
    try {
      const sub = (await s.call('POST', '/v1/webhooks', { as: 'zhou.official', body: { url: `${own.url}/ok`, types: ['notary.'] } })).json.id as string;
      await webhooksOf(s).close(); // as if the process had stopped right after the commit below
      const { receipt } = await anchor(s, 'committed while nobody listened');
      // started again before the API listens (as start-up does): nothing is queued until the public address is known
      let address = '';
      const again = openWebhooks({ node: s.node, signer: s.signer, dir: s.dir, publicUrl: () => address, log: () => {}, timings: TEST_TIMINGS });
      try {
        await new Promise((r) => setTimeout(r, 300));
        expect(again.store.deliveries(sub, 10).deliveries).toEqual([]);
        address = s.url;
        const d = await until(() => again.store.deliveries(sub, 10).deliveries.find((x) => x.state === 'delivered'), 15_000, 'the caught-up delivery');
        expect(d.eventId).toBe(receipt.hash);
        expect((await own.log()).find((e) => e.webhookId === d.id)).toMatchObject({ problem: null, event: { id: receipt.hash, data: { height: receipt.height, proof: `${s.url}/v1/txs/${receipt.hash}/proof` } } });
      } finally {
        await again.close();
      }
    } finally {
      await own.stop();
    }
  });
});
