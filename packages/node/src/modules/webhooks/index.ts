/**
 * webhooks on a node: organisations' systems subscribe to transaction types and receive every committed transaction
 * of them as a CloudEvents 1.0 event (structured JSON), signed with the organisation's consortium key (Standard
 * Webhooks, asymmetric `v1a`), from a queue in the private store, retried with backoff and logged. Delivery never
 * delays a commit: the node's 'block' event only schedules the feed. docs/spec/webhooks.md
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Signer } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import { privateDbPath } from '../../storage/private-db.js';
import { defineNodeModule, type ModuleContext } from '../contract.js';
import { runFeed } from './feed.js';
import { webhooksRoutes } from './routes.js';
import { WEBHOOK_TIMINGS, WebhookSender, type WebhookTimings } from './sender.js';
import { WebhooksService } from './service.js';
import { WebhookStore } from './store.js';

export { WEBHOOK_TIMINGS, signedHeaders, type WebhookTimings } from './sender.js';
export { WebhookStore } from './store.js';

/** How often finished deliveries beyond each subscription's kept log are pruned, ms. */
export const WEBHOOK_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** While the node's public address is not known yet (it is not listening), the feed looks again after this, ms. */
export const WEBHOOK_FEED_ADDRESS_WAIT_MS = 100;

export interface WebhooksWiring {
  node: MachiNode;
  signer: Signer;
  dir: string;
  publicUrl: () => string;
  log: (line: string) => void;
  /** over WEBHOOK_TIMINGS (tests shorten them) */
  timings?: Partial<WebhookTimings>;
  now?: () => number;
  random?: () => number;
}

export interface Webhooks {
  service: WebhooksService;
  store: WebhookStore;
  plugin: FastifyPluginAsync;
  close(): Promise<void>;
}

export function openWebhooks(w: WebhooksWiring): Webhooks {
  const now = w.now ?? Date.now;
  const store = new WebhookStore(privateDbPath(w.dir));
  const sender = new WebhookSender({ store, signer: w.signer, timings: { ...WEBHOOK_TIMINGS, ...w.timings }, now, random: w.random ?? Math.random, log: w.log });
  const service = new WebhooksService({ node: w.node, store, now, kick: () => sender.kick() });

  // The feed runs after the commit that announced a block has returned, never inside it; a failure is logged and the
  // next block (or start) retries from the cursor.
  let scheduled: NodeJS.Immediate | undefined;
  let waiting: NodeJS.Timeout | undefined;
  let closed = false;
  const feed = (): void => {
    scheduled = undefined;
    if (closed) return;
    // the events link to proofs under the public address, known once the API listens (start-up catch-up runs before)
    if (w.publicUrl() === '') {
      waiting ??= setTimeout(() => {
        waiting = undefined;
        schedule();
      }, WEBHOOK_FEED_ADDRESS_WAIT_MS).unref();
      return;
    }
    try {
      if (runFeed({ node: w.node, store, publicUrl: w.publicUrl, now })) schedule();
    } catch (e) {
      w.log(`webhooks: feed: ${(e as Error).message}`);
    }
    sender.kick();
  };
  const schedule = (): void => {
    if (scheduled === undefined && !closed) scheduled = setImmediate(feed);
  };
  w.node.on('block', schedule);
  // a joined node's feed waits at blocks whose results are not re-derived yet (feed.ts): on as they become known
  w.node.on('history-results', schedule);
  schedule(); // catch up with what committed while the node was down
  sender.start();
  const prune = setInterval(() => store.prune(), WEBHOOK_PRUNE_INTERVAL_MS);
  prune.unref();

  return {
    service,
    store,
    plugin: async (app) => app.register(webhooksRoutes, { service }),
    async close() {
      closed = true;
      w.node.off('block', schedule);
      w.node.off('history-results', schedule);
      if (scheduled !== undefined) clearImmediate(scheduled);
      if (waiting !== undefined) clearTimeout(waiting);
      clearInterval(prune);
      await sender.close();
      store.close();
    },
  };
}

/** The module as registered; `timings` for variants (tests). */
export const openWebhooksModule = (ctx: ModuleContext, timings?: Partial<WebhookTimings>) => {
  const h = openWebhooks({ node: ctx.node, signer: ctx.signer, dir: ctx.dir, publicUrl: ctx.publicUrl, log: ctx.log, ...(timings === undefined ? {} : { timings }) });
  return { plugin: h.plugin, exports: h, close: () => h.close() };
};

export const webhooksNodeModule = defineNodeModule({
  name: 'webhooks',
  dependsOn: [],
  routeClasses: {
    'webhooks.manage': {
      access: ['official', 'property-staff', 'utility-staff', 'regulator'],
      doc: "an organisation's webhook subscriptions: create, list, delete, delivery log, test ping",
    },
  },
  tags: [{ name: 'webhooks', description: 'signed CloudEvents 1.0 deliveries of committed transactions (docs/spec/webhooks.md)', paths: /^\/v1\/webhooks(\/|$)/ }],
  open: (ctx) => openWebhooksModule(ctx),
});
