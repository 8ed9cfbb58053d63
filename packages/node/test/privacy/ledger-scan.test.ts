/**
 * The public ledger does not re-identify people (issue 11.1, docs/spec/privacy.md#how-the-linkages-are-closed). A real
 * consortium (`machi start --demo`: the street office and the property company) seeds its demo data; then, over
 * HTTP only, the flows the browser tests drive: a resident reports a repair that a neighbour follows, the dispatcher
 * assigns it, the worker reads the reporter's contact for the job and finishes it, the resident confirms; the street
 * office reads the resident's record under the demo grant, issues a credential, and the resident makes the one-trip
 * desk visit (consent at home, presentations to the desk); the resident reads their record, their uses and their
 * identity uses. Then the ledger is read as an outsider reads it (the public block and transaction routes, no
 * sign-in), and:
 *  - no identifier of a resident — a subject id (`sub_…`), a pseudonym (`psn_…`), a resident's actor in any module —
 *    appears in transactions of two modules;
 *  - no service name of the identity catalogue appears in a transaction that also names a resident.
 * Staff actors are left out on purpose: they stay one per organisation, so that a reader's place on a case can be
 * checked (principal.ts LedgerActors).
 *
 * Run on an older chain's format, the scan must find linkages:
 *   MACHI_LEDGER_SCAN_OLDER_CHAIN=1 npx vitest run packages/node/test/privacy/ledger-scan.test.ts   → fails
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_PRIVACY_SELF_AT_HOLDER, SERVICE_IDS } from '@machi/core';
import { actorOf, moduleActorOf } from '../../src/auth/principal.js';
import { NODE_MODULES } from '../../src/modules/index.js';
import { startConsortium, type CallOptions, type Consortium } from '../support/consortium.js';
import { TestWallet } from '../identity/helpers.js';

const ORGS = ['street-office', 'property-company'] as const;
type Org = (typeof ORGS)[number];
const OLDER_CHAIN = process.env.MACHI_LEDGER_SCAN_OLDER_CHAIN === '1';

let c: Consortium;
const call = (org: Org, method: string, path: string, opts: CallOptions = {}) => c.call(org, method, path, opts);
const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> => c.until(what, check, timeoutMs, 200);

beforeAll(async () => {
  c = await startConsortium({
    orgs: ORGS, demo: true, name: 'ledger-scan',
    ...(OLDER_CHAIN ? { rules: { [RULE_PRIVACY_SELF_AT_HOLDER]: 1 } } : {}),
    ready: { 'property-company': /demo data ready/, 'street-office': /demo data ready/ },
  });
}, 120_000);

afterAll(async () => {
  await c?.stop();
});

type PublicTx = { type: string; payload: Record<string, unknown>; hash: string };

/** Every transaction, as anyone reads them: the public block and transaction routes, without a token. */
async function publicLedger(org: Org): Promise<PublicTx[]> {
  const top = await c.height(org);
  const out: PublicTx[] = [];
  for (let h = 1; h <= top; h++) {
    const b = await call(org, 'GET', `/v1/blocks/${h}`);
    expect(b.status).toBe(200);
    for (const hash of b.json.txs as string[]) {
      const t = await call(org, 'GET', `/v1/txs/${hash}`);
      expect(t.status).toBe(200);
      out.push({ type: t.json.tx.type, payload: t.json.tx.payload, hash });
    }
  }
  return out;
}

/** Every actor a resident of `org` can appear as: the older one per organisation, and one per module. */
function residentActors(org: Org): Map<string, string> {
  const dir = c.node(org).dir;
  const secret = Buffer.from(readFileSync(join(dir, 'auth-secret'), 'utf8').trim(), 'base64url');
  const db = new Database(join(dir, 'private.db'), { readonly: true });
  const users = db.prepare("SELECT id, username FROM users WHERE org = ? AND role = 'resident'").all(org) as { id: string; username: string }[];
  db.close();
  const out = new Map<string, string>();
  for (const u of users) {
    out.set(actorOf(org, u.id, secret), `${u.username} (actor)`);
    for (const m of NODE_MODULES) out.set(moduleActorOf(org, u.id, secret, m.name), `${u.username} (${m.name} actor)`);
  }
  return out;
}

