/** Per-address limits on submitted transactions (counted one by one, not per request), through inject(). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TX_RATE_WINDOW_MS, parseTrustProxy, parseTxRateLimit } from '../../src/index.js';
import { testServer, type TestServer } from '../auth/helpers.js';

const LIMIT = 10;
let s: TestServer;
const junk = (n: number) => Array.from({ length: n }, (_, i) => ({ not: 'a transaction', i }));
const batch = (n: number, remoteAddress: string, headers: Record<string, string> = {}) =>
  s.app.inject({ method: 'POST', url: '/v1/txs/batch', payload: { txs: junk(n) }, remoteAddress, headers });
const one = (remoteAddress: string) => s.app.inject({ method: 'POST', url: '/v1/txs', payload: { not: 'a transaction' }, remoteAddress });

beforeAll(async () => {
  s = await testServer({ server: { txsPerAddressPerMinute: LIMIT, trustProxy: ['127.0.0.1'] } });
});
afterAll(async () => s.close());
beforeEach(() => {
  s.clock.ms += TX_RATE_WINDOW_MS + 1;
  vi.spyOn(Date, 'now').mockImplementation(() => s.clock.ms);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('submitted transactions per client address', () => {
  it(`count each transaction of a batch: at most ${LIMIT} a minute, then 429 RATE_LIMITED with Retry-After, nothing checked`, async () => {
    const first = await batch(8, '192.0.2.1');
    expect(first.statusCode).toBe(200);
    expect(first.json().results).toHaveLength(8);
    const over = await batch(3, '192.0.2.1');
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // a refused submission counts nothing: two more still fit
    expect((await batch(2, '192.0.2.1')).statusCode).toBe(200);
    expect((await one('192.0.2.1')).json().code).toBe('RATE_LIMITED');
    // other addresses have their own count; the window passes
    expect((await batch(LIMIT, '192.0.2.2')).statusCode).toBe(200);
    s.clock.ms += TX_RATE_WINDOW_MS;
    expect((await batch(LIMIT, '192.0.2.1')).statusCode).toBe(200);
  });

  it('count /v1/txs too, one per request', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await one('192.0.2.3')).statusCode).toBe(400);
    expect((await one('192.0.2.3')).statusCode).toBe(429);
  });

  it('key on X-Forwarded-For from a trusted proxy', async () => {
    expect((await batch(LIMIT, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(200);
    expect((await batch(1, '127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
    expect((await batch(LIMIT, '127.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(200);
  });

  it('leave an oversized batch to the route (413 BATCH_TOO_LARGE is not a rate limit)', async () => {
    const r = await batch(8193, '192.0.2.4');
    expect(r.json().code).toBe('BATCH_TOO_LARGE');
  });
});

describe('options', () => {
  it('--trust-proxy takes true, false, addresses, CIDRs and proxy-addr names; refuses the rest', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('10.0.0.0/8, loopback,::1,fd00::/8')).toEqual(['10.0.0.0/8', 'loopback', '::1', 'fd00::/8']);
    for (const bad of ['yes', '10.0.0.0/33', '10.0.0/8', 'example.com', '1.2.3.4/8/9']) expect(() => parseTrustProxy(bad)).toThrow(/trust-proxy/);
  });

  it('--tx-rate-limit takes a whole number (0: none)', () => {
    expect(parseTxRateLimit('0')).toBe(0);
    expect(parseTxRateLimit('100000000')).toBe(100_000_000);
    for (const bad of ['-1', '1.5', 'lots', '']) expect(() => parseTxRateLimit(bad)).toThrow(/tx-rate-limit/);
  });
});
