/**
 * Service levels per organisation (`repair.configure_sla`): the schema's bounds and the handler's urgent ≤ normal
 * rule, the setting used by create and reopen of the setting organisation only, requests already open untouched, the
 * API's pure check (managers of the organisation only), and the reads (the effective table, the current period).
 */
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  CATEGORY_CODES,
  checkTx,
  executeBlock,
  orgByKey,
  signTx,
  txHash,
  REPAIRS_SLA_HOURS_MAX,
  REPAIRS_SLA_HOURS_MIN,
  checkSlaHours,
  checkSlaSetting,
  createRegistry,
  effectiveSla,
  repairAccept,
  repairArrive,
  repairAssign,
  repairConfigureSla,
  repairCreate,
  repairDiagnose,
  repairFinish,
  repairReopen,
  repairStart,
  requestKey,
  slaConfig,
  slaKey,
  slaPeriodMs,
  slaTable,
  type ExecutableTx,
  type RepairConfigureSlaPayload,
  type RequestRecord,
  type Role,
} from '../../../src/index.js';
import { GENESIS_MS, freshNonce, machiError, makeNet, type TestOrg } from '../helpers.js';
import { ALICE, DISPATCHER, FIXIT, HOUR_MS, HOUSING, MemState, RQ, STREET, T0, WANG, apply, assignPayload, createPayload, hex64, rq, txHashOf } from './fixtures.js';

const registry = createRegistry();
const MIN_MS = 60 * 1000;

const setting = (over: Partial<RepairConfigureSlaPayload> = {}): RepairConfigureSlaPayload => ({ category: 'burst-pipe', urgentHours: 1, normalHours: 6, by: DISPATCHER, ...over });
const record = (s: MemState, id = RQ): RequestRecord => s.get(requestKey(id)) as RequestRecord;

/** The request of createPayload() (burst-pipe, urgent) taken to `done`, a minute per step from `from`; returns the last time. */
function toDone(s: MemState, from: number): number {
  let t = from;
  const next = (): number => (t += MIN_MS);
  apply(repairAssign, s, HOUSING, assignPayload(), next());
  apply(repairAccept, s, FIXIT, { request: RQ, worker: WANG }, next());
  apply(repairArrive, s, FIXIT, { request: RQ, worker: WANG }, next());
  apply(repairDiagnose, s, FIXIT, { request: RQ, worker: WANG, cause: 'pipe-joint', parts: [], photoHashes: [] }, next());
  apply(repairStart, s, FIXIT, { request: RQ, worker: WANG }, next());
  apply(repairFinish, s, FIXIT, { request: RQ, worker: WANG, photoHashes: [] }, next());
  return t;
}

describe('repair.configure_sla: the payload', () => {
  const fails = (payload: unknown): string => {
    const e = machiError(() => registry.get('repair.configure_sla')!.checkPayload(payload));
    expect(e.code).toBe('TX_PAYLOAD_INVALID');
    return e.message;
  };

  it('whole hours from the minimum to the maximum, a catalogue category, a pseudonym', () => {
    expect(REPAIRS_SLA_HOURS_MIN).toBe(1);
    expect(REPAIRS_SLA_HOURS_MAX).toBe(720);
    registry.get('repair.configure_sla')!.checkPayload(setting({ urgentHours: REPAIRS_SLA_HOURS_MIN, normalHours: REPAIRS_SLA_HOURS_MAX }));
    for (const h of [0, -1, REPAIRS_SLA_HOURS_MAX + 1, 1.5, '2', null]) {
      expect(fails(setting({ urgentHours: h as number }))).toMatch(/urgentHours/);
      expect(fails(setting({ normalHours: h as number }))).toMatch(/normalHours/);
    }
    fails(setting({ category: 'plumbing' as never }));
    fails(setting({ by: 'chen.dispatch' }));
    fails({ ...setting(), org: STREET.id });
    const { by: _by, ...noBy } = setting();
    fails(noBy);
  });

  it('checkSlaHours: the bounds and urgent ≤ normal', () => {
    expect(checkSlaHours(1, 720)).toBeNull();
    expect(checkSlaHours(24, 24)).toBeNull();
    expect(checkSlaHours(25, 24)).toMatch(/urgent .* more time than a normal/);
    expect(checkSlaHours(0, 24)).toMatch(/urgentHours .* 1 to 720/);
    expect(checkSlaHours(2, 721)).toMatch(/normalHours .* 1 to 720/);
    expect(checkSlaHours(2.5, 24)).toMatch(/urgentHours/);
  });
});

