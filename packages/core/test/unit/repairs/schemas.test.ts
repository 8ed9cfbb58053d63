/**
 * The payload schemas keep free text off the ledger: closed objects (top level and nested), every string an id
 * pattern, a hash or a catalogue code, every array bounded by a named limit.
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  REPAIRS_BUILDING_CHARS_MAX,
  REPAIRS_ESCALATION_LEVEL_MAX,
  REPAIRS_PARTS_MAX,
  REPAIRS_PART_QUANTITY_MAX,
  REPAIRS_PHOTOS_MAX,
  PARTS,
  checkRepairPayload,
  createRegistry,
  repairsTypes,
} from '../../../src/index.js';
import { machiError } from '../helpers.js';
import { ALICE, DISPATCHER, FIXIT, ORGS_BY_ID, RQ, WANG, assignPayload, createPayload, hex64 } from './fixtures.js';

const registry = createRegistry();

const VALID: Record<string, Record<string, unknown>> = {
  'repair.create': createPayload(),
  'repair.assign': assignPayload(),
  'repair.accept': { request: RQ, worker: WANG },
  'repair.arrive': { request: RQ, worker: WANG },
  'repair.diagnose': { request: RQ, worker: WANG, cause: 'pipe-corrosion', parts: [{ part: 'valve', quantity: 1 }], photoHashes: [hex64('p')] },
  'repair.start': { request: RQ, worker: WANG },
  'repair.finish': { request: RQ, worker: WANG, photoHashes: [hex64('done')] },
  'repair.confirm': { request: RQ, reporter: ALICE, rating: 4, commentHash: hex64('thanks') },
  'repair.reopen': { request: RQ, reporter: ALICE, reasonHash: hex64('still') },
  'repair.cancel': { request: RQ, by: ALICE },
  'repair.follow': { request: RQ, follower: ALICE },
  'repair.escalate': { request: RQ, level: 1, by: DISPATCHER },
  'repair.configure_sla': { category: 'burst-pipe', urgentHours: 1, normalHours: 12, by: DISPATCHER },
};
const TYPES = Object.keys(VALID);
const OPTIONAL: Record<string, string[]> = { 'repair.create': ['subject'], 'repair.confirm': ['commentHash'] };

const check = (type: string, payload: unknown): void => registry.get(type)!.checkPayload(payload);
const fails = (type: string, payload: unknown): string => {
  const e = machiError(() => check(type, payload));
  expect(e.code).toBe('TX_PAYLOAD_INVALID');
  return e.message;
};

/** Clear-text personal data and free text of the kinds that must stay off the ledger. */
const FREE_TEXT = ['张三', 'Zhang San', '110101199003071234', '13800138000', '3号楼2单元501', 'zhang.san@example.com', 'water leaking from the ceiling', ''];

