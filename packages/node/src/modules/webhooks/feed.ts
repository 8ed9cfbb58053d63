/**
 * The feed: every committed transaction of a subscribed type becomes a CloudEvent queued for each subscription it
 * matches. It reads committed blocks from the ledger after a cursor kept in the private store, so it never runs inside
 * a commit (the node's 'block' event only schedules it), and a node that stopped between a commit and the queueing
 * catches up when it starts again. docs/spec/webhooks.md#the-feed
 */
import { cloudEventOfTx, concernsOrg, matchesTypes } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import { hex32 } from '../../ids.js';
import type { NewDelivery, Subscription, WebhookStore } from './store.js';

/** Blocks one run of the feed reads at most (a node catching up yields between runs). */
export const WEBHOOK_FEED_BLOCKS_PER_RUN = 100;

export interface FeedOptions {
  node: MachiNode;
  store: WebhookStore;
  /** the node's public address: the CloudEvent's link to the proof bundle is under it */
  publicUrl: () => string;
  now: () => number;
}

/** The deliveries of block `height`'s transactions for `subs`. Transactions that their handler rejected are skipped. */
export function deliveriesOfBlock(o: FeedOptions, subs: readonly Subscription[], height: number): NewDelivery[] {
  const live = subs.filter((s) => s.fromHeight <= height);
  if (live.length === 0) return [];
  const block = o.node.store.getBlock(height);
  if (block === undefined) return [];
  const out: NewDelivery[] = [];
  for (const { stored: tx, tx: { type, payload } } of o.node.committedTxs(height)) {
    if (tx.code !== null) continue;
    const signerOrg = o.node.orgs.get(tx.signer)?.id ?? '';
    const matching = live.filter((s) => matchesTypes(s.types, type) && (!s.ownOnly || concernsOrg(s.org, signerOrg, payload)));
    if (matching.length === 0) continue;
    const event = cloudEventOfTx({
      chainId: o.node.genesis.chainId,
      org: o.node.self.id,
      blockTimeMs: block.header.time,
      data: { height, txHash: tx.hash, type, signerOrg, payload, proof: `${o.publicUrl()}/v1/txs/${tx.hash}/proof` },
    });
    const body = JSON.stringify(event);
    for (const s of matching) out.push({ id: `whd_${hex32()}`, subscription: s.id, eventId: event.id, eventType: event.type, body });
  }
  return out;
}

/**
 * Queues what the blocks after the cursor hold, up to WEBHOOK_FEED_BLOCKS_PER_RUN of them, each block that queues
 * something in one transaction with the cursor. True if more blocks wait. On the first run the cursor starts at the head: there is
 * nobody to deliver the past to.
 */
export function runFeed(o: FeedOptions): boolean {
  const head = o.node.head.height;
  const cursor = o.store.cursor();
  if (cursor === undefined) {
    o.store.setCursor(head);
    return false;
  }
  const last = Math.min(head, cursor + WEBHOOK_FEED_BLOCKS_PER_RUN);
  const subs = o.store.allSubscriptions();
  const history = o.node.history;
  for (let h = cursor + 1; h <= last; h++) {
    // A node that joined from a snapshot (membership.md#history) with a cursor from before it (its private store kept
    // through a re-join) lacks the blocks below the snapshot until it has fetched them, and stores their handler
    // results as applied until it has re-derived them: the feed waits there (a later block retries) rather than skip
    // those blocks' deliveries or deliver their refused transactions as recorded.
    if (!history.results.known(h) || (!history.complete && h < history.view.lowestHeight)) return false;
    const deliveries = deliveriesOfBlock(o, subs, h);
    // a block that queues nothing moves the cursor without a write of its own (WebhookStore.skipTo)
    if (deliveries.length > 0) o.store.enqueue(deliveries, o.now(), h);
    else o.store.skipTo(h);
  }
  return last < head;
}
