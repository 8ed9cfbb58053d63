/**
 * The webhooks feed on a node that joined from a snapshot with a cursor from before it (its private store kept through
 * a re-join into the same data directory): it neither skips the blocks it has not fetched yet nor delivers a
 * transaction whose handler result it does not know (stored as applied until re-derived: membership.md#history) — it
 * waits there. From the snapshot on it delivers as any node. docs/spec/webhooks.md#the-feed
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneNode, type OneNode } from '../support/node.js';
import { joinedFrom, type Joined } from '../support/join.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';
import { WebhookStore } from '../../src/modules/webhooks/store.js';
import { runFeed } from '../../src/modules/webhooks/feed.js';

let s: OneNode;
let j: Joined;
let dir: string;
/** a checkpoint of a height to come, refused by its handler, committed in the snapshot's replay window */
let refusedHeight = 0;

beforeAll(async () => {
  s = await oneNode({ org: 'street-office', modules: [], users: {} });
  dir = mkdtempSync(join(tmpdir(), 'machi-webhooks-joined-'));
  const submitter = new OrgSubmitter(s.node, s.signer);
  j = await joinedFrom(s, async () => {
    const r = await submitter.submit('consortium.checkpoint', { height: 999, blockHash: '0'.repeat(64), stateDigest: '0'.repeat(64) });
    expect(r.code).toBe('HANDLER_REJECTED');
    refusedHeight = r.height!;
  });
}, 120_000);
afterAll(async () => {
  await j?.close();
  await s?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const subscribed = (file: string): WebhookStore => {
  const store = new WebhookStore(join(dir, file));
  store.addSubscription({ id: 'wh_all', org: 'street-office', url: 'http://receiver.example/', types: ['consortium.'], ownOnly: false, description: '', createdAt: 0, createdBy: 'u', fromHeight: 1 });
  return store;
};
const feed = (store: WebhookStore) => runFeed({ node: j.node, store, publicUrl: () => 'http://node.example', now: Date.now });

describe('the webhooks feed of a node joined from a snapshot', () => {
  it('with a cursor below the blocks it holds, or in the window whose results it does not know, waits there', () => {
    expect(refusedHeight).toBeGreaterThanOrEqual(j.lowestHeight);
    expect(refusedHeight).toBeLessThanOrEqual(j.snapshotHeight);
    expect(j.node.store.getTx(j.node.store.blockTxs(refusedHeight).find((t) => t.body.includes('"height":999'))!.hash)!.code).toBeNull(); // unknown here
    for (const from of [j.lowestHeight - 2, j.lowestHeight - 1]) {
      const store = subscribed(`private-${from}.db`);
      store.setCursor(from);
      expect(feed(store)).toBe(false);
      expect(store.cursor()).toBe(from);
      expect(store.deliveries('wh_all', 100).deliveries).toEqual([]);
      store.close();
    }
  });

  it('from the snapshot on, delivers what the blocks it executed recorded', () => {
    const store = subscribed('private-snapshot.db');
    store.setCursor(j.snapshotHeight);
    while (feed(store));
    expect(store.cursor()).toBe(j.node.head.height);
    // the checkpoint of the snapshot, committed after it
    expect(store.deliveries('wh_all', 100).deliveries.map((d) => d.eventType)).toEqual(['org.machi.consortium.checkpoint']);
    store.close();
  });
});