describe('repair.configure_sla: the handler', () => {
  it('records the setting under the signing organisation and the category', () => {
    const s = new MemState();
    apply(repairConfigureSla, s, HOUSING, setting(), T0 + 5);
    expect(s.keys('repairs/')).toEqual([slaKey(HOUSING.id, 'burst-pipe')]);
    expect(s.get(slaKey(HOUSING.id, 'burst-pipe'))).toEqual({
      org: HOUSING.id, category: 'burst-pipe', urgentHours: 1, normalHours: 6, by: DISPATCHER, at: T0 + 5,
      txHash: txHashOf('repair.configure_sla', HOUSING, setting(), T0 + 5),
    });
    // a second setting replaces the first
    apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 3, normalHours: 3 }), T0 + 6);
    expect(s.get(slaKey(HOUSING.id, 'burst-pipe'))).toMatchObject({ urgentHours: 3, normalHours: 3, at: T0 + 6 });
  });

  it('an urgent SLA longer than the normal one is rejected and writes nothing', () => {
    const s = new MemState();
    const e = machiError(() => apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 7, normalHours: 6 }), T0));
    expect(e.code).toBe('HANDLER_REJECTED');
    expect(e.message).toMatch(/urgent/);
    expect(s.map.size).toBe(0);
  });
});

describe('the setting in use', () => {
  it('create: the recording organisation setting, per priority; other categories keep the catalogue', () => {
    const s = new MemState();
    apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 1, normalHours: 6 }), T0);
    apply(repairCreate, s, HOUSING, createPayload({ priority: 'urgent' }), T0 + 10);
    expect(record(s).slaDueAt).toBe(T0 + 10 + 1 * HOUR_MS);
    apply(repairCreate, s, HOUSING, createPayload({ request: rq('normal'), priority: 'normal' }), T0 + 20);
    expect(record(s, rq('normal')).slaDueAt).toBe(T0 + 20 + 6 * HOUR_MS);
    apply(repairCreate, s, HOUSING, createPayload({ request: rq('drain'), category: 'drainage', priority: 'normal' }), T0 + 30);
    expect(record(s, rq('drain')).slaDueAt).toBe(T0 + 30 + CATEGORIES.drainage.slaHours.normal * HOUR_MS);
  });

  it("another organisation's setting is not applied", () => {
    const s = new MemState();
    apply(repairConfigureSla, s, FIXIT, setting({ urgentHours: 1, normalHours: 1 }), T0);
    apply(repairConfigureSla, s, STREET, setting({ urgentHours: 9, normalHours: 99 }), T0);
    apply(repairCreate, s, HOUSING, createPayload({ priority: 'urgent' }), T0 + 10);
    expect(record(s).slaDueAt).toBe(T0 + 10 + CATEGORIES['burst-pipe'].slaHours.urgent * HOUR_MS);
    // the street office's own request does get its setting
    apply(repairCreate, s, STREET, createPayload({ request: rq('street'), priority: 'urgent' }), T0 + 10);
    expect(record(s, rq('street')).slaDueAt).toBe(T0 + 10 + 9 * HOUR_MS);
  });

  it('requests already open keep their due time; a reopen afterwards takes the setting as it is then', () => {
    const s = new MemState();
    apply(repairCreate, s, HOUSING, createPayload({ priority: 'urgent' }), T0);
    const before = record(s);
    expect(before.slaDueAt).toBe(T0 + 2 * HOUR_MS);
    apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 5, normalHours: 10 }), T0 + MIN_MS);
    expect(record(s)).toEqual(before);
    const done = toDone(s, T0 + MIN_MS);
    expect(record(s).slaDueAt).toBe(T0 + 2 * HOUR_MS);
    const at = done + MIN_MS;
    apply(repairReopen, s, HOUSING, { request: RQ, reporter: ALICE, reasonHash: hex64('still') }, at);
    expect(record(s)).toMatchObject({ status: 'reopened', slaDueAt: at + 5 * HOUR_MS });
    expect(slaPeriodMs(record(s))).toBe(5 * HOUR_MS);
  });

  it('a reopen without a setting keeps the catalogue SLA', () => {
    const s = new MemState();
    apply(repairCreate, s, HOUSING, createPayload({ priority: 'urgent' }), T0);
    apply(repairConfigureSla, s, FIXIT, setting({ urgentHours: 5, normalHours: 10 }), T0);
    const at = toDone(s, T0) + MIN_MS;
    apply(repairReopen, s, HOUSING, { request: RQ, reporter: ALICE, reasonHash: hex64('still') }, at);
    expect(record(s).slaDueAt).toBe(at + 2 * HOUR_MS);
  });
});

