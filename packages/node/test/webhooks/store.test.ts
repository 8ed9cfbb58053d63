/** The webhooks store's own rules: the queue limit per subscription, no duplicate per event, pruning of the log, fairness of the due query. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION, WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX, WebhookStore, type NewDelivery } from '../../src/modules/webhooks/store.js';

let dir: string;
let store: WebhookStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'machi-webhook-store-'));
  store = new WebhookStore(join(dir, 'private.db'));
  for (const id of ['wh_a', 'wh_b']) store.addSubscription({ id, org: 'o', url: `http://${id}.example/`, types: ['x.'], ownOnly: false, description: '', createdAt: 0, createdBy: 'u', fromHeight: 1 });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const deliveries = (sub: string, n: number, from = 0): NewDelivery[] =>
  Array.from({ length: n }, (_, i) => ({ id: `whd_${sub}_${from + i}`, subscription: sub, eventId: `ev${from + i}`, eventType: 'org.machi.x.y', body: `{"n":${from + i}}` }));

describe('webhook store', () => {
  it(`a subscription has at most ${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX} deliveries waiting; more are logged failed at once, without a body`, () => {
    store.enqueue(deliveries('wh_a', WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX), 1);
    store.enqueue(deliveries('wh_a', 2, WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX), 2);
    store.enqueue(deliveries('wh_b', 1), 2);
    expect(store.pendingCount('wh_a')).toBe(WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX);
    expect(store.pendingCount('wh_b')).toBe(1); // the other subscription's queue is its own
    const newest = store.deliveries('wh_a', 2).deliveries;
    expect(newest.map((d) => [d.eventId, d.state, d.attempts[0]?.error])).toEqual([
      [`ev${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX + 1}`, 'failed', `queue full (${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX} waiting)`],
      [`ev${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX}`, 'failed', `queue full (${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX} waiting)`],
    ]);
    expect(store.due(10, 1, [], ['wh_b'])[0]!.body).toBe('{"n":0}');
  });

  it('an event is queued once per subscription, and the cursor moves with the deliveries', () => {
    store.enqueue(deliveries('wh_a', 3), 1, 7);
    store.enqueue(deliveries('wh_a', 3).map((d) => ({ ...d, id: `${d.id}_again` })), 1, 8);
    expect(store.pendingCount('wh_a')).toBe(3);
    expect(store.cursor()).toBe(8);
  });

  it('the due query skips deliveries in flight and subscriptions whose target is busy', () => {
    store.enqueue([...deliveries('wh_a', 3), ...deliveries('wh_b', 2)], 1);
    expect(store.due(1, 10).map((d) => d.id)).toHaveLength(5);
    expect(store.due(0, 10)).toEqual([]); // not yet due
    expect(store.due(1, 10, ['whd_wh_a_0'], ['wh_b']).map((d) => d.id)).toEqual(['whd_wh_a_1', 'whd_wh_a_2']);
    expect(store.due(1, 10, [], ['wh_a']).map((d) => d.id)).toEqual(['whd_wh_b_0', 'whd_wh_b_1']);
  });

  it('an attempt moves a delivery on; pruning keeps the newest finished ones and every pending one', () => {
    const n = WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION + 5;
    store.enqueue(deliveries('wh_a', n), 1);
    for (let i = 0; i < n - 2; i++) store.recordAttempt(`whd_wh_a_${i}`, 1, { at: 2, durationMs: 1, status: 200 }, { state: 'delivered' });
    store.recordAttempt(`whd_wh_a_${n - 2}`, 1, { at: 2, durationMs: 1, error: 'timeout after 5000 ms' }, { state: 'pending', nextAt: 50 });
    store.prune();
    const all = store.deliveries('wh_a', 100).deliveries;
    let count = 0;
    let cursor: number | undefined;
    do {
      const page = store.deliveries('wh_a', 100, cursor);
      count += page.deliveries.length;
      cursor = page.next;
    } while (cursor !== undefined);
    expect(count).toBe(WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION + 2); // the kept finished ones, the retried one and the unsent one
    expect(all[0]).toMatchObject({ id: `whd_wh_a_${n - 1}`, state: 'pending', attempts: [] });
    expect(all[1]).toMatchObject({ state: 'pending', nextAttemptAt: 50, attempts: [{ at: 2, durationMs: 1, error: 'timeout after 5000 ms' }] });
    expect(store.due(49, 10).map((d) => d.id)).toEqual([`whd_wh_a_${n - 1}`]);
    expect(store.due(50, 10).map((d) => [d.id, d.attempts])).toEqual([[`whd_wh_a_${n - 1}`, 0], [`whd_wh_a_${n - 2}`, 1]]);
  });

  it('deleting a subscription deletes its queue and log', () => {
    store.enqueue([...deliveries('wh_a', 3), ...deliveries('wh_b', 1)], 1);
    store.deleteSubscription('wh_a');
    expect(store.subscription('wh_a')).toBeUndefined();
    expect(store.due(1, 10).map((d) => d.subscription)).toEqual(['wh_b']);
  });
});
