/**
 * The node's pure parts and its private store: token buckets (a flood spends only its own tokens; they refill with
 * time), rule evaluation of readings (booleans, thresholds above and below, wrong types), CONNECT passwords (secret;
 * Ed25519 with a time window), message signatures, and the readings' retention.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@machi/core';
import { DEVICES_CONNECT_SKEW_MS, checkConnectPassword, checkMessageSignature, connectMessage, newDeviceSecret } from '../../src/modules/devices/credentials.js';
import { evaluateReading } from '../../src/modules/devices/evaluate.js';
import { DEVICES_BURST, DEVICES_RATE_PER_S, TokenBuckets } from '../../src/modules/devices/rate-limit.js';
import { DEVICES_READINGS_RETENTION_MS, DeviceStore } from '../../src/modules/devices/store.js';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

describe('token buckets', () => {
  it('a burst, then the sustained rate; another device keeps its own tokens', () => {
    const b = new TokenBuckets();
    let taken = 0;
    for (let i = 0; i < 1000; i++) if (b.take('flood', T0)) taken++;
    expect(taken).toBe(DEVICES_BURST);
    expect(b.take('calm', T0)).toBe(true);
    // one second later: the rate's worth again
    taken = 0;
    for (let i = 0; i < 1000; i++) if (b.take('flood', T0 + 1000)) taken++;
    expect(taken).toBe(DEVICES_RATE_PER_S);
  });
});

describe('rule evaluation', () => {
  const none = () => null;
  it('booleans, thresholds above (gas) and below (pressure), absent fields say nothing, wrong types are malformed', () => {
    expect(evaluateReading('moisture', { leak: true, battery: 50 }, none)).toEqual([{ condition: 'leak', alarm: true }]);
    expect(evaluateReading('moisture', { battery: 50 }, none)).toEqual([]);
    expect(evaluateReading('moisture', { leak: 'yes' }, none)).toBeNull();
    expect(evaluateReading('gas', { ppm: 51 }, () => 50)).toEqual([{ condition: 'gas-high', alarm: true }]);
    expect(evaluateReading('gas', { ppm: 50 }, () => 50)).toEqual([{ condition: 'gas-high', alarm: false }]);
    expect(evaluateReading('fire-pump', { pressureKpa: 299 }, () => 300)).toEqual([{ condition: 'pressure-low', alarm: true }]);
    expect(evaluateReading('fire-pump', { pressureKpa: Number.NaN }, () => 300)).toBeNull();
    expect(evaluateReading('lift', { entrapment: true, fault: false }, none)).toEqual([{ condition: 'entrapment', alarm: true }, { condition: 'lift-fault', alarm: false }]);
  });
});

describe('credentials', () => {
  it('a secret: only its hash is kept; the password must be the secret', () => {
    const { secret, hash } = newDeviceSecret();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret);
    expect(checkConnectPassword('d1', { kind: 'secret', hash }, secret, T0)).toBe(true);
    expect(checkConnectPassword('d1', { kind: 'secret', hash }, `${secret}x`, T0)).toBe(false);
  });

  it('an Ed25519 key: a signed, recent CONNECT password for this device; signed messages', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const x = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
    const cred = { kind: 'ed25519' as const, publicKey: x };
    const pw = (device: string, ms: number) => `${ms}.${sign(null, Buffer.from(connectMessage(device, ms)), privateKey).toString('base64url')}`;
    expect(checkConnectPassword('d1', cred, pw('d1', T0), T0 + 1000)).toBe(true);
    expect(checkConnectPassword('d1', cred, pw('d2', T0), T0)).toBe(false);
    expect(checkConnectPassword('d1', cred, pw('d1', T0), T0 + DEVICES_CONNECT_SKEW_MS + 1)).toBe(false);
    expect(checkConnectPassword('d1', cred, 'garbage', T0)).toBe(false);
    const m: Record<string, unknown> = { leak: true, at: T0 };
    m.sig = sign(null, Buffer.from(canonicalJson(m)), privateKey).toString('base64url');
    expect(checkMessageSignature(x, m)).toBe(true);
    expect(checkMessageSignature(x, { ...m, leak: false })).toBe(false);
    expect(checkMessageSignature(x, { leak: true, at: T0 })).toBe(false);
  });
});

describe('the readings store', () => {
  it('keeps readings and health; deletes readings past the retention', () => {
    const dir = mkdtempSync(join(tmpdir(), 'machi-devices-'));
    try {
      const store = new DeviceStore(join(dir, 'private.db'));
      store.addReading({ device: 'd1', at: T0, receivedAt: T0, flagged: false, body: '{"leak":false}' });
      store.addReading({ device: 'd1', at: T0, receivedAt: T0 + DEVICES_READINGS_RETENTION_MS, flagged: true, body: '{"leak":true}' });
      store.health('d1').messages += 2;
      expect(store.countReadings('d1')).toBe(2);
      expect(store.prune(T0 + DEVICES_READINGS_RETENTION_MS + 1)).toBe(1);
      expect(store.readings('d1').map((r) => r.body)).toEqual(['{"leak":true}']);
      store.close();
      // health survives a restart
      const again = new DeviceStore(join(dir, 'private.db'));
      expect(again.peekHealth('d1').messages).toBe(2);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
