/**
 * GS1 keys: the GTIN check digit and Digital Link parsing against the standard's published examples
 * (test/data/gs1-digital-link-examples.json, which names its sources), each with one digit changed refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDigitalLink, gtinCheckDigit, isValidGtin, parseDigitalLink } from '../../../src/index.js';

const EXAMPLES = JSON.parse(readFileSync(new URL('../../data/gs1-digital-link-examples.json', import.meta.url), 'utf8')) as {
  valid: { uri: string; gtin: string; batch?: string; serial?: string; expiry?: string }[];
  invalid: { uri: string; why: string }[];
};

describe('GS1 Digital Link', () => {
  it.each(EXAMPLES.valid)('parses $uri', (ex) => {
    const r = parseDigitalLink(ex.uri);
    expect(r).toEqual({ ok: true, link: { gtin: ex.gtin, ...(ex.batch === undefined ? {} : { batch: ex.batch }), ...(ex.serial === undefined ? {} : { serial: ex.serial }), ...(ex.expiry === undefined ? {} : { expiry: ex.expiry }) } });
  });

  it.each(EXAMPLES.invalid)('refuses $uri ($why)', (ex) => {
    const r = parseDigitalLink(ex.uri);
    expect(r.ok).toBe(false);
  });

  it('every valid example\'s GTIN with any other last digit is refused, naming the check digit', () => {
    for (const ex of EXAMPLES.valid) {
      const m = /\/01\/([0-9]+)/.exec(ex.uri)!;
      const gtin = m[1]!;
      for (let d = 0; d <= 9; d++) {
        if (String(d) === gtin.at(-1)) continue;
        const r = parseDigitalLink(ex.uri.replace(`/01/${gtin}`, `/01/${gtin.slice(0, -1)}${d}`));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toContain('check digit');
      }
    }
  });

  it('check digits and canonical URIs', () => {
    expect(gtinCheckDigit('0952012345678')).toBe(8);
    expect(isValidGtin('09520123456788')).toBe(true);
    expect(isValidGtin('9520123456788')).toBe(true);
    expect(isValidGtin('09520123456780')).toBe(false);
    const link = { gtin: '09520123456788', batch: 'ABC1', serial: '12345', expiry: '180426' };
    expect(formatDigitalLink('https://id.gs1.org', link)).toBe('https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426');
    expect(parseDigitalLink(formatDigitalLink('https://x.example', { gtin: '09520123456788', serial: 'A/B-1' }))).toEqual({ ok: true, link: { gtin: '09520123456788', serial: 'A/B-1' } });
  });
});
