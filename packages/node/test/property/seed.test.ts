/**
 * The property demo seed as `machi up` runs it (`demo: true`: every module's seed, retried until the chain is ready), on
 * one in-process node of the property company: resident 1's past activities bring them to the volunteer label, and the
 * node offers them the digital ID's volunteer-hours credential in "My digital ID"; the other residents get none.
 * The street office's address register is written first through the API (on the demo's consortium its node seeds it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOLUNTEER_LABEL_MINUTES, type Role } from '@machi/core';
import { oneNode, TEST_ACCOUNTS, type OneNode } from '../support/node.js';
import { DEMO_TEST_ENV } from '../support/consortium.js';
import { ok } from '../devices/helpers.js';
import { DEMO_PROPERTY_UNITS, DEMO_VOLUNTEER_ACTIVITIES } from '../../src/modules/property/seed.js';
import type { PropertyService } from '../../src/modules/property/index.js';

const nodes: OneNode[] = [];
// the demo's waits as the tests' consortia shorten them (a 6 s vote, activities 6 s after their announcement): set for
// this file and restored after it (the in-process project shares one process between files)
const saved = Object.fromEntries(Object.keys(DEMO_TEST_ENV).map((k) => [k, process.env[k]]));
beforeAll(() => {
  for (const [k, v] of Object.entries(DEMO_TEST_ENV)) process.env[k] ??= v;
});
afterAll(async () => {
  for (const n of nodes) await n.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const users: Record<string, Role> = { ...TEST_ACCOUNTS, resident4: 'resident' };
const modules = ['property', 'addresses'];

describe('the property demo seed', () => {
  it("brings resident 1 to the volunteer label over past activities: a volunteer-hours offer waits in their digital ID", async () => {
    // the street office in the genesis: the privacy demo grants it a read
    const first = await oneNode({ modules, users, otherOrgs: ['street-office'], keepDir: true });
    nodes.push(first);
    const buildings = [...new Set(DEMO_PROPERTY_UNITS.map(([u]) => u.slice(0, u.indexOf('-'))))];
    for (const code of buildings) ok(await first.call('POST', '/v1/addresses', { as: 'chen.dispatch', body: { code, kind: 'building', name: `${code}号楼` } }), 201);
    for (const [code] of DEMO_PROPERTY_UNITS) ok(await first.call('POST', '/v1/addresses', { as: 'chen.dispatch', body: { code, kind: 'unit', parent: code.slice(0, code.indexOf('-')), name: code } }), 201);
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);

    const n = await oneNode({ restartOf: first, modules, users, demo: true });
    nodes.push(n);
    const volunteerOf = async (who: string) => ok(await n.call('GET', '/v1/property/me', { as: who })).volunteer as { minutes: number; activities: number; label: boolean } | null;
    // the seed's last step records the hours (after the demo vote closed)
    await expect.poll(async () => (await volunteerOf('resident1'))?.label ?? false, { timeout: 150_000, interval: 1000 }).toBe(true);
    const hours = DEMO_VOLUNTEER_ACTIVITIES.reduce((a, [, h]) => a + h, 0);
    expect(hours * 60).toBeGreaterThanOrEqual(VOLUNTEER_LABEL_MINUTES);
    expect(await volunteerOf('resident1')).toMatchObject({ minutes: hours * 60, activities: DEMO_VOLUNTEER_ACTIVITIES.length, label: true });
    // the activities are public, each with resident 1's hours
    const acts = ok(await n.call('GET', '/v1/property/public/activities')).items as { title: string; signups: { minutes: number }[] }[];
    for (const [title, h] of DEMO_VOLUNTEER_ACTIVITIES) expect(acts.find((a) => a.title === title)?.signups.map((s) => s.minutes)).toEqual([h * 60]);

    // the node offers it by itself (the label's block starts a sweep); none to the others
    const offers = async (who: string) => (ok(await n.call('GET', '/v1/me/identity/offers', { as: who })).offers as { type: string; issuer: string }[]).filter((o) => o.type.startsWith('volunteer'));
    await expect.poll(() => offers('resident1'), { timeout: 30_000, interval: 500 }).toMatchObject([{ type: 'volunteer-hours', issuer: 'property-company' }]);
    await n.use<PropertyService>('property').volunteer!.sweep(n.clock.now());
    expect(await offers('resident1')).toHaveLength(1);
    for (const who of ['resident2', 'resident3', 'resident4']) expect(await offers(who)).toEqual([]);
  }, 240_000);
});
