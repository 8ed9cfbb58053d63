/**
 * property across a restart, on one in-process node each: the property company's node (which holds the residents who
 * sign up to its activities) offers the digital ID's volunteer-hours credential once to a resident whose volunteer
 * minutes reach the label, never to one a minute short, and not again after a restart; the property company's units
 * registered before the node kept its owners' pseudonyms become readable through the owner route once the node
 * restarted (the pseudonyms are found again from the vault); on the street office's node, a label committed while the
 * node did not issue the credential is offered at its next start.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { VOLUNTEER_LABEL_MINUTES, type Role } from '@machi/core';
import { oneNode, type OneNode } from '../support/node.js';
import { ledger, ok } from '../devices/helpers.js';
import { demoResidents } from '../../src/modules/privacy/demo.js';
import type { PrivacyExports } from '../../src/modules/privacy/index.js';
import { PropertyService } from '../../src/modules/property/index.js';
import { OrgSubmitter } from '../../src/node/org-tx.js';

const HOUR = 3_600_000;
const nodes: OneNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.close();
});

const propertyOf = (n: OneNode) => n.use<PropertyService>('property');
/** Waits until every sweep the node's blocks started so far has run. */
const swept = (n: OneNode) => propertyOf(n).volunteer!.sweep(n.clock.now());
const offers = async (n: OneNode, who: string) => ok(await n.call('GET', '/v1/me/identity/offers', { as: who })).offers as { type: string; issuer: string }[];
const issues = (n: OneNode) => ledger(n).filter((t) => t.type === 'identity.issue' && t.payload.type === 'volunteer-hours');

describe('the volunteer-hours credential', () => {
  it('is offered once on reaching the label, not a minute short, and not again after a restart', async () => {
    // the demo's case: the property company runs the activity and holds the residents
    const users: Record<string, Role> = { 'li.staff': 'property-staff', resident1: 'resident', resident2: 'resident' };
    const first = await oneNode({ org: 'property-company', modules: ['property'], users, keepDir: true });
    nodes.push(first);
    const privacy = first.use<PrivacyExports>('privacy');
    for (const [i, r] of demoResidents(2).entries()) {
      await privacy.service.register(first.principals.get('li.staff')!, { ...r }, first.principals.get(`resident${i + 1}`)!.userId);
    }
    const act = ok(await first.call('POST', '/v1/property/activities', { as: 'li.staff', body: { title: '敬老院服务', startsAt: first.clock.now() + HOUR, capacity: 10 } }), 201);
    for (const who of ['resident1', 'resident2']) ok(await first.call('POST', `/v1/property/me/activities/${act.id}/signup`, { as: who }), 201);
    first.clock.offsetMs += HOUR;
    const person = async (who: string) => ok(await first.call('GET', '/v1/property/me', { as: who })).owner as string;
    // resident 1 exactly at the label (20 hours), resident 2 one minute short
    ok(await first.call('POST', `/v1/property/activities/${act.id}/hours`, { as: 'li.staff', body: { person: await person('resident1'), minutes: VOLUNTEER_LABEL_MINUTES } }), 201);
    ok(await first.call('POST', `/v1/property/activities/${act.id}/hours`, { as: 'li.staff', body: { person: await person('resident2'), minutes: VOLUNTEER_LABEL_MINUTES - 1 } }), 201);
    await swept(first);
    expect(ok(await first.call('GET', '/v1/property/me', { as: 'resident1' })).volunteer).toMatchObject({ minutes: VOLUNTEER_LABEL_MINUTES, label: true });
    const got = await offers(first, 'resident1');
    expect(got).toMatchObject([{ type: 'volunteer-hours', issuer: 'property-company' }]);
    expect(await offers(first, 'resident2')).toEqual([]);
    expect(issues(first)).toHaveLength(1);
    // the resident picks it up: the claims are the name, the whole hours earned and the date (no community label)
    const taken = ok(await first.call('POST', `/v1/me/identity/offers/${(got[0] as { offer: string }).offer}/accept`, { as: 'resident1', body: { demoHolderKey: true } }), 201);
    expect(taken.claims).toEqual({ name: demoResidents(1)[0]!.name, hours: 20, since: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });

    // more hours for resident 1 in another activity: still the one credential
    const more = ok(await first.call('POST', '/v1/property/activities', { as: 'li.staff', body: { title: '社区清洁日', startsAt: first.clock.now() + HOUR, capacity: 10 } }), 201);
    ok(await first.call('POST', `/v1/property/me/activities/${more.id}/signup`, { as: 'resident1' }), 201);
    first.clock.offsetMs += HOUR;
    ok(await first.call('POST', `/v1/property/activities/${more.id}/hours`, { as: 'li.staff', body: { person: await person('resident1'), minutes: 60 } }), 201);
    await swept(first);
    expect(issues(first)).toHaveLength(1);
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);

    // restarted: the sweep at start finds the label offered already
    const second = await oneNode({ restartOf: first, modules: ['property'], users });
    nodes.push(second);
    await swept(second);
    expect(issues(second)).toHaveLength(1);
    expect(await offers(second, 'resident2')).toEqual([]);
  }, 60_000);

  it('on the street office\'s node too: a label committed while the node did not issue it is offered at the next start', async () => {
    const users: Record<string, Role> = { 'zhou.official': 'official', resident1: 'resident' };
    // the node without the property module: hours recorded as an older node did (the sign-up's pseudonym not kept)
    const first = await oneNode({ org: 'street-office', modules: ['identity'], users, keepDir: true });
    nodes.push(first);
    const privacy = first.use<PrivacyExports>('privacy');
    const official = first.principals.get('zhou.official')!;
    const resident = first.principals.get('resident1')!;
    await privacy.service.register(official, { ...demoResidents(1)[0]! }, resident.userId);
    const older = new PropertyService({
      node: first.node, submitters: new Map([[first.org, new OrgSubmitter(first.node, first.signer)]]), secret: first.secret,
      subjects: { has: (s) => privacy.vault.has(s), subjectOfUser: (u) => privacy.vault.subjectOfUser(u) },
    });
    const act = await older.announceActivity(official, { title: '垃圾分类督导', startsAt: first.clock.now() + HOUR, capacity: 5 });
    await older.signUp(resident, act.id);
    first.clock.offsetMs += HOUR;
    await older.recordHours(official, act.id, { person: older.ownerOf(resident)!, minutes: VOLUNTEER_LABEL_MINUTES + 30 });
    expect(issues(first)).toHaveLength(0);
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);

    const second = await oneNode({ restartOf: first, modules: ['property'], users });
    nodes.push(second);
    await swept(second);
    expect(await offers(second, 'resident1')).toMatchObject([{ type: 'volunteer-hours', issuer: 'street-office' }]);
    expect(issues(second)).toHaveLength(1);
  }, 60_000);
});

