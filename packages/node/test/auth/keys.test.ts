/** One secret, one key per domain (src/auth/secret.ts): tokens and pseudonyms never share a key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorOf, issueToken, pseudonymKeyOf, tokenKeyOf, type User } from '../../src/index.js';
import { bearer, login, testServer, type TestServer } from './helpers.js';

let s: TestServer;
let alice: User;

beforeAll(async () => {
  s = await testServer();
  alice = await s.accounts.createUser({ org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice', password: 'alice-password' });
});
afterAll(async () => s.close());

describe('domain-separated keys', () => {
  it('a token signed with the pseudonym key (the raw secret) does not verify', async () => {
    // the pseudonym key is the node's raw secret (kept so pseudonyms do not change), which used to sign tokens too
    expect(pseudonymKeyOf(s.secret)).toBe(s.secret);
    const forged = await issueToken(s.secret, alice, s.clock.ms);
    const me = await s.app.inject({ url: '/v1/auth/me', headers: bearer(forged.token) });
    expect(me.statusCode).toBe(401);
  });

  it('tokens are signed with the derived token key, which differs from the pseudonym key', async () => {
    const res = await login(s.app, 'property-company', 'alice', 'alice-password');
    expect(res.statusCode).toBe(200);
    const ok = await issueToken(tokenKeyOf(s.secret), alice, s.clock.ms);
    expect((await s.app.inject({ url: '/v1/auth/me', headers: bearer(ok.token) })).statusCode).toBe(200);
    expect(Buffer.from(tokenKeyOf(s.secret)).equals(Buffer.from(pseudonymKeyOf(s.secret)))).toBe(false);
    expect(tokenKeyOf(s.secret)).toHaveLength(32);
  });

  it('actorOf is unchanged for a fixed secret (existing data directories keep their pseudonyms)', () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
    // golden value computed by the code before the keys were separated
    expect(actorOf('property-company', 'usr_0123456789abcdef', pseudonymKeyOf(secret))).toBe('fc3eecce58d090ff2f59698f7ccb27f0');
    expect(actorOf('property-company', 'usr_0123456789abcdef', secret)).toBe('fc3eecce58d090ff2f59698f7ccb27f0');
  });
});