const moduleOf = (type: string): string => type.slice(0, type.indexOf('.'));
const PERSON_ID = /\b(?:sub_[0-9a-f]{32}|psn_[0-9a-f]{64})\b/g;

/** The identifiers of residents in one transaction. */
function residentIds(tx: PublicTx, actors: ReadonlyMap<string, string>): Set<string> {
  const text = JSON.stringify(tx.payload);
  const ids = new Set(text.match(PERSON_ID) ?? []);
  if (typeof tx.payload.subject === 'string') ids.add(tx.payload.subject);
  for (const a of actors.keys()) if (text.includes(a)) ids.add(a);
  return ids;
}

describe('the public ledger after the demo and the browser flows', () => {
  let resident1Subject = '';

  it('a resident reports a repair; the worker reads their contact for the job and finishes; the resident confirms', async () => {
    const resident1 = await c.login('property-company', 'resident1');
    const resident2 = await c.login('property-company', 'resident2');
    const dispatcher = await c.login('property-company', 'chen.dispatch');
    const worker = await c.login('property-company', 'wang.worker');
    resident1Subject = (await call('property-company', 'GET', '/v1/me/uses', { token: resident1 })).json.subject as string;
    expect(resident1Subject).toMatch(/^sub_[0-9a-f]{32}$/);

    const created = await call('property-company', 'POST', '/v1/repairs', { token: resident1, body: { category: 'burst-pipe', location: { kind: 'home', building: 'b1' }, description: 'water under the sink', unit: '1单元 502' } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.request as string;
    expect((await call('property-company', 'POST', `/v1/repairs/${id}/follow`, { token: resident2 })).status).toBe(200);
    expect((await call('property-company', 'POST', `/v1/repairs/${id}/assign`, { token: dispatcher, body: { worker: 'wang.worker' } })).status).toBe(200);
    const read = await call('property-company', 'GET', `/v1/subjects/${resident1Subject}?purpose=repair-dispatch&fields=phone,unit&caseRef=${encodeURIComponent(`repair:${id}`)}`, { token: worker });
    expect(read.status, JSON.stringify(read.json)).toBe(200);
    for (const [action, body] of [['accept'], ['arrive'], ['diagnose', { cause: 'pipe-corrosion', parts: [{ part: 'valve', quantity: 1 }] }], ['start'], ['finish', {}]] as const) {
      const r = await call('property-company', 'POST', `/v1/repairs/${id}/${action}`, { token: worker, ...(body === undefined ? {} : { body }) });
      expect(r.status, `${action}: ${JSON.stringify(r.json)}`).toBe(200);
    }
    const confirmed = await call('property-company', 'POST', `/v1/repairs/${id}/confirm`, { token: resident1, body: { rating: 5 } });
    expect(confirmed.status, JSON.stringify(confirmed.json)).toBe(200);
  }, 60_000);

  it('the street office reads under its grant and issues a credential; the resident makes the one-trip desk visit', async () => {
    const resident = await c.login('property-company', 'resident1');
    const official = await c.login('street-office', 'zhou.official');
    const rec = await call('street-office', 'GET', `/v1/subjects/${resident1Subject}?purpose=welfare-assessment&fields=name,idNumber`, { token: official });
    expect(rec.status, JSON.stringify(rec.json)).toBe(200);
    const offer = await call('street-office', 'POST', '/v1/identity/offers', {
      token: official,
      body: { type: 'low-income', claims: { name: rec.json.fields.name, idNumber: rec.json.fields.idNumber, eligible: true, category: 'minimum-living', validFrom: '2026-01-01' } },
    });
    expect(offer.status, JSON.stringify(offer.json)).toBe(201);
    const wallet = await TestWallet.create();
    const got = await call('street-office', 'POST', `/v1/identity/offers/${offer.json.offer}/redeem`, { body: { code: offer.json.code, holderJwk: wallet.holderJwk } });
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    const kept = await call('property-company', 'POST', '/v1/me/identity/credentials', { token: resident, body: { credential: got.json.credential } });
    expect(kept.status, JSON.stringify(kept.json)).toBe(201);
    const residence = (await call('property-company', 'GET', '/v1/me/identity/credentials', { token: resident })).json.credentials.find((x: { type: string }) => x.type === 'residence');

    const ses = await call('street-office', 'POST', '/v1/identity/sessions', { token: official, body: { service: 'low-income-subsidy' } });
    expect(ses.status, JSON.stringify(ses.json)).toBe(201);
    const { session, nonce, audience } = ses.json as { session: string; nonce: string; audience: string };
    const view = await call('property-company', 'GET', `/v1/identity/sessions/${session}`);
    expect(view.json).toMatchObject({ deskOrg: 'street-office', service: 'low-income-subsidy' });
    const consent = await call('property-company', 'POST', '/v1/me/identity/consents', { token: resident, body: { session, nonce } });
    expect(consent.status, JSON.stringify(consent.json)).toBe(201);
    const p1 = await call('property-company', 'POST', `/v1/me/identity/credentials/${residence.id}/present`, { token: resident, body: { session, nonce } });
    expect(p1.status, JSON.stringify(p1.json)).toBe(200);
    const p2 = await wallet.present(got.json.credential, ['name', 'category', 'eligible'], { nonce, aud: audience, iatS: Math.floor(Date.now() / 1000) });
    const answer = await call('street-office', 'POST', `/v1/identity/sessions/${session}/presentations`, { body: { presentations: [p1.json.presentation, p2] } });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json.eligible).toBe(true);

    // "who used my data" still answers every use, with proofs: the worker's, the street office's reads, the desk's
    const own = await call('property-company', 'GET', '/v1/me/record', { token: resident });
    expect(own.status, JSON.stringify(own.json)).toBe(200);
    await until('the desk\'s read in the resident\'s uses', async () => {
      const uses = (await call('property-company', 'GET', '/v1/me/uses', { token: resident })).json.uses as { record: { org: string; role: string; purpose: string } }[];
      const seen = (org: string, purpose: string) => uses.filter((u) => u.record.org === org && u.record.purpose === purpose).length;
      return seen('property-company', 'repair-dispatch') >= 1 && seen('street-office', 'welfare-assessment') >= 1 && seen('street-office', 'identity-verification') >= 1
        && seen('property-company', 'identity-verification') >= 1;
    }, 20_000);
    const idUses = await call('property-company', 'GET', '/v1/me/identity/uses', { token: resident });
    expect((idUses.json.consents as { session: string; service: string }[]).find((x) => x.session === session)).toMatchObject({ service: 'low-income-subsidy' });
  }, 60_000);

  it('read without signing in, no transaction links a resident across two modules or names their service', async () => {
    // the street office's copy, once it holds every block the property company committed
    const top = await c.height('property-company');
    await until('the street office to hold every block', async () => (await c.height('street-office')) >= top);
    const txs = await publicLedger('street-office');
    const actors = residentActors('property-company');
    const modulesOf = new Map<string, Set<string>>();
    const serviceNextToPerson: string[] = [];
    for (const tx of txs) {
      const ids = residentIds(tx, actors);
      for (const id of ids) modulesOf.set(id, (modulesOf.get(id) ?? new Set()).add(moduleOf(tx.type)));
      const text = JSON.stringify(tx.payload);
      const services = SERVICE_IDS.filter((s) => text.includes(s));
      if (ids.size > 0 && services.length > 0) serviceNextToPerson.push(`${tx.type} ${tx.hash}: ${services.join(', ')} beside ${[...ids].map((i) => actors.get(i) ?? i).join(', ')}`);
    }
    // the scan saw what it is about (else it would pass on an empty ledger)
    const types = new Set(txs.map((t) => t.type));
    for (const t of ['privacy.subject_register', 'privacy.access', 'privacy.grant', 'repair.create', 'repair.confirm', 'identity.session', 'identity.consent', 'identity.verify']) expect(types, t).toContain(t);
    expect([...modulesOf.keys()].filter((i) => actors.has(i)).length, 'residents\' actors on the ledger').toBeGreaterThan(0);

    const linked = [...modulesOf].filter(([, ms]) => ms.size > 1).map(([id, ms]) => `${actors.get(id) ?? id} in ${[...ms].join(' and ')}`);
    expect.soft(linked, 'identifiers of a resident in two modules').toEqual([]);
    expect.soft(serviceNextToPerson, 'a service named beside a resident').toEqual([]);
  }, 60_000);
});
