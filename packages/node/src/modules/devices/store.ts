/**
 * The devices module's private tables in the node's private store: readings (a time series with retention — readings
 * never go on the ledger), each device's health (last seen, battery, message, error and drop counts) and what only
 * this node knows of a device (the building its work orders go to). Readings carry no personal data and are not
 * sealed. Writes are batched: a reading is queued and written with the others at most DEVICES_FLUSH_MS later, one
 * transaction per batch (thousands of readings a second on one disk).
 */
import type Database from 'better-sqlite3';
import { openPrivateDb } from '../../storage/private-db.js';

/** How long readings are kept, ms (30 days). */
export const DEVICES_READINGS_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** How often queued readings and health counters are written, ms. */
export const DEVICES_FLUSH_MS = 200;
/** Readings queued at most before a write is forced (memory bound). */
export const DEVICES_QUEUE_MAX = 20_000;
/** Bytes of one reading kept (the message as received, truncated). */
export const DEVICES_READING_BYTES_MAX = 2048;
/** Readings one query returns, at most. */
export const DEVICES_READINGS_PAGE_MAX = 500;

export interface Reading {
  device: string;
  /** the device's time, ms */
  at: number;
  receivedAt: number;
  /** the device's clock is far from ours (kept, flagged) */
  flagged: boolean;
  body: string;
}

export interface DeviceHealth {
  device: string;
  lastSeen: number | null;
  battery: number | null;
  messages: number;
  /** malformed, unsigned when required, bad signature, unknown condition fields */
  errors: number;
  /** over the rate limit */
  dropped: number;
  /** readings whose time was far from the node's clock */
  flagged: number;
  /** refused CONNECTs naming this device */
  refused: number;
}

const empty = (device: string): DeviceHealth => ({ device, lastSeen: null, battery: null, messages: 0, errors: 0, dropped: 0, flagged: 0, refused: 0 });

export class DeviceStore {
  readonly #db: Database.Database;
  readonly #queue: Reading[] = [];
  readonly #health = new Map<string, DeviceHealth>();
  readonly #dirty = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #refusedUnknown = 0;

  constructor(file: string) {
    this.#db = openPrivateDb(file);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS device_readings (device TEXT NOT NULL, at INTEGER NOT NULL, received_at INTEGER NOT NULL, flagged INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS device_readings_by_device ON device_readings (device, received_at);
      CREATE INDEX IF NOT EXISTS device_readings_by_time ON device_readings (received_at);
      CREATE TABLE IF NOT EXISTS device_health (device TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS device_meta (device TEXT PRIMARY KEY, building TEXT NOT NULL);
    `);
    for (const row of this.#db.prepare('SELECT json FROM device_health').all() as { json: string }[]) {
      const h = JSON.parse(row.json) as DeviceHealth;
      this.#health.set(h.device, h);
    }
    this.#timer = setInterval(() => this.flush(), DEVICES_FLUSH_MS);
    this.#timer.unref();
  }

  /** Queues a reading (written at the next flush). */
  addReading(r: Reading): void {
    this.#queue.push({ ...r, body: r.body.slice(0, DEVICES_READING_BYTES_MAX) });
    if (this.#queue.length >= DEVICES_QUEUE_MAX) this.flush();
  }

  /** A device's health, updated in memory (written at the next flush). */
  health(device: string): DeviceHealth {
    let h = this.#health.get(device);
    if (h === undefined) {
      h = empty(device);
      this.#health.set(device, h);
    }
    this.#dirty.add(device);
    return h;
  }

  peekHealth(device: string): DeviceHealth {
    return { ...(this.#health.get(device) ?? empty(device)) };
  }

  /** A CONNECT refused for a name that is no device of ours (counted once for all of them). */
  countRefusedUnknown(): void {
    this.#refusedUnknown += 1;
  }

  get refusedUnknown(): number {
    return this.#refusedUnknown;
  }

  setBuilding(device: string, building: string): void {
    this.#db.prepare('INSERT INTO device_meta (device, building) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET building = excluded.building').run(device, building);
  }

  building(device: string): string | undefined {
    return (this.#db.prepare('SELECT building FROM device_meta WHERE device = ?').get(device) as { building: string } | undefined)?.building;
  }

  /** The latest readings of a device, newest first. */
  readings(device: string, limit = DEVICES_READINGS_PAGE_MAX): Reading[] {
    this.flush();
    const rows = this.#db.prepare('SELECT device, at, received_at, flagged, body FROM device_readings WHERE device = ? ORDER BY received_at DESC, rowid DESC LIMIT ?')
      .all(device, Math.min(limit, DEVICES_READINGS_PAGE_MAX)) as { device: string; at: number; received_at: number; flagged: number; body: string }[];
    return rows.map((r) => ({ device: r.device, at: r.at, receivedAt: r.received_at, flagged: r.flagged === 1, body: r.body }));
  }

  countReadings(device: string): number {
    this.flush();
    return (this.#db.prepare('SELECT count(*) AS n FROM device_readings WHERE device = ?').get(device) as { n: number }).n;
  }

  /** Writes the queued readings and changed health in one transaction. */
  flush(): void {
    if (this.#queue.length === 0 && this.#dirty.size === 0) return;
    const readings = this.#queue.splice(0);
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    const insert = this.#db.prepare('INSERT INTO device_readings (device, at, received_at, flagged, body) VALUES (?, ?, ?, ?, ?)');
    const upsert = this.#db.prepare('INSERT INTO device_health (device, json) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET json = excluded.json');
    this.#db.transaction(() => {
      for (const r of readings) insert.run(r.device, r.at, r.receivedAt, r.flagged ? 1 : 0, r.body);
      for (const d of dirty) upsert.run(d, JSON.stringify(this.#health.get(d)));
    })();
  }

  /** Deletes readings received before `now` − retention. Returns how many. */
  prune(now: number, retentionMs = DEVICES_READINGS_RETENTION_MS): number {
    this.flush();
    return this.#db.prepare('DELETE FROM device_readings WHERE received_at < ?').run(now - retentionMs).changes;
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
    this.#db.close();
  }
}
