/**
 * People and private data on a real consortium: four `machi start --demo` processes (street office, property company,
 * power company, auditor) from one `machi genesis`. Scripted as users would act, through the HTTP API: a resident
 * reads their own record and checks the proof of each use; a street-office official reads across organisations under
 * a grant and is refused (and recorded) outside it; property staff register a person, grant and revoke, then erase
 * (crypto-shredding) and every role is refused; the regulator sees alerts. At the end, with the nodes stopped, no
 * personal value of anyone involved appears in any node's ledger (transactions, database and WAL bytes) or output,
 * and `machi verify` still passes on every node. Also: a cross-organisation read while the holder lags a block behind
 * (2b), a field asked for twice (2c), and an erasure whose commit outlasts the request (4b). docs/spec/privacy.md
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_PURPOSES, ROLE_PURPOSES, verifyBundle, type Genesis, type Role } from '@machi/core';
import { demoResidents, idCheckDigit } from '../../src/modules/privacy/demo.js';
import { DEMO_PASSWORD } from '../../src/auth/demo.js';
import { DEMO_RESIDENTS } from '../../src/modules/privacy/seed.js';
import { DEMO_VEHICLES } from '../../src/modules/property/seed.js';
import { CLI, startConsortium, type Answer, type Consortium, type ConsortiumNode as Node } from '../support/consortium.js';

const ORGS = ['street-office', 'property-company', 'power-company', 'auditor'] as const;
type Org = (typeof ORGS)[number];
/** Roles that may call GET /v1/subjects/:subject (ROUTE_ACCESS['subjects.read']). */
const READER_ROLES: Role[] = ['property-staff', 'dispatcher', 'maintenance-worker', 'grid-worker', 'line-worker', 'utility-staff', 'official', 'regulator'];
const SEEDED = /demo community: (\d+) residents registered/;

