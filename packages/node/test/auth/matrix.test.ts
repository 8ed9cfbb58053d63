/**
 * THE authorisation matrix. One dummy route per route class, one user per role; every (role, class) pair is called
 * and its status compared with the matrix written out below by hand. The matrix is deliberately NOT derived from
 * ROUTE_ACCESS: it is the independent statement of the policy, so changing the policy table breaks this test.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@machi/core';
import { ROUTE_CLASSES, principalOf, type RouteClass } from '../../src/index.js';
import { bearer, login, testServer, type TestServer } from './helpers.js';

// Y = 200 (allowed), . = 403 ACCESS_DENIED; the `anonymous` row (no token): Y = 200, N = 401 UNAUTHENTICATED.
const COLUMNS = [
  'public', 'auth', 'self', 'metrics', 'subjects.register', 'subjects.read', 'subjects.read-own', 'subjects.erase', 'grants.manage', 'alerts.read-all', 'access-log.read',
  'repairs.report', 'repairs.board', 'repairs.work', 'repairs.photos', 'repairs.view', 'open311.report',
  'identity.issue', 'identity.desk', 'identity.wallet', 'webhooks.manage',
  'events.grid', 'events.report', 'events.centre', 'events.department', 'events.photos', 'events.view',
  'funds.define', 'funds.community', 'funds.review', 'funds.treasury', 'funds.bank', 'funds.oversight', 'funds.mine',
  'devices.admin', 'devices.board',
  'events.configure', 'addresses.manage', 'addresses.view',
  'provenance.preserve', 'provenance.works', 'provenance.trace',
  'property.staff', 'property.organise', 'property.bureau', 'property.view', 'property.mine', 'property.owner-read',
  'dashboard.view',
] as const;
const MATRIX: Record<Role | 'anonymous', string> = {
  //                    pub aut slf met reg rd  own era grt alr log rep brd wrk pho vw  o31 idi idd idw hok egr erp ecn edp eph evw fdf fcm frv ftr fbk fov fmn dva dvb ecf adm adv ppr pwk ptr pst por pbu pvw pmn pow dsh
  'anonymous':          'Y   Y   N   Y   N   N   N   N   N   N   N   N   N   N   N   N   Y   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N   N',
  'resident':           'Y   Y   Y   Y   .   .   Y   .   .   .   .   Y   .   .   Y   Y   Y   .   .   Y   .   .   Y   .   .   Y   Y   .   .   .   .   .   .   Y   .   .   .   .   Y   Y   Y   .   .   .   .   .   Y   .   .',
  'property-staff':     'Y   Y   Y   Y   Y   Y   .   Y   Y   .   .   Y   Y   .   Y   Y   Y   Y   Y   .   Y   .   .   .   Y   Y   Y   .   Y   .   .   .   .   .   Y   Y   .   .   Y   Y   Y   Y   Y   Y   .   Y   .   .   Y',
  'dispatcher':         'Y   Y   Y   Y   .   Y   .   .   .   .   .   .   Y   .   .   Y   Y   .   .   .   .   .   .   Y   Y   Y   Y   .   .   .   .   .   .   .   .   Y   .   Y   Y   Y   Y   .   .   .   .   .   .   .   Y',
  'maintenance-worker': 'Y   Y   Y   Y   .   Y   .   .   .   .   .   .   .   Y   Y   Y   Y   .   .   .   .   .   .   .   Y   Y   Y   .   .   .   .   .   .   .   .   Y   .   .   Y   Y   Y   Y   .   .   .   .   .   .   .',
  'grid-worker':        'Y   Y   Y   Y   .   Y   .   .   .   .   .   .   .   .   .   Y   Y   .   .   .   .   Y   Y   .   .   Y   Y   .   Y   .   .   .   .   .   .   .   .   .   Y   Y   Y   .   .   .   .   .   .   .   .',
  'line-worker':        'Y   Y   Y   Y   .   Y   .   .   .   .   .   .   .   .   .   Y   Y   .   .   .   .   .   .   .   .   .   Y   .   .   .   .   .   .   .   .   .   .   .   Y   Y   Y   .   .   .   .   .   .   .   .',
  'utility-staff':      'Y   Y   Y   Y   .   Y   .   .   .   .   .   .   .   .   .   Y   Y   .   .   .   Y   .   .   .   Y   Y   Y   .   .   .   .   .   .   .   .   Y   .   .   Y   Y   Y   Y   .   .   .   Y   .   Y   .',
  'official':           'Y   Y   Y   Y   Y   Y   .   Y   Y   .   Y   .   .   .   .   Y   Y   Y   Y   .   Y   .   .   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   .   .   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   .   Y   Y',
  'regulator':          'Y   Y   Y   Y   .   Y   .   .   .   Y   Y   .   .   .   .   Y   Y   .   .   .   Y   .   .   .   .   .   Y   .   .   .   .   .   Y   .   .   .   .   .   Y   Y   Y   .   .   .   .   Y   .   .   Y',
};
const STATUS: Record<string, number> = { Y: 200, '.': 403, N: 401 };

const slug = (c: string) => c.replace(/\./g, '-');
const dummyRoutes: FastifyPluginAsync = async (app) => {
  for (const c of COLUMNS) {
    app.get(`/test/${slug(c)}`, { config: { access: c } }, async (req) => ({ class: c, principal: req.principal }));
  }
};

let s: TestServer;
const tokens = new Map<Role, string>();
const ids = new Map<Role, string>();

beforeAll(async () => {
  s = await testServer({ plugins: [dummyRoutes] });
  await Promise.all(ROLES.map(async (role) => {
    const u = await s.accounts.createUser({ org: `org-of-${role}`, username: `u-${role}`, role, displayName: role, password: `password-of-${role}` });
    ids.set(role, u.id);
    const r = await login(s.app, u.org, u.username, `password-of-${role}`);
    expect(r.statusCode).toBe(200);
    tokens.set(role, r.json().token);
  }));
});
afterAll(async () => s.close());

describe('authorisation matrix', () => {
  it('covers exactly the route classes and roles the code has', () => {
    expect([...COLUMNS].sort()).toEqual([...ROUTE_CLASSES].sort());
    expect(Object.keys(MATRIX).filter((r) => r !== 'anonymous').sort()).toEqual([...ROLES].sort());
  });

  it('answers every role × route class as written', async () => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const [who, row] of Object.entries(MATRIX)) {
      const cells = row.trim().split(/\s+/);
      expect(cells).toHaveLength(COLUMNS.length);
      const token = who === 'anonymous' ? undefined : tokens.get(who as Role);
      const statuses = await Promise.all(COLUMNS.map(async (c) => {
        const r = await s.app.inject({ url: `/test/${slug(c)}`, headers: token === undefined ? {} : bearer(token) });
        if (r.statusCode === 403) expect(r.json()).toEqual({ code: 'ACCESS_DENIED', message: `routes of class ${c} are not open to role ${who}` });
        if (r.statusCode === 401) expect(r.json().code).toBe('UNAUTHENTICATED');
        return r.statusCode;
      }));
      got[who] = statuses.join(' ');
      want[who] = cells.map((x) => STATUS[x]).join(' ');
    }
    expect(got).toEqual(want);
  });

  it('sets request.principal with the pseudonymous actor on signed-in routes, and null on public ones', async () => {
    const r = await s.app.inject({ url: '/test/self', headers: bearer(tokens.get('dispatcher')!) });
    const id = ids.get('dispatcher')!;
    const actor = createHash('sha256').update(Buffer.concat([Buffer.from(`org-of-dispatcher:${id}:`), s.secret])).digest('hex').slice(0, 32);
    expect(r.json().principal).toEqual({ userId: id, username: 'u-dispatcher', org: 'org-of-dispatcher', role: 'dispatcher', actor });
    const pub = await s.app.inject({ url: '/test/public', headers: bearer(tokens.get('dispatcher')!) });
    expect(pub.json().principal).toBeNull();
  });
});

describe('fail closed', () => {
  it('buildServer throws for a route without config.access', async () => {
    const undeclared: FastifyPluginAsync = async (app) => {
      app.get('/test/undeclared', async () => 'open?');
    };
    await expect(testServer({ plugins: [undeclared] })).rejects.toThrow(/GET \/test\/undeclared must declare config\.access/);
  });

  it('buildServer throws for an unknown route class', async () => {
    const typo: FastifyPluginAsync = async (app) => {
      app.post('/test/typo', { config: { access: 'subjects.delete' as RouteClass } }, async () => 'open?');
    };
    await expect(testServer({ plugins: [typo] })).rejects.toThrow(/must declare config\.access/);
  });

  it('without sign-in configured, every non-public route answers 401 and public ones still work', async () => {
    const t = await testServer({ plugins: [dummyRoutes], auth: false });
    try {
      expect((await t.app.inject('/test/public')).statusCode).toBe(200);
      expect((await t.app.inject('/v1/health')).statusCode).toBe(200);
      expect((await t.app.inject('/test/self')).statusCode).toBe(401);
      expect((await t.app.inject({ url: '/test/grants-manage', headers: bearer('x') })).json().message).toBe('sign-in is not enabled on this node');
      expect((await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: {} })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('principalOf refuses to run where no principal was set (a bug, not a 401)', () => {
    expect(() => principalOf({ principal: null } as never)).toThrow(/invariant/);
  });
});
