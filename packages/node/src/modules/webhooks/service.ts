/**
 * The webhooks service: an organisation's subscriptions (create, list, delete), their delivery logs and test pings.
 * Every call acts for the caller's organisation only: another organisation's subscription does not exist for it.
 * docs/spec/webhooks.md#api
 */
import {
  MachiError,
  WEBHOOK_PING_TYPE,
  WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX,
  webhookSource,
  type CloudEvent,
  type WebhookCreate,
  type WebhookDeliveryPage,
  type WebhookPingResult,
  type WebhookView,
} from '@machi/core';
import type { Principal } from '../../auth/principal.js';
import type { MachiNode } from '../../node/node.js';
import { hex32 } from '../../ids.js';
import type { Subscription, WebhookStore } from './store.js';

/**
 * The target as stored (normalised), or WEBHOOK_TARGET_INVALID: an absolute http: or https: URL with a host and no
 * user name or password (they would show in every listing and log). Nothing else (ftp:, javascript:, data:, a bare
 * host name, text that is no URL).
 */
export function parseTarget(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new MachiError('WEBHOOK_TARGET_INVALID', 'the target is not an absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MachiError('WEBHOOK_TARGET_INVALID', `a target must be http: or https:, not ${u.protocol}`);
  if (u.hostname === '') throw new MachiError('WEBHOOK_TARGET_INVALID', 'the target has no host');
  if (u.username !== '' || u.password !== '') throw new MachiError('WEBHOOK_TARGET_INVALID', 'the target must not carry a user name or password');
  return u.href;
}

export interface WebhooksServiceOptions {
  node: MachiNode;
  store: WebhookStore;
  now: () => number;
  /** wakes the sender: something was queued */
  kick: () => void;
}

export class WebhooksService {
  readonly #o: WebhooksServiceOptions;

  constructor(o: WebhooksServiceOptions) {
    this.#o = o;
  }

  create(p: Principal, body: WebhookCreate): WebhookView {
    const s: Subscription = {
      id: `wh_${hex32()}`,
      org: p.org,
      url: parseTarget(body.url),
      types: [...body.types],
      ownOnly: body.ownOnly ?? false,
      description: body.description ?? '',
      createdAt: this.#o.now(),
      createdBy: p.userId,
      // from the next block on: a subscription receives what happens after it, not the chain's history
      fromHeight: this.#o.node.head.height + 1,
    };
    if (!this.#o.store.addSubscriptionWithin(s, WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX)) {
      throw new MachiError('WEBHOOK_LIMIT_REACHED', `an organisation may have at most ${WEBHOOK_SUBSCRIPTIONS_PER_ORG_MAX} webhook subscriptions`);
    }
    return this.#view(s);
  }

  list(p: Principal): WebhookView[] {
    return this.#o.store.subscriptionsOf(p.org).map((s) => this.#view(s));
  }

  delete(p: Principal, id: string): void {
    this.#own(p, id);
    this.#o.store.deleteSubscription(id);
  }

  deliveries(p: Principal, id: string, limit: number, cursor?: number): WebhookDeliveryPage {
    this.#own(p, id);
    const page = this.#o.store.deliveries(id, limit, cursor);
    return page.next === undefined ? { deliveries: page.deliveries } : { deliveries: page.deliveries, next: String(page.next) };
  }

  /** Queues a `org.machi.webhook.ping` event for the subscription (delivered, signed and retried like any other). */
  ping(p: Principal, id: string): WebhookPingResult {
    const s = this.#own(p, id);
    const now = this.#o.now();
    const event: CloudEvent<{ subscription: string; org: string; types: string[] }> = {
      specversion: '1.0',
      id: `ping_${hex32()}`,
      source: webhookSource(this.#o.node.genesis.chainId, this.#o.node.self.id),
      type: WEBHOOK_PING_TYPE,
      time: new Date(now).toISOString(),
      subject: s.id,
      datacontenttype: 'application/json',
      data: { subscription: s.id, org: s.org, types: s.types },
    };
    const delivery = `whd_${hex32()}`;
    this.#o.store.enqueue([{ id: delivery, subscription: s.id, eventId: event.id, eventType: event.type, body: JSON.stringify(event) }], now);
    this.#o.kick();
    return { delivery, eventId: event.id };
  }

  #own(p: Principal, id: string): Subscription {
    const s = this.#o.store.subscription(id);
    if (s === undefined || s.org !== p.org) throw new MachiError('WEBHOOK_NOT_FOUND');
    return s;
  }

  #view(s: Subscription): WebhookView {
    return {
      id: s.id, org: s.org, url: s.url, types: s.types, ownOnly: s.ownOnly, description: s.description, createdAt: s.createdAt,
      fromHeight: s.fromHeight, signingKey: this.#o.node.self.publicKey, pending: this.#o.store.pendingCount(s.id),
    };
  }
}
