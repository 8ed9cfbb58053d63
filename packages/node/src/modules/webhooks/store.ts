/**
 * The webhooks part of the node's private store (DIR/private.db): subscriptions, the delivery queue and its log, and
 * the feed's cursor (the last block whose transactions were queued). Nothing here is sealed: a delivery carries only
 * what is public on the ledger, and a target URL is the subscriber's own. The queue is the table itself, so a restart
 * resumes where the node stopped. docs/spec/webhooks.md#delivery
 *
 * This class owns only its tables (`webhook_subscriptions`, `webhook_deliveries`, `webhook_attempts`, `webhook_meta`);
 * the file is shared with the other modules' stores, so the schema is `CREATE … IF NOT EXISTS`.
 */
import type Database from 'better-sqlite3';
import type { WebhookAttempt, WebhookDelivery } from '@machi/core';
import { MetaTable, openPrivateDb } from '../../storage/private-db.js';

/** Deliveries one subscription may have waiting; beyond it a new one is logged as failed at once (`queue full`). */
export const WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX = 10_000;
/** Finished deliveries (delivered or failed) kept per subscription for its log; older ones are pruned. */
export const WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION = 1_000;

export interface Subscription {
  id: string;
  org: string;
  url: string;
  types: string[];
  ownOnly: boolean;
  description: string;
  createdAt: number;
  /** the user who made it */
  createdBy: string;
  /** transactions of blocks from this height on are delivered */
  fromHeight: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** A queued delivery, as the sender reads it. */
export interface QueuedDelivery {
  id: string;
  subscription: string;
  eventId: string;
  body: string;
  /** attempts made so far */
  attempts: number;
}

export interface NewDelivery {
  id: string;
  subscription: string;
  eventId: string;
  eventType: string;
  body: string;
}

interface SubscriptionRow {
  id: string;
  org: string;
  url: string;
  types: string;
  own_only: number;
  description: string;
  created_at: number;
  created_by: string;
  from_height: number;
}

interface DeliveryRow {
  seq: number;
  id: string;
  subscription: string;
  event_id: string;
  event_type: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  next_at: number | null;
  created_at: number;
}

interface AttemptRow {
  delivery: string;
  n: number;
  at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
}

const subscriptionOf = (r: SubscriptionRow): Subscription => ({
  id: r.id, org: r.org, url: r.url, types: JSON.parse(r.types) as string[], ownOnly: r.own_only === 1,
  description: r.description, createdAt: r.created_at, createdBy: r.created_by, fromHeight: r.from_height,
});

const attemptOf = (r: AttemptRow): WebhookAttempt => ({
  at: r.at, durationMs: r.duration_ms,
  ...(r.status === null ? {} : { status: r.status }),
  ...(r.error === null ? {} : { error: r.error }),
});

const CURSOR = 'cursor';
/** Blocks that queue nothing move the feed's cursor in memory; it is written after this many (and on close). */
export const WEBHOOK_CURSOR_WRITE_BLOCKS = 100;

export class WebhookStore {
  readonly #db: Database.Database;
  readonly #meta: MetaTable;
  readonly #allSubscriptions: Database.Statement;
  /** the cursor as last read or moved, and as last written */
  #cursor: number | undefined;
  #written: number | undefined;

  constructor(file: string) {
    this.#db = openPrivateDb(file);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY, org TEXT NOT NULL, url TEXT NOT NULL, types TEXT NOT NULL, own_only INTEGER NOT NULL,
        description TEXT NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, from_height INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS webhook_subscriptions_org ON webhook_subscriptions (org);
      CREATE TABLE IF NOT EXISTS webhook_deliveries (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, subscription TEXT NOT NULL,
        event_id TEXT NOT NULL, event_type TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER, created_at INTEGER NOT NULL,
        UNIQUE (subscription, event_id)
      );
      CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_at);
      CREATE INDEX IF NOT EXISTS webhook_deliveries_log ON webhook_deliveries (subscription, seq);
      CREATE TABLE IF NOT EXISTS webhook_attempts (
        delivery TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
        status INTEGER, error TEXT, PRIMARY KEY (delivery, n)
      ) WITHOUT ROWID;
    `);
    this.#meta = new MetaTable(this.#db, 'webhook_meta');
    this.#allSubscriptions = this.#db.prepare('SELECT * FROM webhook_subscriptions ORDER BY created_at, id');
  }

  // ---- subscriptions ----

  addSubscription(s: Subscription): void {
    this.#db.prepare(`INSERT INTO webhook_subscriptions (id, org, url, types, own_only, description, created_at, created_by, from_height)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(s.id, s.org, s.url, JSON.stringify(s.types), s.ownOnly ? 1 : 0, s.description, s.createdAt, s.createdBy, s.fromHeight);
  }