describe('units registered before the node kept owners’ pseudonyms', () => {
  it('are read through the owner route after a restart', async () => {
    const users: Record<string, Role> = { 'li.staff': 'property-staff', 'chen.dispatch': 'dispatcher', resident1: 'resident' };
    const hosted = { 'power-company': { 'wu.power': 'utility-staff' as Role } };
    const first = await oneNode({ modules: ['property', 'addresses'], users, hosted, keepDir: true });
    nodes.push(first);
    for (const [code, parent] of [['b1', undefined], ['b1-u0101', 'b1']] as const) {
      ok(await first.call('POST', '/v1/addresses', { as: 'chen.dispatch', body: { code, kind: parent === undefined ? 'building' : 'unit', ...(parent === undefined ? {} : { parent }), name: `${code}号` } }), 201);
    }
    const privacy = first.use<PrivacyExports>('privacy');
    const staff = first.principals.get('li.staff')!;
    const owner = demoResidents(1)[0]!;
    const { subject } = await privacy.service.register(staff, { ...owner }, first.principals.get('resident1')!.userId);
    // the unit registered as the node did before it kept owners' pseudonyms (no `remember`)
    const older = new PropertyService({
      node: first.node, submitters: new Map([[first.org, new OrgSubmitter(first.node, first.signer)]]), secret: first.secret,
      subjects: { has: (s) => privacy.vault.has(s), subjectOfUser: (u) => privacy.vault.subjectOfUser(u) },
    });
    await older.putUnit(staff, { unit: 'b1-u0101', type: 'residential', areaDm2: 8950, ownerSubject: subject });
    const now = first.clock.now();
    ok(await first.call('POST', '/v1/grants', { as: 'li.staff', body: { subjects: [subject], classes: ['contact', 'address'], toOrg: 'power-company', toRole: 'utility-staff', purpose: 'utility-account-transfer', from: now - 60_000, until: now + 86_400_000 } }), 201);
    const read = (n: OneNode) => n.call('GET', '/v1/property/units/b1-u0101/owner?purpose=utility-account-transfer&fields=phone', { as: 'wu.power' });
    const before = await read(first);
    expect([before.status, before.json.code]).toEqual([403, 'ACCESS_DENIED']); // what the older registration left
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);

    const second = await oneNode({ restartOf: first, modules: ['property', 'addresses'], users, hosted });
    nodes.push(second);
    expect(ok(await read(second))).toMatchObject({ unit: 'b1-u0101', decision: 'allowed', fields: { phone: owner.phone } });
  }, 60_000);
});