let c: Consortium;
let genesis: Genesis;
let nodes: Node[];
const node = (org: string): Node => c.node(org);
const stopNode = (n: Node, signal: NodeJS.Signals): Promise<number | null> => c.kill(n.org, signal);
const call = (n: Node, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<Answer> => c.call(n.org, method, path, opts);
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => c.until(what, check, timeoutMs);

const height = async (n: Node): Promise<number> => (await call(n, 'GET', '/v1/health')).json.height as number;
/** Waits until `n` has applied block `h` (another node's commit reaches it a moment later). */
const reach = (n: Node, h: number): Promise<void> => until(`${n.org} to reach height ${h}`, async () => (await height(n)) >= h);

const tokens = new Map<string, string>();
async function login(org: string, username: string): Promise<string> {
  const key = `${org}/${username}`;
  const cached = tokens.get(key);
  if (cached !== undefined) return cached;
  const r = await call(node(org), 'POST', '/v1/auth/login', { body: { org, username, password: DEMO_PASSWORD } });
  expect(r.status, `login ${key}: ${JSON.stringify(r.json)}`).toBe(200);
  expect(r.json.user).toMatchObject({ org, username });
  tokens.set(key, r.json.token as string);
  return r.json.token as string;
}

/** The decision code of a refused read ("access denied (<reason>); the attempt is recorded as acc_… in tx …"). */
function denial(r: Answer): { reason: string; access: string; txHash: string } {
  expect(r.status, JSON.stringify(r.json)).toBe(403);
  expect(r.json.code).toBe('ACCESS_DENIED');
  const m = /^access denied \(([a-z-]+)\); the attempt is recorded as (acc_[0-9a-f]{32}) in tx ([0-9a-f]{64})$/.exec(String(r.json.message));
  expect(m, String(r.json.message)).not.toBeNull();
  return { reason: m![1]!, access: m![2]!, txHash: m![3]! };
}

const readPath = (subject: string, purpose: string, fields: string[], caseRef?: string): string =>
  `/v1/subjects/${subject}?purpose=${purpose}&fields=${fields.join(',')}${caseRef === undefined ? '' : `&caseRef=${encodeURIComponent(caseRef)}`}`;

/** Every transaction committed on `n` (from block `from` on), read through the public API (blocks, then each transaction). */
async function ledgerTxs(n: Node, from = 1): Promise<{ type: string; payload: Record<string, unknown>; hash: string }[]> {
  const top = await height(n);
  const out: { type: string; payload: Record<string, unknown>; hash: string }[] = [];
  for (let h = from; h <= top; h++) {
    const b = await call(n, 'GET', `/v1/blocks/${h}`);
    expect(b.status).toBe(200);
    for (const hash of b.json.txs as string[]) {
      const t = await call(n, 'GET', `/v1/txs/${hash}`);
      expect(t.status).toBe(200);
      out.push({ type: t.json.tx.type, payload: t.json.tx.payload, hash });
    }
  }
  return out;
}

// ---- personal values and where they must never appear -----------------------------------------------------------

const residents = demoResidents(DEMO_RESIDENTS);
const first17 = `110101${1970 + randomInt(30)}0${1 + randomInt(9)}1${randomInt(10)}${String(randomInt(1000)).padStart(3, '0')}`;
/** A person registered during the test (random parts, so no earlier run or other data can match by chance). */
const newcomer = {
  name: `欧阳${['思远', '若曦', '明轩', '雨桐'][randomInt(4)]}${['一', '二', '三', '四'][randomInt(4)]}`,
  idNumber: first17 + idCheckDigit(first17),
  phone: `13${randomInt(10)}${String(randomInt(100_000_000)).padStart(8, '0')}`,
  plate: `沪A${randomBytes(3).toString('hex').toUpperCase().slice(0, 5)}`,
};

const first17b = `310104${1950 + randomInt(40)}1${randomInt(3)}0${1 + randomInt(9)}${String(randomInt(1000)).padStart(3, '0')}`;
/** A second person, erased while the chain cannot commit. */
const latecomer = {
  name: `司马${['远航', '静怡', '浩然', '佳琪'][randomInt(4)]}${['甲', '乙', '丙', '丁'][randomInt(4)]}`,
  idNumber: first17b + idCheckDigit(first17b),
  phone: `15${randomInt(10)}${String(randomInt(100_000_000)).padStart(8, '0')}`,
};

const personalValues = (): string[] => [
  ...residents.flatMap((r) => [r.name, r.idNumber, r.phone, r.address, r.birthDate]),
  newcomer.name, newcomer.idNumber, newcomer.phone, newcomer.plate,
  latecomer.name, latecomer.idNumber, latecomer.phone,
];

/** A value as it could appear in bytes: UTF-8, and (non-ASCII) JSON-escaped \uXXXX in lower and upper case hex. */
function forms(v: string): { form: string; bytes: Buffer }[] {
  const out = [{ form: 'utf8', bytes: Buffer.from(v, 'utf8') }];
  if (/[^\x00-\x7f]/.test(v)) {
    const esc = (upper: boolean) => v.replace(/[^\x00-\x7f]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });
    out.push({ form: '\\u (lower)', bytes: Buffer.from(esc(false), 'utf8') }, { form: '\\u (upper)', bytes: Buffer.from(esc(true), 'utf8') });
  }
  return out;
}

/** The personal values found in `hay`, named with their form: [] when clean. */
function leaks(hay: Buffer, values: readonly string[]): string[] {
  const found: string[] = [];
  for (const v of values) for (const f of forms(v)) if (hay.includes(f.bytes)) found.push(`${JSON.stringify(v)} (${f.form})`);
  return found;
}

const fileBytes = (path: string): Buffer => (existsSync(path) ? readFileSync(path) : Buffer.alloc(0));

// ---- the consortium -----------------------------------------------------------------------------------------------

