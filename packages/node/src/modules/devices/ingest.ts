/**
 * One path for every reading, whichever way it came (MQTT through the embedded broker or an existing one, the HTTP
 * gateway route, an NGSI-LD Alert): the device is ours and in service, its rate limit, the message is a JSON object
 * (signed when the device requires it; proving the device's secret or key when the transport did not), then the
 * reading is kept in the time series, its health counted, and each verdict handed to the alarm engine. Nothing a
 * device sends can crash the node: every failure is a counted outcome.
 */
import { ruleFor, deviceRecord, type DeviceRecord } from '@machi/core';
import type { MachiNode } from '../../node/node.js';
import type { AlarmEngine } from './alarms.js';
import { checkMessageSignature, secretHash } from './credentials.js';
import { evaluateReading } from './evaluate.js';
import { TokenBuckets } from './rate-limit.js';
import type { DeviceStore } from './store.js';

/** Bytes of one message, at most. */
export const DEVICES_MESSAGE_BYTES_MAX = 4096;
/** A reading whose time is further than this from the node's clock is kept but flagged, ms. */
export const DEVICES_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** How long a rule's threshold and a device record are cached, ms. */
export const DEVICES_CACHE_MS = 1000;

export type IngestOutcome = 'accepted' | 'unknown-device' | 'retired' | 'unauthorized' | 'rate-limited' | 'malformed' | 'unsigned' | 'bad-signature';

export interface IngestOptions {
  /** the transport checked the device's credentials (embedded broker CONNECT, HTTP route) */
  authenticated: boolean;
}

export class Ingest {
  readonly #node: MachiNode;
  readonly #store: DeviceStore;
  readonly #engine: AlarmEngine;
  readonly #buckets: TokenBuckets;
  readonly #devices = new Map<string, { d: DeviceRecord | undefined; at: number }>();
  readonly #thresholds = new Map<string, { t: number | null; at: number }>();

  constructor(node: MachiNode, store: DeviceStore, engine: AlarmEngine, buckets = new TokenBuckets()) {
    this.#node = node;
    this.#store = store;
    this.#engine = engine;
    this.#buckets = buckets;
  }

  /** The device record of one of this organisation's devices (cached briefly), or undefined. */
  device(id: string, now = this.#node.clock()): DeviceRecord | undefined {
    const c = this.#devices.get(id);
    if (c !== undefined && now - c.at < DEVICES_CACHE_MS) return c.d;
    const d = deviceRecord((k) => this.#node.store.read(k), id);
    const own = d !== undefined && d.org === this.#node.self.id ? d : undefined;
    this.#devices.set(id, { d: own, at: now });
    return own;
  }

  #threshold(d: DeviceRecord, condition: string, now: number): number | null {
    const key = `${d.class}/${condition}`;
    const c = this.#thresholds.get(key);
    if (c !== undefined && now - c.at < DEVICES_CACHE_MS) return c.t;
    const t = ruleFor((k) => this.#node.store.read(k), d.org, d.class, condition, this.#node.genesis.orgs.map((o) => o.id))?.threshold ?? null;
    this.#thresholds.set(key, { t, at: now });
    return t;
  }

  /** Handles one message from device `id`. */
  ingest(id: string, message: Buffer | string | Record<string, unknown>, o: IngestOptions): IngestOutcome {
    const now = this.#node.clock();
    const d = this.device(id, now);
    if (d === undefined) return 'unknown-device';
    if (d.retiredAt !== undefined) return 'retired';
    const health = this.#store.health(id);
    if (!this.#buckets.take(id, now)) {
      health.dropped += 1;
      return 'rate-limited';
    }
    const fail = (why: IngestOutcome): IngestOutcome => {
      health.errors += 1;
      return why;
    };
    let m: Record<string, unknown>;
    if (typeof message === 'object' && !Buffer.isBuffer(message)) m = message;
    else {
      const text = typeof message === 'string' ? message : message.toString('utf8');
      if (text.length > DEVICES_MESSAGE_BYTES_MAX) return fail('malformed');
      try {
        m = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return fail('malformed');
      }
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return fail('malformed');
    const signed = d.credential.kind === 'ed25519' && typeof m.sig === 'string';
    if (signed && !checkMessageSignature((d.credential as { publicKey: string }).publicKey, m)) return fail('bad-signature');
    if (d.signedMessages && !signed) return fail('unsigned');
    if (!o.authenticated && !signed) {
      // through a broker that is not ours: the message itself must prove the device (its secret in `key`)
      if (d.credential.kind !== 'secret' || typeof m.key !== 'string' || secretHash(m.key) !== d.credential.hash) return fail('unauthorized');
    }
    const { key: _secret, sig: _sig, ...reading } = m;
    let at = now;
    if (reading.at !== undefined) {
      const t = typeof reading.at === 'number' ? reading.at : typeof reading.at === 'string' ? Date.parse(reading.at) : NaN;
      if (!Number.isSafeInteger(t) || t < 0) return fail('malformed');
      at = t;
    }
    if (reading.battery !== undefined && (typeof reading.battery !== 'number' || reading.battery < 0 || reading.battery > 100)) return fail('malformed');
    const verdicts = evaluateReading(d.class, reading, (c) => this.#threshold(d, c, now));
    if (verdicts === null) return fail('malformed');
    const flagged = Math.abs(at - now) > DEVICES_CLOCK_SKEW_MS;
    health.messages += 1;
    health.lastSeen = now;
    if (typeof reading.battery === 'number') health.battery = reading.battery;
    if (flagged) health.flagged += 1;
    this.#store.addReading({ device: id, at, receivedAt: now, flagged, body: JSON.stringify(reading) });
    for (const v of verdicts) this.#engine.onVerdict(d, v.condition, v.alarm, flagged ? now : at, now, flagged);
    return 'accepted';
  }

  /**
   * An alert of `condition` from device `id` at `at` (an NGSI-LD Alert: the source says the condition holds, no
   * reading to evaluate). The caller checked the device's credentials.
   */
  alert(id: string, condition: string, at: number, body: string): IngestOutcome {
    const now = this.#node.clock();
    const d = this.device(id, now);
    if (d === undefined) return 'unknown-device';
    if (d.retiredAt !== undefined) return 'retired';
    const health = this.#store.health(id);
    if (!this.#buckets.take(id, now)) {
      health.dropped += 1;
      return 'rate-limited';
    }
    const flagged = Math.abs(at - now) > DEVICES_CLOCK_SKEW_MS;
    health.messages += 1;
    health.lastSeen = now;
    if (flagged) health.flagged += 1;
    this.#store.addReading({ device: id, at, receivedAt: now, flagged, body });
    this.#engine.onVerdict(d, condition, true, flagged ? now : at, now, flagged);
    return 'accepted';
  }

  /** Forgets the cached record of a device (after it is registered or retired here). */
  invalidate(id: string): void {
    this.#devices.delete(id);
    this.#thresholds.clear();
  }
}
