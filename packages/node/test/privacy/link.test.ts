/**
 * Registering a person may link a resident's account to the record (the resident then reads it as their own): only a
 * resident account of the registering organisation that is not linked yet (issue 11.7: `linkUser` re-linked any
 * account, so staff could make a resident read someone else's record, or link themselves).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE, call, identityServer, type IdentityServer } from '../identity/helpers.js';

let s: IdentityServer;
beforeAll(async () => {
  s = await identityServer();
});
afterAll(async () => s?.close());

const register = (linkUser: string) => call(s, 'zhou.official', 'POST', '/v1/subjects', { fields: { name: '赵六', phone: '13900000000' }, linkUser });

describe('linking a resident account to a registered person', () => {
  it('refuses an account that is already linked, is not a resident, or does not exist — and records nothing', async () => {
    const before = s.node.head.height;
    for (const [what, id] of [
      ['resident1, already linked', s.principals.get('resident1')!.userId],
      ['an official', s.principals.get('zhou.official')!.userId],
      ['no such account', 'u_does-not-exist'],
    ] as const) {
      const r = await register(id);
      expect(r.status, `${what}: ${r.body}`).toBe(400);
      expect(r.json.code).toBe('REQUEST_INVALID');
    }
    expect(s.node.head.height).toBe(before);
    // resident1 still reads their own record, not the one staff tried to link them to
    const own = await call(s, 'resident1', 'GET', '/v1/me/record');
    expect(own.status, own.body).toBe(200);
    expect(own.json.fields.name).toBe(PEOPLE.resident1.name);
  });

  it('registers without a link', async () => {
    const r = await call(s, 'zhou.official', 'POST', '/v1/subjects', { fields: { name: '赵六' } });
    expect(r.status, r.body).toBe(201);
  });
});