describe('repair payload schemas', () => {
  it('the module registers one type per action, and the SLA setting', () => {
    expect(repairsTypes.map((t) => t.type)).toEqual([...ACTIONS.map((a) => `repair.${a}`), 'repair.configure_sla']);
    expect(registry.types().filter((t) => t.startsWith('repair.'))).toEqual([...TYPES].sort());
  });

  it.each(TYPES)('%s accepts its valid payload', (type) => {
    check(type, VALID[type]);
  });

  it.each(TYPES)('%s rejects any extra property', (type) => {
    for (const key of ['description', 'name', 'phone', 'unit', 'note']) fails(type, { ...VALID[type], [key]: '张三' });
  });

  it('nested objects are closed too: location and part lines', () => {
    fails('repair.create', { ...VALID['repair.create'], location: { kind: 'home', building: 'b12', unit: '501' } });
    fails('repair.diagnose', { ...VALID['repair.diagnose'], parts: [{ part: 'valve', quantity: 1, note: 'brass' }] });
  });

  // Org ids have the genesis format; digits pass the schema but never the genesis check (below).
  it.each(TYPES)('%s rejects free text in every string property', (type) => {
    const valid = VALID[type]!;
    for (const [key, value] of Object.entries(valid)) {
      if (typeof value !== 'string') continue;
      for (const text of FREE_TEXT) {
        if (key === 'workerOrg' && /^[0-9]+$/.test(text)) continue;
        fails(type, { ...valid, [key]: text });
      }
    }
  });

  it('a number as workerOrg passes the schema but never the genesis check', () => {
    check('repair.assign', assignPayload({ workerOrg: '13800138000' }));
    expect(checkRepairPayload('assign', assignPayload({ workerOrg: '13800138000' }), ORGS_BY_ID)).toMatch(/not an organisation/);
    expect(checkRepairPayload('assign', assignPayload({ workerOrg: FIXIT.id }), ORGS_BY_ID)).toBeNull();
    expect(checkRepairPayload('assign', assignPayload({ workerOrg: FIXIT.id }), [FIXIT.id])).toBeNull();
  });

  it.each(TYPES)('%s rejects free text as array items', (type) => {
    const valid = VALID[type]!;
    for (const [key, value] of Object.entries(valid)) {
      if (!Array.isArray(value)) continue;
      for (const text of FREE_TEXT) fails(type, { ...valid, [key]: [text] });
    }
  });

  it('free text in the location building is refused', () => {
    for (const building of FREE_TEXT) fails('repair.create', { ...VALID['repair.create'], location: { kind: 'home', building } });
    fails('repair.create', { ...VALID['repair.create'], location: { kind: 'home', building: 'b/12' } });
    fails('repair.create', { ...VALID['repair.create'], location: { kind: 'home', building: 'b'.repeat(REPAIRS_BUILDING_CHARS_MAX + 1) } });
    check('repair.create', { ...VALID['repair.create'], location: { kind: 'home', building: 'b'.repeat(REPAIRS_BUILDING_CHARS_MAX) } });
    const { subject: _s, ...common } = VALID['repair.create']!;
    check('repair.create', { ...common, location: { kind: 'common', building: 'tower-3' } });
  });

  it.each(TYPES)('%s rejects a missing required property', (type) => {
    const valid = VALID[type]!;
    for (const key of Object.keys(valid)) {
      if (OPTIONAL[type]?.includes(key)) continue;
      const { [key]: _dropped, ...rest } = valid;
      fails(type, rest);
    }
  });

  it('every string in every schema is a pattern, an enum or a constant; every object closed; every array bounded', () => {
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
    for (const t of repairsTypes) walk(t.schema, t.type);
  });

  describe('ids, hashes and codes', () => {
    it.each([
      ['repair.create', 'request', `rq_${'a'.repeat(31)}`],
      ['repair.create', 'request', `rq_${'A'.repeat(32)}`],
      ['repair.create', 'request', `sub_${'a'.repeat(32)}`],
      ['repair.create', 'descriptionHash', 'a'.repeat(63)],
      ['repair.create', 'reporter', 'a'.repeat(33)],
      ['repair.create', 'category', 'plumbing'],
      ['repair.create', 'priority', 'high'],
      ['repair.create', 'subject', `sub_${'a'.repeat(31)}`],
      ['repair.assign', 'workerOrg', 'Fix It Ltd'],
      ['repair.assign', 'workerOrg', 'a'.repeat(65)],
      ['repair.diagnose', 'cause', 'bad luck'],
      ['repair.reopen', 'reasonHash', 'G'.repeat(64)],
      ['repair.confirm', 'commentHash', 'a'.repeat(65)],
    ])('%s rejects %s = %s', (type, key, value) => {
      fails(type, { ...VALID[type], [key]: value });
    });
  });

  describe('repair.create', () => {
    const create = VALID['repair.create']!;
    it('links a subject only to a home request', () => {
      fails('repair.create', { ...create, location: { kind: 'common', building: 'b12' } });
      const { subject: _s, ...noSubject } = create;
      check('repair.create', { ...noSubject, location: { kind: 'common', building: 'b12' } });
      check('repair.create', noSubject);
    });

    it('rejects an unknown location kind', () => {
      fails('repair.create', { ...create, location: { kind: 'street', building: 'b12' } });
    });

    it('photos: none up to REPAIRS_PHOTOS_MAX, no repeats', () => {
      const photos = (n: number) => Array.from({ length: n }, (_, i) => hex64(`photo ${i}`));
      check('repair.create', { ...create, photoHashes: [] });
      check('repair.create', { ...create, photoHashes: photos(REPAIRS_PHOTOS_MAX) });
      fails('repair.create', { ...create, photoHashes: photos(REPAIRS_PHOTOS_MAX + 1) });
      fails('repair.create', { ...create, photoHashes: [hex64('a'), hex64('a')] });
      fails('repair.finish', { ...VALID['repair.finish'], photoHashes: photos(REPAIRS_PHOTOS_MAX + 1) });
    });
  });

  describe('repair.diagnose', () => {
    const diagnose = VALID['repair.diagnose']!;
    const lines = (n: number) => PARTS.slice(0, n).map((part) => ({ part, quantity: 1 }));

    it('parts: catalogue codes with quantities 1..REPAIRS_PART_QUANTITY_MAX, at most REPAIRS_PARTS_MAX lines', () => {
      expect(PARTS.length).toBeLessThanOrEqual(REPAIRS_PARTS_MAX);
      check('repair.diagnose', { ...diagnose, parts: [] });
      check('repair.diagnose', { ...diagnose, parts: lines(PARTS.length) });
      check('repair.diagnose', { ...diagnose, parts: [{ part: 'seal', quantity: REPAIRS_PART_QUANTITY_MAX }] });
      fails('repair.diagnose', { ...diagnose, parts: [{ part: 'seal', quantity: REPAIRS_PART_QUANTITY_MAX + 1 }] });
      fails('repair.diagnose', { ...diagnose, parts: [{ part: 'seal', quantity: 0 }] });
      fails('repair.diagnose', { ...diagnose, parts: [{ part: 'seal', quantity: 1.5 }] });
      fails('repair.diagnose', { ...diagnose, parts: [{ part: 'gold tap', quantity: 1 }] });
      fails('repair.diagnose', { ...diagnose, parts: Array.from({ length: REPAIRS_PARTS_MAX + 1 }, (_, i) => ({ part: 'seal', quantity: i + 1 })) });
      fails('repair.diagnose', { ...diagnose, parts: [{ part: 'seal', quantity: 1 }, { part: 'seal', quantity: 1 }] });
    });

    it('the same part on two lines passes the schema but not checkRepairPayload', () => {
      const parts = [{ part: 'seal', quantity: 1 }, { part: 'seal', quantity: 2 }];
      check('repair.diagnose', { ...diagnose, parts });
      expect(checkRepairPayload('diagnose', { ...diagnose, parts } as never, ORGS_BY_ID)).toMatch(/seal is listed twice/);
      expect(checkRepairPayload('diagnose', diagnose as never, ORGS_BY_ID)).toBeNull();
    });
  });

  it('rating: integers 1..5', () => {
    for (const rating of [1, 5]) check('repair.confirm', { ...VALID['repair.confirm'], rating });
    for (const rating of [0, 6, 4.5, '5']) fails('repair.confirm', { ...VALID['repair.confirm'], rating });
  });

  it('escalation level: integers 1..REPAIRS_ESCALATION_LEVEL_MAX', () => {
    check('repair.escalate', { ...VALID['repair.escalate'], level: REPAIRS_ESCALATION_LEVEL_MAX });
    for (const level of [0, REPAIRS_ESCALATION_LEVEL_MAX + 1, 1.5]) fails('repair.escalate', { ...VALID['repair.escalate'], level });
  });
});
