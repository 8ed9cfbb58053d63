/**
 * The payload schemas are the ledger's privacy boundary: nothing that could carry personal data in clear gets through
 * (no extra properties, every string an id pattern or an enum), and every stateless grant rule fails before anything
 * is written.
 */
import { describe, expect, it } from 'vitest';
import {
  PRIVACY_CASE_REF_CHARS_MAX,
  PRIVACY_GRANT_SUBJECTS_MAX,
  checkGrantPayload,
  createRegistry,
  privacyTypes,
  type AccessPayload,
  type GrantPayload,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { DAY_MS, HOUSING, ORGS_BY_ID, POWER, T0, acc, actor, gr, grantPayload, hex64, sub } from './fixtures.js';

const registry = createRegistry();

const VALID: Record<string, Record<string, unknown>> = {
  'privacy.subject_register': { subject: sub('alice'), commitment: hex64('c'), classes: ['identity', 'contact'], actor: actor('a') },
  'privacy.grant': grantPayload(),
  'privacy.revoke': { grant: gr('g1'), actor: actor('a') },
  'privacy.access': {
    access: acc('a1'),
    subject: sub('alice'),
    org: POWER.id,
    role: 'grid-worker',
    purpose: 'alarm-response',
    fields: ['phone', 'building'],
    decision: 'allowed',
    reason: 'grant',
    grant: gr('g1'),
    caseRef: 'alarm:42',
    actor: actor('w'),
    at: T0,
  } satisfies AccessPayload,
  'privacy.erase': { subject: sub('alice'), actor: actor('a') },
};

const TYPES = Object.keys(VALID);

const check = (type: string, payload: unknown): void => registry.get(type)!.checkPayload(payload);
const fails = (type: string, payload: unknown): string => {
  const e = machiError(() => check(type, payload));
  expect(e.code).toBe('TX_PAYLOAD_INVALID');
  return e.message;
};

/** Clear-text personal data of the kinds the private store holds. */
const PERSONAL = ['张三', 'Zhang San', '110101199003071234', '13800138000', '3号楼2单元501', '京A12345', 'zhang.san@example.com'];

describe('privacy payload schemas', () => {
  it('the module registers exactly the five spec types', () => {
    expect(privacyTypes.map((t) => t.type).sort()).toEqual([...TYPES].sort());
    expect(registry.types().filter((t) => t.startsWith('privacy.'))).toEqual([...TYPES].sort());
  });

  it.each(TYPES)('%s accepts its valid payload', (type) => {
    check(type, VALID[type]);
  });

  it.each(TYPES)('%s rejects any extra property (e.g. a name in clear)', (type) => {
    for (const key of ['name', 'phone', 'note', 'fieldsInClear']) fails(type, { ...VALID[type], [key]: '张三' });
  });

  // Org ids have the genesis format (`[a-z0-9-]`, so digits pass the schema); the handlers then require a genesis org
  // (`toOrg`) or the signer (`org`), so a number cannot be written there either (checked below and in handlers.test.ts).
  const ORG_KEYS = ['org', 'toOrg'];

  it.each(TYPES)('%s rejects personal data in every string property', (type) => {
    const valid = VALID[type]!;
    for (const [key, value] of Object.entries(valid)) {
      if (typeof value !== 'string') continue;
      for (const pii of PERSONAL) {
        if (ORG_KEYS.includes(key) && /^[0-9]+$/.test(pii)) continue;
        fails(type, { ...valid, [key]: pii });
      }
    }
  });

  it('a number as an org id passes the schema but never the genesis check', () => {
    expect(checkGrantPayload({ ...grantPayload(), toOrg: '13800138000' }, ORGS_BY_ID)).toMatch(/not an organisation/);
  });

  it.each(TYPES)('%s rejects personal data as array items', (type) => {
    const valid = VALID[type]!;
    for (const [key, value] of Object.entries(valid)) {
      if (!Array.isArray(value)) continue;
      for (const pii of PERSONAL) fails(type, { ...valid, [key]: [pii] });
    }
  });

  it.each(TYPES)('%s rejects a missing required property', (type) => {
    const valid = VALID[type]!;
    for (const key of Object.keys(valid)) {
      if (type === 'privacy.access' && (key === 'caseRef' || key === 'grant')) continue;
      const { [key]: _dropped, ...rest } = valid;
      fails(type, rest);
    }
  });

  it('every string in every schema is an id pattern or an enum; every object is closed (no free text anywhere)', () => {
    const walk = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'string') expect(s.pattern !== undefined || s.enum !== undefined || s.const !== undefined, `${path} is free text`).toBe(true);
      if (s.type === 'object') expect(s.additionalProperties, `${path} is open`).toBe(false);
      if (s.type === 'array') expect(typeof s.maxItems, `${path} is unbounded`).toBe('number');
      for (const [k, v] of Object.entries(s)) {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${k}/${i}`));
        else walk(v, `${path}/${k}`);
      }
    };
    for (const t of privacyTypes) walk(t.schema, t.type);
  });

  describe('ids', () => {
    it.each([
      ['privacy.subject_register', 'subject', `sub_${'a'.repeat(31)}`],
      ['privacy.subject_register', 'subject', `sub_${'A'.repeat(32)}`],
      ['privacy.subject_register', 'subject', `gr_${'a'.repeat(32)}`],
      ['privacy.subject_register', 'commitment', 'a'.repeat(63)],
      ['privacy.subject_register', 'actor', 'a'.repeat(33)],
      ['privacy.revoke', 'grant', `gr_${'a'.repeat(32)}x`],
      ['privacy.access', 'access', `acc_${'g'.repeat(32)}`],
      ['privacy.access', 'org', 'Housing'],
      ['privacy.access', 'org', 'a'.repeat(65)],
    ])('%s rejects %s = %s', (type, key, value) => {
      fails(type, { ...VALID[type], [key]: value });
    });
  });

  describe('privacy.grant', () => {
    const g = (over: Partial<Record<keyof GrantPayload, unknown>>) => ({ ...grantPayload(), ...over });
    it.each([
      ['unknown role', { toRole: 'janitor' }],
      ['a grant to residents', { toRole: 'resident', purpose: 'identity-verification' }],
      ['unknown class', { classes: ['medical'] }],
      ['no class', { classes: [] }],
      ['repeated class', { classes: ['contact', 'contact'] }],
      ['unknown purpose', { purpose: 'marketing' }],
      ['a purpose the role does not use', { toRole: 'grid-worker', purpose: 'audit' }],
      ['bad toOrg format', { toOrg: 'Power Co' }],
      ['"*" with other subjects', { subjects: ['*', sub('alice')] }],
      ['no subjects', { subjects: [] }],
      ['repeated subject', { subjects: [sub('alice'), sub('alice')] }],
      ['too many subjects', { subjects: Array.from({ length: PRIVACY_GRANT_SUBJECTS_MAX + 1 }, (_, i) => sub(`s${i}`)) }],
      ['a fractional time', { from: T0 + 0.5 }],
      ['a negative time', { from: -1 }],
      ['a time as text', { until: String(T0) }],
      ['an unknown field', { fields: ['salary'] }],
      ['no field (fields given empty)', { fields: [] }],
      ['a repeated field', { fields: ['phone', 'phone'] }],
    ])('schema rejects %s', (_, over) => {
      fails('privacy.grant', g(over));
    });

    it('schema accepts exact fields, and a grant without fields (class-only)', () => {
      check('privacy.grant', g({ fields: ['phone', 'building'] }));
      check('privacy.grant', g({}));
    });

    it('schema accepts the most subjects', () => {
      check('privacy.grant', g({ subjects: Array.from({ length: PRIVACY_GRANT_SUBJECTS_MAX }, (_, i) => sub(`s${i}`)) }));
    });

    it('every role but resident may be granted each of its purposes', () => {
      check('privacy.grant', g({ toRole: 'regulator', purpose: 'audit' }));
      check('privacy.grant', g({ toRole: 'official', purpose: 'emergency' }));
    });
  });

  describe('privacy.access', () => {
    const a = (over: Partial<Record<keyof AccessPayload, unknown>>) => {
      const out: Record<string, unknown> = { ...VALID['privacy.access'], ...over };
      for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
      return out;
    };
    it.each([
      ['allowed with a denying reason', { reason: 'no-grant', grant: undefined }],
      ['denied with an allowing reason', { decision: 'denied', reason: 'holder', grant: undefined }],
      ['reason grant without the grant id', { grant: undefined }],
      ['a grant id without reason grant', { reason: 'holder' }],
      ['a grant id on a denial', { decision: 'denied', reason: 'no-grant' }],
      ['an unknown reason', { decision: 'denied', reason: 'because', grant: undefined }],
      ['an unknown field name', { fields: ['phone', 'salary'] }],
      ['a repeated field', { fields: ['phone', 'phone'] }],
      ['an empty caseRef', { caseRef: '' }],
      ['a caseRef without a kind', { caseRef: '42' }],
      ['a too long caseRef', { caseRef: `case:${'1'.repeat(PRIVACY_CASE_REF_CHARS_MAX)}` }],
      ['a caseRef with spaces', { caseRef: 'case:Zhang San' }],
      ['an unknown decision', { decision: 'maybe' }],
    ])('schema rejects %s', (_, over) => {
      fails('privacy.access', a(over));
    });

    it.each([
      ['a holder read without caseRef', { reason: 'holder', grant: undefined, caseRef: undefined }],
      ['a denial with no known field', { decision: 'denied', reason: 'unknown-field', grant: undefined, fields: [] }],
      ['a self read', { role: 'resident', purpose: 'identity-verification', reason: 'self', grant: undefined }],
      ['case refs of each kind', { caseRef: 'repair:rq_12.3-x:4' }],
    ])('schema accepts %s', (_, over) => {
      check('privacy.access', a(over));
    });
  });
});

describe('checkGrantPayload', () => {
  it('accepts a valid grant (orgs as a Map, a Set or an array)', () => {
    expect(checkGrantPayload(grantPayload(), ORGS_BY_ID)).toBeNull();
    expect(checkGrantPayload(grantPayload(), new Set([POWER.id]))).toBeNull();
    expect(checkGrantPayload(grantPayload(), [HOUSING.id, POWER.id])).toBeNull();
  });

  it.each([
    ['from = until', { from: T0, until: T0 }, /from must be before until/],
    ['from > until', { from: T0 + DAY_MS, until: T0 }, /from must be before until/],
    ['a fractional time', { from: 0.5 }, /integers/],
    ['an unknown toOrg', { toOrg: 'nowhere' }, /not an organisation/],
    ['a grant to residents', { toRole: 'resident', purpose: 'identity-verification' }, /cannot be granted/],
    ['a purpose the role does not use', { toRole: 'regulator', purpose: 'emergency' }, /does not use purpose/],
    ['"*" not alone', { subjects: ['*', sub('a')] }, /alone/],
    ['no subjects', { subjects: [] }, /at least one/],
  ])('rejects %s', (_, over, why) => {
    expect(checkGrantPayload({ ...grantPayload(), ...over } as GrantPayload, ORGS_BY_ID)).toMatch(why);
  });
});