describe('checkSlaSetting (the API, before recording)', () => {
  const hours = { urgentHours: 1, normalHours: 6 };

  it.each(['dispatcher', 'property-staff'] as Role[])('a %s of the organisation may', (role) => {
    expect(checkSlaSetting({ role, org: HOUSING.id }, HOUSING.id, hours)).toEqual({ ok: true });
  });

  it.each(['resident', 'maintenance-worker', 'official', 'regulator'] as Role[])('a %s may not: 403', (role) => {
    expect(checkSlaSetting({ role, org: HOUSING.id }, HOUSING.id, hours)).toMatchObject({ ok: false, status: 403 });
  });

  it("a dispatcher of another organisation may not set this one's: 403", () => {
    expect(checkSlaSetting({ role: 'dispatcher', org: FIXIT.id }, HOUSING.id, hours)).toMatchObject({ ok: false, status: 403, reason: expect.stringMatching(/housing/) });
  });

  it('hours out of bounds or urgent > normal: 400 (after the role)', () => {
    for (const bad of [{ urgentHours: 0, normalHours: 6 }, { urgentHours: 1, normalHours: 721 }, { urgentHours: 7, normalHours: 6 }, { urgentHours: 1.5, normalHours: 6 }]) {
      expect(checkSlaSetting({ role: 'dispatcher', org: HOUSING.id }, HOUSING.id, bad), JSON.stringify(bad)).toMatchObject({ ok: false, status: 400 });
    }
    expect(checkSlaSetting({ role: 'resident', org: HOUSING.id }, HOUSING.id, { urgentHours: 0, normalHours: 6 })).toMatchObject({ status: 403 });
  });
});

describe('reads', () => {
  it('slaTable: every category, the default until set, then the setting and who set it; per organisation', () => {
    const s = new MemState();
    const initial = slaTable(s.read, HOUSING.id);
    expect(initial.map((e) => e.category)).toEqual(CATEGORY_CODES);
    for (const e of initial) expect(e).toEqual({ category: e.category, slaHours: CATEGORIES[e.category].slaHours, defaultSlaHours: CATEGORIES[e.category].slaHours, configured: null });
    apply(repairConfigureSla, s, HOUSING, setting({ category: 'lift', urgentHours: 1, normalHours: 8 }), T0 + 7);
    const lift = effectiveSla(s.read, HOUSING.id, 'lift');
    expect(lift).toMatchObject({ slaHours: { urgent: 1, normal: 8 }, defaultSlaHours: { urgent: 2, normal: 24 }, configured: { by: DISPATCHER, at: T0 + 7 } });
    expect(slaTable(s.read, HOUSING.id).filter((e) => e.configured !== null).map((e) => e.category)).toEqual(['lift']);
    expect(slaTable(s.read, FIXIT.id).every((e) => e.configured === null)).toBe(true);
    expect(slaConfig(s.read, FIXIT.id, 'lift')).toBeUndefined();
  });

  it('slaPeriodMs: the SLA the current period began with', () => {
    const s = new MemState();
    apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 3, normalHours: 30 }), T0);
    apply(repairCreate, s, HOUSING, createPayload({ priority: 'urgent' }), T0 + 1);
    expect(slaPeriodMs(record(s))).toBe(3 * HOUR_MS);
    // a later setting does not change the period of a request already open
    apply(repairConfigureSla, s, HOUSING, setting({ urgentHours: 1, normalHours: 30 }), T0 + 2);
    expect(slaPeriodMs(record(s))).toBe(3 * HOUR_MS);
  });
});

describe('in a block', () => {
  const net = makeNet({ powers: [1], members: 1 });
  const housing = net.orgs[0]!;
  const contractor = net.orgs[1]!;
  const time = GENESIS_MS + HOUR_MS;
  const tx = (org: TestOrg, type: string, payload: Record<string, unknown>) =>
    signTx({ chainId: net.genesis.chainId, type, payload, signer: org.publicKey, nonce: freshNonce(), time }, (m) => org.signer.sign(m));

  it('is admitted by checkTx and applied before a create of the same block; each organisation under its own key', () => {
    const signed = [
      tx(contractor, 'repair.configure_sla', setting({ urgentHours: 1, normalHours: 1 })),
      tx(housing, 'repair.configure_sla', setting({ urgentHours: 3, normalHours: 30 })),
      tx(housing, 'repair.configure_sla', setting({ urgentHours: 31, normalHours: 30 })), // rejected: urgent > normal
      tx(housing, 'repair.create', { ...createPayload({ priority: 'urgent' }) }),
    ];
    for (const t of signed) checkTx(t, net.ctx);
    const executable: ExecutableTx[] = signed.map((t, i) => ({ tx: t, hash: txHash(t), seq: i }));
    const exec = executeBlock(net.registry, orgByKey(net.genesis), { read: () => undefined }, 'a'.repeat(64), { height: 1, time }, executable);
    expect(exec.results.map((r) => r.code)).toEqual([undefined, undefined, 'HANDLER_REJECTED', undefined]);
    const writes = new Map(exec.writes);
    expect(JSON.parse(writes.get(slaKey(contractor.id, 'burst-pipe'))!)).toMatchObject({ org: contractor.id, urgentHours: 1 });
    expect(JSON.parse(writes.get(slaKey(housing.id, 'burst-pipe'))!)).toMatchObject({ org: housing.id, urgentHours: 3, normalHours: 30, txHash: txHash(signed[1]!) });
    expect((JSON.parse(writes.get(requestKey(RQ))!) as RequestRecord).slaDueAt).toBe(time + 3 * HOUR_MS);
  });
});