beforeAll(async () => {
  // every module's demo seeded first (the property demo adds grants and a vehicle's plate to the vault as it goes)
  c = await startConsortium({ orgs: ORGS, demo: true, name: 'privacy', ready: Object.fromEntries(ORGS.map((o) => [o, /demo data ready/])) });
  ({ genesis, nodes } = c);
  // The property company registers the demo community through consensus once the chain commits.
  const pc = node('property-company');
  await until('the demo community to be seeded', async () => {
    if (/demo community not seeded/.test(pc.stderr)) throw new Error(pc.stderr);
    return SEEDED.test(pc.stderr);
  }, 45_000);
  expect(SEEDED.exec(pc.stderr)![1]).toBe(String(DEMO_RESIDENTS));
});

afterAll(async () => {
  await c?.stop('SIGKILL');
});

describe('private data on a consortium of four organisations', () => {
  let resident1Subject: string;
  let resident1Fields: Record<string, string>;
  let newSubject: string;
  let gridNoCaseAccess: string;

  it('1. a resident reads their own record and verifies the proof of that use against the ledger', async () => {
    const pc = node('property-company');
    const token = await login('property-company', 'resident1');
    const r = await call(pc, 'GET', '/v1/me/record', { token });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ decision: 'allowed', reason: 'self' });
    expect(r.json.subject).toMatch(/^sub_[0-9a-f]{32}$/);
    const { name, idNumber, birthDate, phone, building, unit, address } = residents[0]!;
    expect(r.json.fields).toEqual({ name, idNumber, birthDate, phone, building, unit, address });
    resident1Subject = r.json.subject;
    resident1Fields = r.json.fields;

    const uses = await call(pc, 'GET', '/v1/me/uses', { token });
    expect(uses.status).toBe(200);
    expect(uses.json.subject).toBe(resident1Subject);
    const use = (uses.json.uses as { record: Record<string, unknown>; proof: Record<string, unknown> }[]).find((u) => u.record.access === r.json.access);
    expect(use, JSON.stringify(uses.json)).toBeDefined();
    // the ledger names the resident by a pseudonym for this context (docs/spec/privacy.md#how-the-linkages-are-closed)
    expect(use!.record.subject).toMatch(/^psn_[0-9a-f]{64}$/);
    expect(use!.record).toMatchObject({ org: 'property-company', role: 'resident', decision: 'allowed', reason: 'self', txHash: r.json.txHash, height: r.json.height });
    const verdict = verifyBundle(use!.proof, genesis);
    expect(verdict).toMatchObject({ txHash: r.json.txHash, height: r.json.height });
    expect(verdict.signedBy.length).toBeGreaterThanOrEqual(3);
    // the certified header is the one every other organisation's node holds at that height
    for (const org of ['street-office', 'auditor'] as const) {
      await reach(node(org), verdict.height);
      expect((await call(node(org), 'GET', `/v1/blocks/${verdict.height}`)).json.header).toEqual(use!.proof.header);
    }
    expect((use!.proof.tx as { type: string; payload: Record<string, unknown> })).toMatchObject({ type: 'privacy.access', payload: { access: r.json.access, subject: use!.record.subject, reason: 'self' } });
    // Every use listed carries a bundle that verifies.
    for (const u of uses.json.uses) expect(verifyBundle(u.proof, genesis).txHash).toBe(u.record.txHash);
  });

  it('2. a street-office official reads the granted fields across organisations, and is refused (and recorded) outside the grant', async () => {
    const so = node('street-office');
    const token = await login('street-office', 'zhou.official');
    const r = await call(so, 'GET', readPath(resident1Subject, 'welfare-assessment', ['name', 'phone']), { token });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ subject: resident1Subject, decision: 'allowed', reason: 'grant' });
    expect(r.json.fields).toEqual({ name: resident1Fields.name, phone: resident1Fields.phone });

    const refused = denial(await call(so, 'GET', readPath(resident1Subject, 'welfare-assessment', ['address']), { token }));
    expect(refused.reason).toBe('no-grant');

    // The resident sees both uses, each provable; the refused one as a denial.
    const pc = node('property-company');
    const residentToken = await login('property-company', 'resident1');
    let uses: Answer | undefined;
    await until('the refusal to appear in the resident\'s uses', async () => {
      uses = await call(pc, 'GET', '/v1/me/uses', { token: residentToken });
      return (uses.json.uses as { record: { access: string } }[]).some((u) => u.record.access === refused.access);
    });
    const list = uses!.json.uses as { record: Record<string, unknown>; proof: unknown }[];
    const denied = list.find((u) => u.record.access === refused.access)!;
    expect(denied.record).toMatchObject({ org: 'street-office', role: 'official', purpose: 'welfare-assessment', fields: ['address'], decision: 'denied', reason: 'no-grant', txHash: refused.txHash });
    expect(verifyBundle(denied.proof, genesis).txHash).toBe(refused.txHash);
    const allowed = list.find((u) => u.record.access === r.json.access)!;
    expect(allowed.record).toMatchObject({ org: 'street-office', role: 'official', fields: ['name', 'phone'], decision: 'allowed', reason: 'grant' });
    expect(allowed.record.grant).toMatch(/^gr_[0-9a-f]{32}$/);
  });

  // A quorum commits without the holder, so the holder may apply the asker's access record a moment after the asker
  // sends for the data (a late precommit, a GC pause, a slow disk). Pausing the holder makes that moment certain.
  it('2b. a cross-organisation read succeeds when the holder applies the block a moment after the asker', async () => {
    const so = node('street-office');
    const pc = node('property-company');
    const token = await login('street-office', 'zhou.official');
    const h0 = await height(so);
    pc.process!.kill('SIGSTOP');
    let pending: Promise<Answer> | undefined;
    try {
      pending = call(so, 'GET', readPath(resident1Subject, 'welfare-assessment', ['name']), { token });
      await until('the access to commit without the holder', async () => (await height(so)) > h0, 15_000);
    } finally {
      pc.process!.kill('SIGCONT');
    }
    const r = await pending!;
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.fields).toEqual({ name: resident1Fields.name });
  });

  it('2c. asking for the same field twice reads it once (and is recorded)', async () => {
    const so = node('street-office');
    const token = await login('street-office', 'zhou.official');
    const r = await call(so, 'GET', readPath(resident1Subject, 'welfare-assessment', ['name', 'name']), { token });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.fields).toEqual({ name: resident1Fields.name });
    const residentToken = await login('property-company', 'resident1');
    await until('the read to appear in the resident\'s uses', async () => {
      const uses = await call(node('property-company'), 'GET', '/v1/me/uses', { token: residentToken });
      const use = (uses.json.uses as { record: Record<string, unknown> }[]).find((u) => u.record.access === r.json.access);
      return use !== undefined && JSON.stringify(use.record.fields) === '["name"]';
    }, 10_000);
  });

  it('2d. staff read for a repair only the contact and address of its reporter, and only if they are on the job (issue 11.2)', async () => {
    const pc = node('property-company');
    const dispatcher = await login('property-company', 'chen.dispatch');
    // the demo seed's burst pipe: resident1's, assigned to wang.worker (zhao.worker is on another job)
    let pipe = '';
    await until('the seeded burst-pipe request on the board, in progress', async () => {
      const b = await call(pc, 'GET', '/v1/repairs/board', { token: dispatcher });
      pipe = (b.json.requests as { request: string; category: string; status: string }[] | undefined)?.find((r) => r.category === 'burst-pipe' && r.status === 'in-progress')?.request ?? '';
      return pipe !== '';
    }, 30_000);
    const wang = await login('property-company', 'wang.worker');
    const zhao = await login('property-company', 'zhao.worker');
    const ok = await call(pc, 'GET', readPath(resident1Subject, 'repair-dispatch', ['phone', 'unit'], `repair:${pipe}`), { token: wang });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(Object.keys(ok.json.fields).sort()).toEqual(['phone', 'unit']);
    // the ID number and birth date are not what a repair needs, whatever the case
    expect(denial(await call(pc, 'GET', readPath(resident1Subject, 'repair-dispatch', ['name', 'idNumber', 'birthDate'], `repair:${pipe}`), { token: wang })).reason).toBe('purpose-fields');
    // a worker who is not on the job, or a case that is not a real request
    expect(denial(await call(pc, 'GET', readPath(resident1Subject, 'repair-dispatch', ['phone'], `repair:${pipe}`), { token: zhao })).reason).toBe('not-on-case');
    expect(denial(await call(pc, 'GET', readPath(resident1Subject, 'repair-dispatch', ['phone'], 'case:ZhangWei-b2-1203'), { token: wang })).reason).toBe('case-not-found');
    // a case names whom it is about: the burst pipe is resident1's, so it is no reason to read resident2
    const resident2Subject = (await call(pc, 'GET', '/v1/me/uses', { token: await login('property-company', 'resident2') })).json.subject as string;
    expect(denial(await call(pc, 'GET', readPath(resident2Subject, 'repair-dispatch', ['phone'], `repair:${pipe}`), { token: wang })).reason).toBe('not-case-subject');
    expect(denial(await call(pc, 'GET', readPath(resident2Subject, 'repair-dispatch', ['phone'], `repair:${pipe}`), { token: dispatcher })).reason).toBe('not-case-subject');
    // the dispatcher manages every request of the company
    expect((await call(pc, 'GET', readPath(resident1Subject, 'repair-dispatch', ['phone'], `repair:${pipe}`), { token: dispatcher })).status).toBe(200);
  });

  it('3. property staff register a person, malformed grants are refused and write nothing, a grant works until revoked', async () => {
    const pc = node('property-company');
    const pw = node('power-company');
    const staff = await login('property-company', 'li.staff');
    const reg = await call(pc, 'POST', '/v1/subjects', { token: staff, body: { fields: newcomer } });
    expect(reg.status, JSON.stringify(reg.json)).toBe(201);
    expect(reg.json.subject).toMatch(/^sub_[0-9a-f]{32}$/);
    expect(reg.json.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect([...reg.json.classes].sort()).toEqual(['contact', 'identity', 'vehicle']);
    newSubject = reg.json.subject;

    const grantsBefore = (await ledgerTxs(pc)).filter((t) => t.type === 'privacy.grant');
    // the demo grant to the street office (the property demo adds its own, to the power company, over the owners)
    expect(grantsBefore.filter((t) => t.payload.toOrg === 'street-office')).toHaveLength(1);
    const now = Date.now();
    const good = { subjects: [newSubject], classes: ['contact'], toOrg: 'street-office', toRole: 'official', purpose: 'welfare-assessment', from: now - 60_000, until: now + 3_600_000 };
    const bad: [string, Record<string, unknown>, string[]][] = [
      ['unknown role', { ...good, toRole: 'janitor' }, ['GRANT_INVALID']],
      // the schema of privacy.grant refuses an unknown class at admission (docs/spec/privacy.md: TX_PAYLOAD_INVALID)
      ['unknown class', { ...good, classes: ['medical'] }, ['GRANT_INVALID', 'TX_PAYLOAD_INVALID']],
      ['until = from', { ...good, until: good.from }, ['GRANT_INVALID']],
      ['until < from', { ...good, until: good.from - 1 }, ['GRANT_INVALID']],
      ['unknown org', { ...good, toOrg: 'gas-company' }, ['GRANT_INVALID']],
    ];
    for (const [what, body, codes] of bad) {
      const r = await call(pc, 'POST', '/v1/grants', { token: staff, body });
      expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBe(400);
      expect(codes, `${what}: ${JSON.stringify(r.json)}`).toContain(r.json.code);
    }
    const g = await call(pc, 'POST', '/v1/grants', { token: staff, body: good });
    expect(g.status, JSON.stringify(g.json)).toBe(201);
    expect(g.json.grant).toMatch(/^gr_[0-9a-f]{32}$/);
    // Nothing of the malformed ones reached the ledger: exactly one more grant, the good one.
    const grantsAfter = (await ledgerTxs(pc)).filter((t) => t.type === 'privacy.grant');
    expect(grantsAfter.map((t) => t.payload.grant).sort()).toEqual([...grantsBefore.map((t) => t.payload.grant), g.json.grant].sort());
    expect(grantsAfter.find((t) => t.payload.grant === g.json.grant)!.payload).toMatchObject({ ...good, grant: g.json.grant });

    const so = node('street-office');
    await reach(so, g.json.height);
    const official = await login('street-office', 'qian.official');
    const read = await call(so, 'GET', readPath(newSubject, 'welfare-assessment', ['phone']), { token: official });
    expect(read.status, JSON.stringify(read.json)).toBe(200);
    expect(read.json).toMatchObject({ decision: 'allowed', reason: 'grant', fields: { phone: newcomer.phone } });
    expect(Object.keys(read.json.fields)).toEqual(['phone']);
    // the grant covers contact only
    expect(denial(await call(so, 'GET', readPath(newSubject, 'welfare-assessment', ['name']), { token: official })).reason).toBe('no-grant');
    // a case purpose needs a case reference naming a real, open case the reader is on (none: alarms come later)
    const grid = await login('power-company', 'sun.line');
    const noCase = denial(await call(pw, 'GET', readPath(newSubject, 'alarm-response', ['phone']), { token: grid }));
    expect(noCase.reason).toBe('no-case');
    gridNoCaseAccess = noCase.access;
    const freeText = await call(pw, 'GET', readPath(newSubject, 'alarm-response', ['phone'], 'case:ZhangWei-b2-1203'), { token: grid });
    expect(denial(freeText).reason).toBe('case-not-found');
    // … and the free text never reached the ledger
    expect(JSON.stringify(await ledgerTxs(pw))).not.toContain('ZhangWei');

    const rv = await call(pc, 'DELETE', `/v1/grants/${g.json.grant}`, { token: staff });
    expect(rv.status, JSON.stringify(rv.json)).toBe(200);
    await reach(so, rv.json.height);
    expect(denial(await call(so, 'GET', readPath(newSubject, 'welfare-assessment', ['phone']), { token: official })).reason).toBe('no-grant');
  });

  it('4. erasure shreds the data: every role is refused with "erased", and the private store no longer holds it', async () => {
    const pc = node('property-company');
    const staff = await login('property-company', 'li.staff');
    const privateDb = join(pc.dir, 'private.db');
    type VaultRow = { subject: string; data: Buffer; wrapped_key: Buffer };
    const before = new Database(privateDb, { readonly: true, fileMustExist: true });
    const rows = before.prepare('SELECT subject, data, wrapped_key FROM vault_subjects').all() as VaultRow[];
    before.close();
    // the vault holds the demo residents, the demo vehicles' plates (property) and the newcomer
    expect(rows).toHaveLength(DEMO_RESIDENTS + DEMO_VEHICLES.length + 1);
    const shredded = rows.find((r) => r.subject === newSubject)!;
    expect(shredded).toBeDefined();
    // the byte scan below can see a subject's ciphertext and wrapped key: before the erasure, this one's are there
    const beforeBytes = Buffer.concat([fileBytes(privateDb), fileBytes(`${privateDb}-wal`)]);
    expect(beforeBytes.includes(shredded.data)).toBe(true);
    expect(beforeBytes.includes(shredded.wrapped_key)).toBe(true);

    const e = await call(pc, 'POST', `/v1/subjects/${newSubject}/erase`, { token: staff });
    expect(e.status, JSON.stringify(e.json)).toBe(200);
    expect(e.json.txHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(pc, 'POST', `/v1/subjects/${newSubject}/erase`, { token: staff });
    expect(again.status).toBe(404);
    expect(again.json.code).toBe('SUBJECT_NOT_FOUND');
    const unknown = await call(pc, 'POST', `/v1/subjects/sub_${randomBytes(16).toString('hex')}/erase`, { token: staff });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('SUBJECT_NOT_FOUND');

    // Every demo account of every organisation whose role may call the read route, each on its own node.
    const accounts = nodes.flatMap((n) => {
      const m = /demo accounts of (\S+) \(password "[^"]*"\): (.*)$/m.exec(n.stderr);
      expect(m, `${n.org} printed no demo accounts`).not.toBeNull();
      expect(m![1]).toBe(n.org);
      return m![2]!.split(', ').map((a) => {
        const [, username, role] = /^(\S+) \(([a-z-]+)\)$/.exec(a)!;
        return { org: n.org, username: username!, role: role as Role };
      });
    });
    const readers = accounts.filter((a) => READER_ROLES.includes(a.role));
    expect(new Set(readers.map((a) => a.role))).toEqual(new Set(READER_ROLES));
    await Promise.all(nodes.map((n) => reach(n, e.json.height)));
    for (const a of readers) {
      const purpose = ROLE_PURPOSES[a.role][0]!;
      const caseRef = CASE_PURPOSES.includes(purpose) ? 'case:erase-check-1' : undefined;
      const token = await login(a.org, a.username);
      const r = await call(node(a.org), 'GET', readPath(newSubject, purpose, ['name', 'idNumber', 'phone'], caseRef), { token });
      expect(denial(r).reason, `${a.username} (${a.role}) on ${a.org}`).toBe('erased');
    }
    // A resident may not even call the route.
    const res2 = await call(pc, 'GET', readPath(newSubject, 'identity-verification', ['name']), { token: await login('property-company', 'resident2') });
    expect(res2.status).toBe(403);
    expect(res2.json.code).toBe('ACCESS_DENIED');

    // Directly in the holder's private store: no row, no ciphertext, no wrapped key, no plaintext; the others' remain.
    const db = new Database(privateDb, { readonly: true, fileMustExist: true });
    const left = db.prepare('SELECT subject, data, wrapped_key FROM vault_subjects').all() as VaultRow[];
    db.close();
    expect(left.map((r) => r.subject)).not.toContain(newSubject);
    expect(left).toHaveLength(DEMO_RESIDENTS + DEMO_VEHICLES.length);
    const bytes = Buffer.concat([fileBytes(privateDb), fileBytes(`${privateDb}-wal`)]);
    expect(leaks(bytes, [newcomer.name, newcomer.idNumber, newcomer.phone, newcomer.plate])).toEqual([]);
    for (const other of left) {
      expect(bytes.includes(other.data), `ciphertext of ${other.subject} is in the store`).toBe(true);
      expect(bytes.includes(other.wrapped_key)).toBe(true);
    }
    expect(bytes.includes(shredded.data), 'the erased subject\'s ciphertext is still in the private.db/-wal bytes').toBe(false);
    expect(bytes.includes(shredded.wrapped_key), 'the erased subject\'s wrapped data key is still in the private.db/-wal bytes').toBe(false);
  });

  it('4b. an erasure that commits late (the chain was stalled) still shreds the data', async () => {
    const pc = node('property-company');
    const staff = await login('property-company', 'li.staff');
    const reg = await call(pc, 'POST', '/v1/subjects', { token: staff, body: { fields: latecomer } });
    expect(reg.status, JSON.stringify(reg.json)).toBe(201);
    const subject = reg.json.subject as string;
    const h0 = await height(pc);
    // Two of four organisations pause: no quorum, nothing commits, the erase request gives up waiting.
    const paused = [node('power-company'), node('auditor')];
    for (const n of paused) n.process!.kill('SIGSTOP');
    let e: Answer;
    try {
      e = await call(pc, 'POST', `/v1/subjects/${subject}/erase`, { token: staff });
    } finally {
      for (const n of paused) n.process!.kill('SIGCONT');
    }
    expect(e.status, JSON.stringify(e.json)).toBe(504);
    expect(e.json.code).toBe('COMMIT_TIMEOUT'); // "it may still commit" — and it does, once the chain resumes:
    await until('the erasure to commit', async () => (await ledgerTxs(pc, h0 + 1)).some((t) => t.type === 'privacy.erase' && t.payload.subject === subject));
    // The staff member retries, as the 504 invites: the ledger already says erased.
    const again = await call(pc, 'POST', `/v1/subjects/${subject}/erase`, { token: staff });
    expect(again.status, JSON.stringify(again.json)).toBe(404);
    expect(again.json.code).toBe('SUBJECT_NOT_FOUND');
    expect(denial(await call(pc, 'GET', readPath(subject, 'identity-verification', ['name']), { token: staff })).reason).toBe('erased');
    // The ledger records the erasure, so the key and ciphertext must be gone from the private store.
    const db = new Database(join(pc.dir, 'private.db'), { readonly: true, fileMustExist: true });
    const row = db.prepare('SELECT subject FROM vault_subjects WHERE subject = ?').get(subject);
    db.close();
    expect(row, `the ledger says ${subject} is erased, but its wrapped key and ciphertext are still in private.db`).toBeUndefined();
  }, 40_000);

  it('5. the regulator reads all alerts; a resident may not', async () => {
    const au = node('auditor');
    const r = await call(au, 'GET', '/v1/alerts', { token: await login('auditor', 'he.audit') });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(Array.isArray(r.json.alerts)).toBe(true);
    // the grid worker's read without a case reference is a no-case alert, seen on every node
    await until('the no-case alert on the auditor node', async () => {
      const a = await call(au, 'GET', '/v1/alerts', { token: await login('auditor', 'he.audit') });
      // the alert names the person by the holder's pseudonym for the grid worker's reads, not by the subject id
      return (a.json.alerts as { access: string; subject: string; rule: string }[]).some((x) => x.access === gridNoCaseAccess && x.rule === 'no-case' && /^psn_/.test(x.subject));
    }, 10_000);
    const res = await call(node('property-company'), 'GET', '/v1/alerts', { token: await login('property-company', 'resident1') });
    expect(res.status).toBe(403);
    expect(res.json.code).toBe('ACCESS_DENIED');
  });

  it('6. no personal value is on any ledger or in any output, and every ledger still verifies', async () => {
    const values = personalValues();
    expect(values.length).toBe(DEMO_RESIDENTS * 5 + 4 + 3);
    // what the scan looks for is what the nodes served (the forms are right)
    expect(values).toContain(resident1Fields.name);
    expect(values).toContain(resident1Fields.phone);

    const codes = await Promise.all(nodes.map((n) => stopNode(n, 'SIGTERM')));
    expect(codes).toEqual(nodes.map(() => 0));

    for (const n of nodes) {
      const ledger = join(n.dir, 'ledger.db');
      const db = new Database(ledger, { readonly: true, fileMustExist: true });
      const txs = db.prepare('SELECT body, message FROM txs ORDER BY seq').all() as { body: string; message: string | null }[];
      const blocks = (db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
      db.close();
      // the scan reads real data: the privacy records of the test are there, by id
      const bodies = txs.map((t) => `${t.body}\n${t.message ?? ''}`).join('\n');
      expect(bodies).toContain(newSubject);
      expect(bodies).toContain(resident1Subject);
      expect(txs.length).toBeGreaterThan(DEMO_RESIDENTS);
      expect(blocks).toBeGreaterThan(0);
      expect(leaks(Buffer.from(bodies, 'utf8'), values), `${n.org}: ledger transactions`).toEqual([]);
      expect(leaks(Buffer.concat([fileBytes(ledger), fileBytes(`${ledger}-wal`)]), values), `${n.org}: ledger.db/-wal bytes`).toEqual([]);
      expect(leaks(Buffer.from(n.stdout + n.stderr, 'utf8'), values), `${n.org}: stdout/stderr`).toEqual([]);
      // and no file of the data dir holds any of it in clear (the property company's store is encrypted)
      for (const f of readdirSync(n.dir)) {
        const p = join(n.dir, f);
        if (statSync(p).isFile()) expect(leaks(readFileSync(p), values), `${n.org}: ${f}`).toEqual([]);
      }
      const v = spawnSync(process.execPath, [CLI, 'verify', n.dir], { encoding: 'utf8' });
      expect(v.status, `${n.org}: ${v.stdout}${v.stderr}`).toBe(0);
      expect(v.stdout).toMatch(/^ok: \d+ blocks, \d+ txs/);
    }
  });
});
