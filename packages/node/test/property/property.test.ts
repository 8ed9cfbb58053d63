/**
 * property end to end on one in-process node (the property company, hosting the housing bureau): a register imported
 * from CSV with a per-row refusal report (nothing half-imported); a bill paid and visible to its owner with proofs;
 * owners' ballots after the digital-ID check, a second ballot refused and recorded; an emergency fund use from a water
 * leak alarm (first transfer at most 60 %); a sealed-bid tender from commitments to the public opening; the power
 * company's and the housing bureau's reads of a unit's owner under the property company's grants, recorded.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFieldCommitment, sha256Hex, tenderCommitmentText, verifyBundle, type Role } from '@machi/core';
import { TEST_ACCOUNTS } from '../support/node.js';
import { connect, devicesNode, ledger, ok, register, until, type DevicesNode } from '../devices/helpers.js';
import { demoResidents } from '../../src/modules/privacy/demo.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import type { Identity } from '../../src/modules/identity/index.js';

let n: DevicesNode;
const HOUR = 3_600_000;

beforeAll(async () => {
  const users: Record<string, Role> = { ...TEST_ACCOUNTS };
  n = await devicesNode({}, { users, hosted: { 'housing-bureau': { 'gao.housing': 'official' }, 'power-company': { 'wu.power': 'utility-staff' } } });
  // the street office's part, done here by the node's dispatcher: the units in the standard address register
  for (const [code, parent] of [['b1', undefined], ['b1-u0101', 'b1'], ['b1-u0102', 'b1'], ['b1-u0201', 'b1']] as const) {
    ok(await n.call('POST', '/v1/addresses', { as: 'chen.dispatch', body: { code, kind: parent === undefined ? 'building' : 'unit', ...(parent === undefined ? {} : { parent }), name: `${code}号` } }), 201);
  }
  // two owners held in the vault, each with a residence and a property-ownership credential in their wallet
  const privacy = n.use<PrivacyExports>('privacy');
  const identity = n.use<Identity>('identity');
  const staff = n.principals.get('li.staff')!;
  for (const [i, r] of demoResidents(2).entries()) {
    const resident = n.principals.get(`resident${i + 1}`)!;
    const { subject } = await privacy.service.register(staff, { ...r }, resident.userId);
    for (const o of [
      { type: 'residence', claims: { name: r.name, idNumber: r.idNumber, community: '幸福里小区', building: r.building, unit: r.unit, residentSince: '2018-09-01' } },
      { type: 'property-ownership', claims: { name: r.name, idNumber: r.idNumber, building: r.building, unit: r.unit, certificateNumber: `T-${i}`, share: 'sole' } },
    ]) {
      const made = await identity.service.offer(staff, { ...o, subject });
      await identity.service.accept(resident, made.offer, { demoHolderKey: true });
    }
  }
}, 60_000);
afterAll(async () => n?.close());

const subjectOf = (user: string): string => n.use<PrivacyExports>('privacy').vault.subjectOfUser(n.principals.get(user)!.userId)!;

describe('property end to end', () => {
  it('a refused sign-up or read receipt keeps nothing in the private store (not even the pseudonym link)', async () => {
    const db = new Database(join(n.dir, 'private.db'), { readonly: true });
    const links = (): number => db.prepare('SELECT count(*) FROM ledger_pseudonyms').pluck().get() as number;
    try {
      const before = links();
      // resident1 is not named on the ledger by this node yet (this test runs first): their link would be new
      expect((await n.call('POST', `/v1/property/me/activities/pa_${'0'.repeat(32)}/signup`, { as: 'resident1' })).json.code).toBe('PROPERTY_NOT_FOUND');
      expect((await n.call('POST', `/v1/property/me/notices/pn_${'0'.repeat(32)}/read`, { as: 'resident1' })).json.code).toBe('PROPERTY_NOT_FOUND');
      expect(links()).toBe(before);
      const act = ok(await n.call('POST', '/v1/property/activities', { as: 'li.staff', body: { title: '读书会', startsAt: n.clock.now() + HOUR, capacity: 5 } }), 201);
      ok(await n.call('POST', `/v1/property/me/activities/${act.id}/signup`, { as: 'resident1' }), 201);
      expect(links()).toBe(before + 1); // kept once the step passed
    } finally {
      db.close();
    }
  });

  it('imports a CSV register: bad rows reported, the valid rows in one transaction', async () => {
    const csv = [
      'unit,type,area_m2,owner_subject',
      `b1-u0101,residential,89.50,${subjectOf('resident1')}`,
      `b1-u0102,residential,76.25,${subjectOf('resident1')}`,
      `b1-u0201,residential,100,${subjectOf('resident2')}`,
      'b9-u0101,residential,80,', // unknown unit
      'b1-u0201,residential,80.123,', // malformed area (and a repeat)
      'b1-u0301,villa,80',
    ].join('\n');
    const r = ok(await n.call('POST', '/v1/property/imports', { as: 'li.staff', body: { csv } }), 201);
    expect(r.imported).toBe(3);
    expect(r.refused.map((x: any) => [x.line, x.reason.slice(0, 14)])).toEqual([[5, 'unknown unit: '], [6, 'unit repeated '], [7, 'expected 4 fie']]);
    expect(ledger(n).filter((t) => t.type === 'property.import')).toHaveLength(1);
    const reg = ok(await n.call('GET', '/v1/property/register', { as: 'li.staff' }));
    expect(reg.totals).toEqual({ units: 3, areaDm2: 26_575, ownedAreaDm2: 26_575, owners: 2 });
    // no owner's name or subject id is on the ledger: pseudonyms only
    expect(JSON.stringify(ledger(n).filter((t) => t.type.startsWith('property.')))).not.toContain(subjectOf('resident1'));
    expect((await n.call('POST', '/v1/property/imports', { as: 'resident1', body: { csv } })).status).toBe(403);
  });

  it('a bill paid and visible to the owner with proofs; amounts in integer fen only', async () => {
    ok(await n.call('POST', '/v1/property/fees', { as: 'li.staff', body: { from: '2026-01', items: [{ item: 'service-fee', basis: 'area', unitType: 'any', rateFen: 250 }] } }), 201);
    ok(await n.call('POST', '/v1/property/bills', { as: 'li.staff', body: { period: '2026-01', building: 'b1', dueAt: Date.now() + HOUR } }), 201);
    expect((await n.call('POST', '/v1/property/payments', { as: 'li.staff', body: { unit: 'b1-u0101', period: '2026-01', amountFen: 223.75, reference: 'WX2026010100001' } })).status).toBe(400);
    ok(await n.call('POST', '/v1/property/payments', { as: 'li.staff', body: { unit: 'b1-u0101', period: '2026-01', amountFen: 22_375, reference: 'WX2026010100001' } }), 201);
    // a step the ledger would refuse is checked against the state first: refused with its code, nothing submitted
    const over = await n.call('POST', '/v1/property/payments', { as: 'li.staff', body: { unit: 'b1-u0101', period: '2026-01', amountFen: 1, reference: 'WX2026010100002' } });
    expect([over.status, over.json.code]).toEqual([400, 'PROPERTY_INVALID']);
    expect(ledger(n).filter((t) => t.type === 'property.pay')).toHaveLength(1);
    const me = ok(await n.call('GET', '/v1/property/me', { as: 'resident1' }));
    expect(me.units.map((u: any) => u.unit)).toEqual(['b1-u0101', 'b1-u0102']);
    const bill = me.bills.find((b: any) => b.unit === 'b1-u0101');
    expect(bill).toMatchObject({ status: 'paid', dueFen: 22_375, paidFen: 22_375 });
    expect(verifyBundle(bill.payments[0].proof, n.genesis).txHash).toBe(bill.payments[0].txHash);
    expect(verifyBundle(bill.proof, n.genesis).txHash).toBe(bill.txHash);
    // the published schedule and a period's disclosure, line by line, with proofs
    ok(await n.call('POST', '/v1/property/disclosures', { as: 'li.staff', body: { period: '2026-01', lines: [{ account: 'common-area', kind: 'income', item: 'advertising', label: '电梯广告', amountFen: 1_200_000 }] } }), 201);
    const d = ok(await n.call('GET', '/v1/property/public/disclosures')).items[0];
    expect(d).toMatchObject({ period: '2026-01', totals: { 'common-area': { incomeFen: 1_200_000, spendingFen: 0 } } });
    expect(verifyBundle(d.proof, n.genesis).txHash).toBe(d.txHash);
    // resident 2 does not see resident 1's bills
    expect(ok(await n.call('GET', '/v1/property/me', { as: 'resident2' })).bills.map((b: any) => b.unit)).toEqual(['b1-u0201']);
  });

  it("owners' ballots after the digital-ID check; a second ballot and a non-owner refused and recorded; the tally at close", async () => {
    const v = ok(await n.call('POST', '/v1/property/votes', { as: 'li.staff', body: { matter: 'rules', title: '管理规约修订', closesAt: n.clock.now() + HOUR } }), 201);
    ok(await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident1', body: { unit: 'b1-u0101', choice: 'yes' } }), 201);
    const again = await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident1', body: { unit: 'b1-u0101', choice: 'yes' } });
    expect([again.status, again.json.code]).toEqual([409, 'PROPERTY_BALLOT_CAST']);
    const other = await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident2', body: { unit: 'b1-u0102', choice: 'no' } });
    expect([other.status, other.json.code]).toEqual([403, 'PROPERTY_NOT_OWNER']);
    ok(await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident1', body: { unit: 'b1-u0102', choice: 'yes' } }), 201);
    expect(ledger(n).filter((t) => t.type === 'property.ballot')).toHaveLength(4); // two counted, two refused and recorded
    // another owner's digital-ID check does not count for resident 2
    const session = ok(await n.call('GET', `/v1/property/public/votes/${v.id}`)).ballots[0].session;
    const borrowed = await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident2', body: { unit: 'b1-u0201', choice: 'no', session } });
    expect([borrowed.status, borrowed.json.code]).toEqual([403, 'PROPERTY_ID_CHECK']);
    n.clock.offsetMs += HOUR;
    const late = await n.call('POST', `/v1/property/me/votes/${v.id}/ballots`, { as: 'resident2', body: { unit: 'b1-u0201', choice: 'no' } });
    expect(late.json.code).toBe('PROPERTY_VOTE_CLOSED');
    ok(await n.call('POST', `/v1/property/votes/${v.id}/close`, { as: 'li.staff' }), 201);
    const pub = ok(await n.call('GET', `/v1/property/public/votes/${v.id}`));
    // resident 1: two units, one owner, 165.75 m² of 265.75 m²; 1 of 2 owners: participation fails
    expect(pub.result).toMatchObject({ outcome: 'failed-participation', participationArea: '663/1063', participationOwners: '1/2' });
    expect(pub.recount.matches).toBe(true);
    const mine = ok(await n.call('GET', '/v1/property/me', { as: 'resident1' })).votes.find((x: any) => x.vote === v.id);
    expect(mine.ballots.map((b: any) => b.unit)).toEqual(['b1-u0101', 'b1-u0102']);
    expect(verifyBundle(mine.ballots[0].proof, n.genesis).txHash).toBe(mine.ballots[0].txHash);
  }, 30_000);

  it('an emergency fund use from a water-leak alarm: approved without a vote, first transfer at most 60 % of the budget', async () => {
    const dev = await register(n, { device: 'leak-b1-pump', class: 'moisture', location: { kind: 'common-area', code: 'b1-pump-room' }, building: 'b1' });
    const c = await connect(dev.mqtt.url, dev.device, dev.secret);
    c.publish(dev.mqtt.topic, JSON.stringify({ leak: true, battery: 80 }), { qos: 1 });
    const alarm = await until(async () => (ok(await n.call('GET', '/v1/devices/alarms', { as: 'chen.dispatch' })).alarms as any[])[0], 'the leak alarm');
    await c.endAsync();
    const use = ok(await n.call('POST', '/v1/property/fund/uses', { as: 'li.staff', body: { building: 'b1', title: '泵房漏水抢修', contractor: '申城水电', budgetFen: 1_000_000, emergency: { category: 'leak', alarm: alarm.alarm } } }), 201);
    ok(await n.call('POST', '/v1/property/fund/deposits', { as: 'gao.housing', body: { amountFen: 50_000_000, reference: 'DEP-2026-000001' } }), 201);
    // the property company cannot approve its own use; the bureau can
    expect((await n.call('POST', `/v1/property/fund/uses/${use.id}/approve`, { as: 'zhou.official' })).json.code).toBe('PROPERTY_FORBIDDEN');
    ok(await n.call('POST', `/v1/property/fund/uses/${use.id}/approve`, { as: 'gao.housing' }), 201);
    const tooMuch = await n.call('POST', `/v1/property/fund/uses/${use.id}/transfers`, { as: 'gao.housing', body: { amountFen: 600_001, reference: 'TR-2026-000001' } });
    expect([tooMuch.status, tooMuch.json.code]).toEqual([400, 'PROPERTY_INVALID']);
    ok(await n.call('POST', `/v1/property/fund/uses/${use.id}/transfers`, { as: 'gao.housing', body: { amountFen: 600_000, reference: 'TR-2026-000002' } }), 201);
    const pub = ok(await n.call('GET', `/v1/property/public/fund/uses/${use.id}`));
    expect(pub).toMatchObject({ status: 'approved', metDeadline: true, transferredFen: 600_000, emergency: { category: 'leak', alarm: alarm.alarm } });
    expect(pub.steps.map((x: any) => [x.step, x.org])).toEqual([['emergency-proposed', 'property-company'], ['approved', 'housing-bureau'], ['transfer', 'housing-bureau']]);
    expect(verifyBundle(pub.steps[1].proof, n.genesis).txHash).toBe(pub.steps[1].txHash);
  }, 30_000);

  it('a sealed-bid tender from commitments to the public opening', async () => {
    const now = n.clock.now();
    const t = ok(await n.call('POST', '/v1/property/tenders', { as: 'li.staff', body: { title: '电梯维保', deadline: now + HOUR, revealUntil: now + 2 * HOUR } }), 201);
    const bids = [['甲电梯', 900_000, 'a'.repeat(32)], ['乙电梯', 800_000, 'b'.repeat(32)], ['丙电梯', 700_000, 'c'.repeat(32)]] as const;
    const ids: string[] = [];
    for (const [bidder, price, salt] of bids) {
      const bid = `pb_${sha256Hex(bidder).slice(0, 32)}`;
      ids.push(bid);
      ok(await n.call('POST', `/v1/property/public/tenders/${t.id}/bids`, { body: { bid, bidder, commitment: sha256Hex(tenderCommitmentText(t.id, bid, price, salt)) } }), 201);
    }
    // before the deadline nobody can read a price: the ledger holds hashes only
    expect(JSON.stringify(ok(await n.call('GET', `/v1/property/public/tenders/${t.id}`)))).not.toContain('800000');
    expect((await n.call('POST', `/v1/property/public/tenders/${t.id}/bids/${ids[0]}/reveal`, { body: { priceFen: 900_000, salt: bids[0][2] } })).json.code).toBe('PROPERTY_CONFLICT');
    n.clock.offsetMs += HOUR;
    expect((await n.call('POST', `/v1/property/public/tenders/${t.id}/bids`, { body: { bidder: '丁', commitment: 'd'.repeat(64) } })).json.code).toBe('PROPERTY_TENDER_CLOSED');
    ok(await n.call('POST', `/v1/property/public/tenders/${t.id}/bids/${ids[0]}/reveal`, { body: { priceFen: 900_000, salt: bids[0][2] } }), 201);
    ok(await n.call('POST', `/v1/property/public/tenders/${t.id}/bids/${ids[1]}/reveal`, { body: { priceFen: 750_000, salt: bids[1][2] } }), 201); // not the committed price
    n.clock.offsetMs += HOUR;
    ok(await n.call('POST', `/v1/property/tenders/${t.id}/open`, { as: 'li.staff' }), 201);
    const opened = ok(await n.call('GET', `/v1/property/public/tenders/${t.id}`));
    expect(opened.status).toBe('opened');
    expect(opened.opened).toMatchObject({ ranking: [{ bidder: '甲电梯', priceFen: 900_000 }], winner: ids[0], withdrawn: [ids[1], ids[2]] });
    expect(opened.bids.map((b: any) => b.withdrawnFor)).toEqual([null, 'reveal-mismatch', 'not-revealed']);
    expect(verifyBundle(opened.proof, n.genesis).txHash).toBe(opened.opened.txHash);
  });

  it('a notice with read receipts; an activity with sign-up and volunteer hours', async () => {
    const notice = ok(await n.call('POST', '/v1/property/notices', { as: 'li.staff', body: { title: '停水通知', text: '12月9日9时至12时停水检修。' } }), 201);
    ok(await n.call('POST', `/v1/property/me/notices/${notice.id}/read`, { as: 'resident1' }), 201);
    expect((await n.call('POST', `/v1/property/me/notices/${notice.id}/read`, { as: 'resident1' })).json.code).toBe('PROPERTY_CONFLICT');
    expect(ok(await n.call('GET', '/v1/property/public/notices')).items.find((x: any) => x.notice === notice.id).reads).toBe(1);
    const act = ok(await n.call('POST', '/v1/property/activities', { as: 'li.staff', body: { title: '社区清洁日', startsAt: n.clock.now() + HOUR, capacity: 20 } }), 201);
    ok(await n.call('POST', `/v1/property/me/activities/${act.id}/signup`, { as: 'resident2' }), 201);
    n.clock.offsetMs += HOUR;
    const person = ok(await n.call('GET', '/v1/property/public/activities')).items.find((a: any) => a.activity === act.id).signups[0].person;
    ok(await n.call('POST', `/v1/property/activities/${act.id}/hours`, { as: 'li.staff', body: { person, minutes: 180 } }), 201);
    const me = ok(await n.call('GET', '/v1/property/me', { as: 'resident2' }));
    expect(me.volunteer).toMatchObject({ minutes: 180, activities: 1, label: false });
    expect(me.notices.find((x: any) => x.notice === notice.id).read).toBeNull();
  });

  it("the power company and the housing bureau read a unit's owner only under a grant, every read recorded", async () => {
    const owner = demoResidents(1)[0]!;
    const read = (as: string, unit: string, purpose: string, fields: string) => n.call('GET', `/v1/property/units/${unit}/owner?purpose=${purpose}&fields=${fields}`, { as });
    const accesses = () => ledger(n).filter((t) => t.type === 'privacy.access').map((t) => t.payload);
    // no grant yet: refused, the refusal recorded, nothing of the owner in the answer
    const before = accesses().length;
    const none = await read('wu.power', 'b1-u0101', 'utility-account-transfer', 'phone,unit');
    expect([none.status, none.json.code]).toEqual([403, 'ACCESS_DENIED']);
    expect(none.body).not.toContain(owner.phone);
    expect(accesses().slice(before)).toMatchObject([{ org: 'power-company', role: 'utility-staff', purpose: 'utility-account-transfer', decision: 'denied', reason: 'no-grant' }]);
    // the property company grants the power company resident 1's contact and address, for that purpose
    const now = n.clock.now();
    const g = ok(await n.call('POST', '/v1/grants', { as: 'li.staff', body: { subjects: [subjectOf('resident1')], classes: ['contact', 'address'], toOrg: 'power-company', toRole: 'utility-staff', purpose: 'utility-account-transfer', from: now - 60_000, until: now + 86_400_000 } }), 201);
    const r = ok(await read('wu.power', 'b1-u0101', 'utility-account-transfer', 'phone,unit'));
    expect(r).toMatchObject({ unit: 'b1-u0101', decision: 'allowed', reason: 'grant', fields: { phone: owner.phone, unit: owner.unit } });
    expect(checkFieldCommitment(r.commitment, r.fields, r.opening)).toBe(true);
    const rec = accesses().find((a) => a.access === r.access);
    expect(rec).toMatchObject({ org: 'power-company', decision: 'allowed', grant: g.grant, fields: ['phone', 'unit'] });
    expect(rec.subject).toMatch(/^psn_/); // the owner by a pseudonym of this context, never their subject id
    // the owner sees it in "who used my data"
    expect(ok(await n.call('GET', '/v1/me/uses', { as: 'resident1' })).uses.map((u: any) => u.record.access)).toContain(r.access);
    // the grant covers neither the owner's identity, nor another purpose, nor another owner, nor another organisation
    for (const [as, unit, purpose, fields] of [
      ['wu.power', 'b1-u0101', 'utility-account-transfer', 'name', 'purpose-fields'],
      ['wu.power', 'b1-u0101', 'housing-register-check', 'unit', 'purpose-not-allowed-for-role'],
      ['wu.power', 'b1-u0201', 'utility-account-transfer', 'phone', 'no-grant'],
      ['gao.housing', 'b1-u0101', 'housing-register-check', 'name,idNumber', 'no-grant'],
    ] as const) {
      const x = await read(as, unit, purpose, fields);
      expect([x.status, x.json.code]).toEqual([403, 'ACCESS_DENIED']);
      expect(x.body).not.toContain(owner.name);
    }
    expect(accesses().slice(-4).map((a) => [a.org, a.decision, a.reason])).toEqual([
      ['power-company', 'denied', 'purpose-fields'], ['power-company', 'denied', 'purpose-not-allowed-for-role'], ['power-company', 'denied', 'no-grant'], ['housing-bureau', 'denied', 'no-grant'],
    ]);
    // the housing bureau, once granted, reads name and ID number for its register check (signed by the bureau's key)
    ok(await n.call('POST', '/v1/grants', { as: 'li.staff', body: { subjects: [subjectOf('resident1')], classes: ['identity', 'address'], toOrg: 'housing-bureau', toRole: 'official', purpose: 'housing-register-check', from: now - 60_000, until: now + 86_400_000 } }), 201);
    expect(ok(await read('gao.housing', 'b1-u0102', 'housing-register-check', 'name,idNumber')).fields).toEqual({ name: owner.name, idNumber: owner.idNumber });
    // staff and residents have no such route
    expect((await read('li.staff', 'b1-u0101', 'utility-account-transfer', 'phone')).status).toBe(403);
    expect((await read('resident2', 'b1-u0101', 'utility-account-transfer', 'phone')).status).toBe(403);
  }, 30_000);

  it('households of vault residents and vehicles: plates in the vault, a commitment and the parking space on the ledger', async () => {
    ok(await n.call('PUT', '/v1/property/households', { as: 'li.staff', body: { unit: 'b1-u0101', memberSubjects: [subjectOf('resident1'), subjectOf('resident2')] } }), 201);
    const unknown = await n.call('PUT', '/v1/property/households', { as: 'li.staff', body: { unit: 'b1-u0101', memberSubjects: [`sub_${'0'.repeat(32)}`] } });
    expect([unknown.status, unknown.json.code]).toEqual([404, 'PROPERTY_NOT_FOUND']);
    ok(await n.call('PUT', '/v1/property/spaces', { as: 'li.staff', body: { space: 'p-b1-001', building: 'b1', unit: 'b1-u0101' } }), 201);
    const bad = await n.call('PUT', '/v1/property/vehicles', { as: 'li.staff', body: { unit: 'b1-u0101', plate: 'ABC' } });
    expect([bad.status, bad.json.code]).toEqual([400, 'PROPERTY_INVALID']);
    const subjectsBefore = ledger(n).filter((t) => t.type === 'privacy.subject_register').length;
    const elsewhere = await n.call('PUT', '/v1/property/vehicles', { as: 'li.staff', body: { unit: 'b1-u0201', space: 'p-b1-001', plate: '沪A12345' } });
    expect([elsewhere.status, elsewhere.json.code]).toEqual([409, 'PROPERTY_CONFLICT']);
    expect(ledger(n).filter((t) => t.type === 'privacy.subject_register')).toHaveLength(subjectsBefore); // refused: no plate kept
    const v = ok(await n.call('PUT', '/v1/property/vehicles', { as: 'li.staff', body: { unit: 'b1-u0101', space: 'p-b1-001', plate: '沪A12345' } }), 201);
    const res = ok(await n.call('GET', '/v1/property/units/b1-u0101/residents', { as: 'li.staff' }));
    expect(res.household.members).toHaveLength(2);
    expect(res.vehicles).toMatchObject([{ vehicle: v.id, unit: 'b1-u0101', space: 'p-b1-001' }]);
    const onLedger = JSON.stringify(ledger(n));
    expect(onLedger).not.toContain('沪A12345');
    expect(JSON.stringify(ledger(n).filter((t) => t.type.startsWith('property.')))).not.toContain(v.plateSubject.slice(4)); // nor its subject id
    // the plate is read like any personal data: through the privacy read, recorded
    const plate = ok(await n.call('GET', `/v1/subjects/${v.plateSubject}?purpose=identity-verification&fields=plate`, { as: 'li.staff' }));
    expect(plate.fields).toEqual({ plate: '沪A12345' });
    expect(res.vehicles[0].plate).toBe(plate.commitment);
  });

  it('staff files: personal data off the ledger, a licence kind and expiry under a pseudonym, the 30-day expiry alert', async () => {
    const DAY = 86_400_000;
    const f = ok(await n.call('POST', '/v1/property/staff', { as: 'li.staff', body: { name: '王师傅', role: 'lift operator', training: [{ course: '电梯安全培训', completedAt: n.clock.now() - 30 * DAY }] } }), 201);
    const soon = ok(await n.call('POST', `/v1/property/staff/${f.id}/licences`, { as: 'li.staff', body: { kind: 'lift-operator', number: 'T310112198', expiresAt: n.clock.now() + 20 * DAY } }), 201);
    ok(await n.call('POST', `/v1/property/staff/${f.id}/licences`, { as: 'li.staff', body: { kind: 'electrician', number: 'D440305776', expiresAt: n.clock.now() + 400 * DAY } }), 201);
    const late = await n.call('POST', `/v1/property/staff/${f.id}/licences`, { as: 'li.staff', body: { kind: 'welder', number: 'W1', expiresAt: n.clock.now() - DAY } });
    expect([late.status, late.json.code]).toEqual([400, 'PROPERTY_INVALID']);
    // the ledger: kind and expiry under the pseudonym only — no name, role or licence number
    const txs = ledger(n).filter((t) => t.type === 'property.licence');
    expect(txs.map((t) => [t.payload.kind, t.payload.staff])).toEqual([['lift-operator', f.pseudonym], ['electrician', f.pseudonym]]);
    const all = JSON.stringify(ledger(n));
    for (const secret of ['王师傅', 'T310112198', 'lift operator', f.id]) expect(all).not.toContain(secret);
    // the desk's alert: the lift operator's licence expires within 30 days
    expect(ok(await n.call('GET', '/v1/property/staff/alerts', { as: 'li.staff' })).items).toMatchObject([{ staff: f.id, kind: 'lift-operator', expired: false }]);
    expect((await n.call('GET', '/v1/property/staff', { as: 'resident1' })).status).toBe(403);
    // an owner checks the licence was valid at a job's time (and not after its expiry), with its proof
    const at = n.clock.now() + DAY;
    const pub = ok(await n.call('GET', `/v1/property/public/licences/${soon.id}?at=${at}`));
    expect(pub).toMatchObject({ kind: 'lift-operator', staff: f.pseudonym, validAt: { at, valid: true } });
    expect(verifyBundle(pub.proof, n.genesis).txHash).toBe(pub.txHash);
    expect(ok(await n.call('GET', `/v1/property/public/licences/${soon.id}?at=${at + 30 * DAY}`)).validAt.valid).toBe(false);
  });

  it("a lift job's assignment records the licence covering it, or a warning when the worker holds none (not refused)", async () => {
    const DAY = 86_400_000;
    // zhao.worker's staff file holds a lift operator's licence; wang.worker has no staff file
    const f = ok(await n.call('POST', '/v1/property/staff', { as: 'li.staff', body: { name: '赵师傅', role: 'lift operator', worker: 'zhao.worker' } }), 201);
    const lic = ok(await n.call('POST', `/v1/property/staff/${f.id}/licences`, { as: 'li.staff', body: { kind: 'lift-operator', number: 'T3101', expiresAt: n.clock.now() + 300 * DAY } }), 201);
    const notWorker = await n.call('POST', '/v1/property/staff', { as: 'li.staff', body: { name: '某人', role: 'x', worker: 'li.staff' } });
    expect([notWorker.status, notWorker.json.code]).toEqual([404, 'PROPERTY_NOT_FOUND']);
    const report = async (category: string) => ok(await n.call('POST', '/v1/repairs', { as: 'resident1', body: { category, location: { kind: 'common', building: 'b1' }, description: `${category} 故障` } }), 201).request as string;
    const lift = await report('lift');
    ok(await n.call('POST', `/v1/repairs/${lift}/assign`, { as: 'chen.dispatch', body: { worker: 'zhao.worker' } }));
    ok(await n.call('POST', `/v1/repairs/${lift}/assign`, { as: 'chen.dispatch', body: { worker: 'wang.worker' } })); // reassigned: not refused
    const rec = ok(await n.call('GET', `/v1/property/public/jobs/${lift}/licence`));
    expect(rec).toMatchObject({ request: lift, category: 'lift', kind: 'lift-operator' });
    expect(rec.assignments.map((a: any) => [a.licence, a.staff, a.covered, a.warning])).toEqual([[lic.id, f.pseudonym, true, null], [null, null, false, 'no-licence']]);
    expect(verifyBundle(rec.assignments[0].proof, n.genesis).txHash).toBe(rec.assignments[0].txHash);
    // the worker on the ledger is the repairs assignment's: the same pseudonym
    const assigns = ledger(n).filter((t) => t.type === 'repair.assign' && t.payload.request === lift).map((t) => t.payload.worker);
    expect(rec.assignments.map((a: any) => a.worker)).toEqual(assigns);
    // a job of a category that needs no licence gets no record
    const drain = await report('drainage');
    ok(await n.call('POST', `/v1/repairs/${drain}/assign`, { as: 'chen.dispatch', body: { worker: 'wang.worker' } }));
    expect((await n.call('GET', `/v1/property/public/jobs/${drain}/licence`)).status).toBe(404);
  });
});
