/** The pure parts of webhooks: the subscription rule, the record a transaction is about, the envelope, the retry schedule. */
import { describe, expect, it } from 'vitest';
import {
  cloudEventOfTx,
  concernsOrg,
  matchesTypes,
  subjectOfPayload,
  webhookRetryDelayMs,
  webhookSignedContent,
} from '../../../src/index.js';

describe('matchesTypes', () => {
  it('matches by prefix', () => {
    expect(matchesTypes(['event.'], 'event.dispatch')).toBe(true);
    expect(matchesTypes(['event.dispatch'], 'event.dispatch')).toBe(true);
    expect(matchesTypes(['event.dispatch'], 'event.accept')).toBe(false);
    expect(matchesTypes(['repair.', 'event.'], 'notary.record')).toBe(false);
    expect(matchesTypes(['event'], 'events.x')).toBe(true); // a prefix is a prefix: end it with "." to mean a module
  });
});

describe('concernsOrg', () => {
  it('holds for a transaction the organisation signed', () => {
    expect(concernsOrg('police', 'police', { anything: 1 })).toBe(true);
  });
  it('holds when a string value anywhere in the payload is the organisation id', () => {
    expect(concernsOrg('police', 'street-office', { event: 'ev_1', departments: [{ org: 'urban-management' }, { org: 'police', minutes: 30 }] })).toBe(true);
    expect(concernsOrg('police', 'street-office', { to: 'police' })).toBe(true);
  });
  it('does not hold for a mention inside a longer text, a key, or another organisation', () => {
    expect(concernsOrg('police', 'street-office', { note: 'call the police' })).toBe(false);
    expect(concernsOrg('police', 'street-office', { police: 'yes' })).toBe(false);
    expect(concernsOrg('police', 'street-office', { departments: ['urban-management'] })).toBe(false);
    expect(concernsOrg('police', 'street-office', null)).toBe(false);
  });
  it('looks only so deep', () => {
    let deep: unknown = 'police';
    for (let i = 0; i < 20; i++) deep = [deep];
    expect(concernsOrg('police', 'x', deep)).toBe(false);
  });
});

describe('subjectOfPayload', () => {
  it('names the record by the first known field that is a string', () => {
    expect(subjectOfPayload({ event: 'ev_1', grid: 'g1' })).toBe('ev_1');
    expect(subjectOfPayload({ request: 'rq_1' })).toBe('rq_1');
    expect(subjectOfPayload({ hash: 'ab', label: 'x' })).toBe('ab');
    expect(subjectOfPayload({ event: 3, label: 'x' })).toBeUndefined();
    expect(subjectOfPayload('x')).toBeUndefined();
  });
});

describe('cloudEventOfTx', () => {
  it('builds the CloudEvents 1.0 envelope', () => {
    const data = { height: 7, txHash: 'ab'.repeat(32), type: 'event.dispatch', signerOrg: 'street-office', payload: { event: 'ev_1' }, proof: 'http://n/v1/txs/x/proof' };
    expect(cloudEventOfTx({ chainId: 'c1', org: 'street-office', blockTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 6), data })).toEqual({
      specversion: '1.0', id: data.txHash, source: '/machi/c1/street-office', type: 'org.machi.event.dispatch',
      time: '2026-01-02T03:04:05.006Z', subject: 'ev_1', datacontenttype: 'application/json', data,
    });
    expect(cloudEventOfTx({ chainId: 'c1', org: 'o', blockTimeMs: 0, data: { ...data, payload: {} } })).not.toHaveProperty('subject');
  });
  it('the signed content is id.timestamp.body', () => {
    expect(webhookSignedContent('whd_1', 1700000000, '{"a":1}')).toBe('whd_1.1700000000.{"a":1}');
  });
});

describe('webhookRetryDelayMs', () => {
  it('doubles from the base, is capped, and jitters between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 1000, 5000, 0.999999))).toEqual([1000, 2000, 4000, 5000]);
    expect([1, 2, 3, 4].map((n) => webhookRetryDelayMs(n, 1000, 5000, 0))).toEqual([500, 1000, 2000, 2500]);
    expect(webhookRetryDelayMs(1000, 1000, 3_600_000, 0.5)).toBeLessThanOrEqual(3_600_000);
  });
});