  /** Adds `s` unless `org` already has `max` subscriptions; false if it has. One transaction: two requests cannot both pass. */
  addSubscriptionWithin(s: Subscription, max: number): boolean {
    return this.#db.transaction(() => {
      if (this.countSubscriptions(s.org) >= max) return false;
      this.addSubscription(s);
      return true;
    }).immediate();
  }

  countSubscriptions(org: string): number {
    return this.#db.prepare('SELECT count(*) FROM webhook_subscriptions WHERE org = ?').pluck().get(org) as number;
  }

  subscription(id: string): Subscription | undefined {
    const r = this.#db.prepare('SELECT * FROM webhook_subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
    return r === undefined ? undefined : subscriptionOf(r);
  }

  subscriptionsOf(org: string): Subscription[] {
    return (this.#db.prepare('SELECT * FROM webhook_subscriptions WHERE org = ? ORDER BY created_at, id').all(org) as SubscriptionRow[]).map(subscriptionOf);
  }

  allSubscriptions(): Subscription[] {
    return (this.#allSubscriptions.all() as SubscriptionRow[]).map(subscriptionOf);
  }

  /** Deletes a subscription with its queue and log. */
  deleteSubscription(id: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM webhook_attempts WHERE delivery IN (SELECT id FROM webhook_deliveries WHERE subscription = ?)').run(id);
      this.#db.prepare('DELETE FROM webhook_deliveries WHERE subscription = ?').run(id);
      this.#db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?').run(id);
    })();
  }

  // ---- the feed ----

  /** The last height whose transactions were queued; undefined before the first run. */
  cursor(): number | undefined {
    if (this.#cursor !== undefined) return this.#cursor;
    const v = this.#meta.get(CURSOR);
    this.#cursor = v === undefined ? undefined : Number(v);
    this.#written = this.#cursor;
    return this.#cursor;
  }

  setCursor(height: number): void {
    this.#meta.set(CURSOR, String(height));
    this.#cursor = height;
    this.#written = height;
  }

  /**
   * Moves the cursor past blocks that queued nothing. It is written only every WEBHOOK_CURSOR_WRITE_BLOCKS (and on
   * close), not in a transaction of its own per block: after a crash the feed reads those blocks again and queues
   * nothing again (a subscription only takes blocks from its `fromHeight`, above the head when it was made).
   */
  skipTo(height: number): void {
    if (this.#written === undefined || height - this.#written >= WEBHOOK_CURSOR_WRITE_BLOCKS) this.setCursor(height);
    else this.#cursor = height;
  }

  /**
   * Queues `deliveries` and moves the cursor to `height`, in one transaction (a crash leaves both or neither). A
   * delivery of an event its subscription already has is ignored; one beyond the subscription's queue limit is logged
   * failed at once.
   */
  enqueue(deliveries: readonly NewDelivery[], now: number, height?: number): void {
    const pendingOf = this.#db.prepare("SELECT count(*) FROM webhook_deliveries WHERE subscription = ? AND state = 'pending'").pluck();
    const insert = this.#db.prepare(`INSERT OR IGNORE INTO webhook_deliveries (id, subscription, event_id, event_type, body, state, next_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const attempt = this.#db.prepare('INSERT INTO webhook_attempts (delivery, n, at, duration_ms, status, error) VALUES (?, 0, ?, 0, NULL, ?)');
    this.#db.transaction(() => {
      const pending = new Map<string, number>(); // counted once per subscription, then kept up to date here
      for (const d of deliveries) {
        const waiting = pending.get(d.subscription) ?? (pendingOf.get(d.subscription) as number);
        const full = waiting >= WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX;
        // a delivery that will never be sent keeps no body
        const r = insert.run(d.id, d.subscription, d.eventId, d.eventType, full ? '' : d.body, full ? 'failed' : 'pending', full ? null : now, now);
        if (full && r.changes === 1) attempt.run(d.id, now, `queue full (${WEBHOOK_PENDING_PER_SUBSCRIPTION_MAX} waiting)`);
        pending.set(d.subscription, waiting + (!full && r.changes === 1 ? 1 : 0));
      }
      if (height !== undefined) this.setCursor(height);
    })();
  }

  // ---- the sender ----

  /** Pending deliveries due at `now`, soonest first, but not those in `busy` nor any of the subscriptions in `skip`. */
  due(now: number, limit: number, busy: readonly string[] = [], skip: readonly string[] = []): QueuedDelivery[] {
    return (this.#db.prepare(`SELECT id, subscription, event_id, body, attempts FROM webhook_deliveries
      WHERE state = 'pending' AND next_at <= ?
        AND id NOT IN (SELECT value FROM json_each(?)) AND subscription NOT IN (SELECT value FROM json_each(?))
      ORDER BY next_at, seq LIMIT ?`).all(now, JSON.stringify(busy), JSON.stringify(skip), limit) as DeliveryRow[])
      .map((r) => ({ id: r.id, subscription: r.subscription, eventId: r.event_id, body: r.body, attempts: r.attempts }));
  }

  /** When the next pending delivery is due; undefined if none is pending. */
  nextDue(): number | undefined {
    const v = this.#db.prepare("SELECT min(next_at) FROM webhook_deliveries WHERE state = 'pending'").pluck().get() as number | null;
    return v ?? undefined;
  }

  /**
   * Logs attempt number `n` and moves the delivery on: delivered, failed, or pending again at `nextAt`. A delivery
   * whose subscription was deleted meanwhile is gone, and so is this.
   */
  recordAttempt(id: string, n: number, a: WebhookAttempt, next: { state: DeliveryState; nextAt?: number }): void {
    this.#db.transaction(() => {
      const r = this.#db.prepare('UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ? WHERE id = ?').run(next.state, n, next.nextAt ?? null, id);
      if (r.changes === 0) return;
      this.#db.prepare('INSERT OR REPLACE INTO webhook_attempts (delivery, n, at, duration_ms, status, error) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, n, a.at, a.durationMs, a.status ?? null, a.error ?? null);
    })();
  }

  // ---- the log ----

  /** Deliveries in the queue and kept log, by state (for /metrics). */
  stateCounts(): Record<string, number> {
    const rows = this.#db.prepare('SELECT state, count(*) FROM webhook_deliveries GROUP BY state').raw().all() as [string, number][];
    return Object.fromEntries(rows);
  }

  pendingCount(subscription: string): number {
    return this.#db.prepare("SELECT count(*) FROM webhook_deliveries WHERE subscription = ? AND state = 'pending'").pluck().get(subscription) as number;
  }

  /** A page of a subscription's deliveries, newest first, before `beforeSeq`; `next` when there are more. */
  deliveries(subscription: string, limit: number, beforeSeq?: number): { deliveries: WebhookDelivery[]; next?: number } {
    const rows = this.#db.prepare(`SELECT * FROM webhook_deliveries WHERE subscription = ? AND seq < ? ORDER BY seq DESC LIMIT ?`)
      .all(subscription, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1) as DeliveryRow[];
    const page = rows.slice(0, limit);
    const attempts = this.#db.prepare('SELECT * FROM webhook_attempts WHERE delivery = ? ORDER BY n');
    const deliveries = page.map((r): WebhookDelivery => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      state: r.state,
      attempts: (attempts.all(r.id) as AttemptRow[]).map(attemptOf),
      createdAt: r.created_at,
      ...(r.state === 'pending' && r.next_at !== null ? { nextAttemptAt: r.next_at } : {}),
    }));
    return rows.length > limit ? { deliveries, next: page[page.length - 1]!.seq } : { deliveries };
  }

  /** Keeps the newest WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION finished deliveries of each subscription. */
  prune(): void {
    const subs = this.#db.prepare('SELECT id FROM webhook_subscriptions').pluck().all() as string[];
    const cut = this.#db.prepare(`SELECT seq FROM webhook_deliveries WHERE subscription = ? AND state != 'pending' ORDER BY seq DESC LIMIT 1 OFFSET ?`).pluck();
    const old = `SELECT id FROM webhook_deliveries WHERE subscription = ? AND state != 'pending' AND seq <= ?`;
    const delAttempts = this.#db.prepare(`DELETE FROM webhook_attempts WHERE delivery IN (${old})`);
    const delDeliveries = this.#db.prepare(`DELETE FROM webhook_deliveries WHERE id IN (${old})`);
    for (const s of subs) {
      const seq = cut.get(s, WEBHOOK_LOG_KEPT_PER_SUBSCRIPTION) as number | undefined;
      if (seq === undefined) continue;
      this.#db.transaction(() => {
        delAttempts.run(s, seq);
        delDeliveries.run(s, seq);
      })();
    }
  }

  close(): void {
    if (this.#cursor !== undefined && this.#cursor !== this.#written) this.setCursor(this.#cursor);
    this.#db.close();
  }
}
