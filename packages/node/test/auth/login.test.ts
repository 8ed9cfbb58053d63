/** Sign-in, sign-out, "me", token expiry and revocation, and the failed-login limits, through inject(). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  LOGIN_FAILURES_PER_IP_MAX, LOGIN_FAILURES_PER_USER_MAX, LOGIN_WINDOW_MS, TOKEN_TTL_MS, issueToken, tokenKeyOf, type User,
} from '../../src/index.js';
import { bearer, login, testServer, type TestServer } from './helpers.js';

let s: TestServer;
let alice: User;
const PASSWORD = 'alice-password';
const WRONG = { code: 'UNAUTHENTICATED', message: 'wrong organisation, user name or password' };

beforeAll(async () => {
  s = await testServer();
  alice = await s.accounts.createUser({ org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice Wang', password: PASSWORD });
});
afterAll(async () => s.close());
// Every test starts a fresh window, so the failed-login counts of one test do not leak into the next.
beforeEach(() => {
  s.clock.ms += LOGIN_WINDOW_MS + 1;
});

describe('login', () => {
  it('returns a token, its expiry and the user; the token works for /v1/auth/me', async () => {
    const res = await login(s.app, 'property-company', 'alice', PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'user']);
    expect(body.user).toEqual({ id: alice.id, org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice Wang' });
    expect(body.expiresAt).toBe(Math.floor((s.clock.ms + TOKEN_TTL_MS) / 1000) * 1000);
    const me = await s.app.inject({ url: '/v1/auth/me', headers: bearer(body.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body.user);
  });

  it('answers a wrong password, an unknown user and an unknown org with the same 401 body', async () => {
    const answers = await Promise.all([
      login(s.app, 'property-company', 'alice', 'not-her-password'),
      login(s.app, 'property-company', 'mallory', PASSWORD),
      login(s.app, 'no-such-org', 'alice', PASSWORD),
    ]);
    for (const r of answers) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual(WRONG);
    }
    expect(new Set(answers.map((r) => r.body)).size).toBe(1);
  });

  it('refuses a body without the fields or with overlong or empty ones (400), before any password work', async () => {
    const bad = [
      { org: 'property-company', username: 'alice' },
      { org: 'property-company', username: 'alice', password: '' },
      { org: 'property-company', username: 'a'.repeat(65), password: PASSWORD },
      { org: 'property-company', username: 'alice', password: 'p'.repeat(1025) },
    ];
    for (const payload of bad) {
      const r = await s.app.inject({ method: 'POST', url: '/v1/auth/login', payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('REQUEST_INVALID');
    }
  });
});

describe('failed-login limits', () => {
  it(`refuse (429) a user after ${LOGIN_FAILURES_PER_USER_MAX} failures, even with the right password, until the window has passed`, async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USER_MAX; i++) {
      s.clock.ms += 1000;
      expect((await login(s.app, 'property-company', 'alice', `guess-${i}`, `10.1.0.${i}`)).statusCode).toBe(401);
    }
    const firstFailureMs = s.clock.ms - (LOGIN_FAILURES_PER_USER_MAX - 1) * 1000;
    const limited = await login(s.app, 'property-company', 'alice', PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('LOGIN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // another user of the same org is not affected
    await s.accounts.createUser({ org: 'property-company', username: 'carol', role: 'dispatcher', displayName: 'Carol', password: 'carol-password' });
    expect((await login(s.app, 'property-company', 'carol', 'carol-password')).statusCode).toBe(200);
    // sliding: one ms before the first failure leaves the window it still counts; then one slot frees up
    s.clock.ms = firstFailureMs + LOGIN_WINDOW_MS - 1;
    expect((await login(s.app, 'property-company', 'alice', PASSWORD)).statusCode).toBe(429);
    s.clock.ms = firstFailureMs + LOGIN_WINDOW_MS;
    expect((await login(s.app, 'property-company', 'alice', PASSWORD)).statusCode).toBe(200);
  });

  it('do not count unknown users differently: the limit applies to any (org, name) pair', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USER_MAX; i++) expect((await login(s.app, 'no-such-org', 'ghost', 'x', `10.2.0.${i}`)).statusCode).toBe(401);
    expect((await login(s.app, 'no-such-org', 'ghost', 'x')).statusCode).toBe(429);
  });

  it(`refuse (429) a client address after ${LOGIN_FAILURES_PER_IP_MAX} failures across user names; other addresses go on`, async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < LOGIN_FAILURES_PER_IP_MAX; i++) {
      expect((await login(s.app, 'property-company', `user-${i}`, 'x', ip)).statusCode).toBe(401);
    }
    const limited = await login(s.app, 'property-company', 'alice', PASSWORD, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('LOGIN_RATE_LIMITED');
    expect((await login(s.app, 'property-company', 'alice', PASSWORD, '10.9.9.10')).statusCode).toBe(200);
    s.clock.ms += LOGIN_WINDOW_MS;
    expect((await login(s.app, 'property-company', 'alice', PASSWORD, ip)).statusCode).toBe(200);
  });

  it('do not count successful sign-ins', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USER_MAX + 3; i++) expect((await login(s.app, 'property-company', 'alice', PASSWORD)).statusCode).toBe(200);
  });

  it('hold against a burst of parallel guesses', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => login(s.app, 'property-company', 'alice', `guess-${i}`, `10.3.0.${i}`)));
    const codes = burst.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_FAILURES_PER_USER_MAX);
    expect(codes.filter((c) => c === 429)).toHaveLength(12 - LOGIN_FAILURES_PER_USER_MAX);
  });
});

describe('tokens', () => {
  const me = (token: string) => s.app.inject({ url: '/v1/auth/me', headers: bearer(token) });

  it(`expire after ${TOKEN_TTL_MS / 60_000} minutes`, async () => {
    const { token, expiresAt } = (await login(s.app, 'property-company', 'alice', PASSWORD)).json();
    s.clock.ms = expiresAt - 1000;
    expect((await me(token)).statusCode).toBe(200);
    s.clock.ms = expiresAt;
    const r = await me(token);
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'token has expired; sign in again' });
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });

  it('are revoked by logout (204): the same token is then refused, a new sign-in works', async () => {
    const { token } = (await login(s.app, 'property-company', 'alice', PASSWORD)).json();
    const out = await s.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(token) });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    expect((await me(token)).json()).toEqual({ code: 'UNAUTHENTICATED', message: 'token was signed out; sign in again' });
    expect((await s.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(token) })).statusCode).toBe(401);
    const again = (await login(s.app, 'property-company', 'alice', PASSWORD)).json();
    expect((await me(again.token)).statusCode).toBe(200);
  });

  it('are refused when missing, malformed, tampered, signed with another key or with alg none (401)', async () => {
    const { token } = (await login(s.app, 'property-company', 'alice', PASSWORD)).json();
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...claims, role: 'regulator' })).toString('base64url');
    const foreign = await issueToken(randomBytes(32), alice, s.clock.ms);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    const forged = await new SignJWT({ org: alice.org, role: alice.role }).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.id).setIssuedAt().setExpirationTime('1h').sign(randomBytes(32));
    for (const headers of [{}, { authorization: token }, { authorization: `Basic ${token}` }, bearer('x.y.z'), bearer(`${h}.${elevated}.${sig}`), bearer(foreign.token), bearer(none), bearer(forged), bearer('a'.repeat(5000))]) {
      const r = await s.app.inject({ url: '/v1/auth/me', headers });
      expect(r.statusCode, JSON.stringify(headers).slice(0, 80)).toBe(401);
      expect(r.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('of a user who no longer exists are refused', async () => {
    const ghost = await issueToken(tokenKeyOf(s.secret), { id: 'usr_gone', org: 'property-company', role: 'property-staff' }, s.clock.ms);
    expect((await me(ghost.token)).statusCode).toBe(401);
  });
});

describe('existing routes', () => {
  it('stay public: no token needed, and a bad token is ignored', async () => {
    expect((await s.app.inject('/v1/health')).statusCode).toBe(200);
    expect((await s.app.inject('/v1/genesis')).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/v1/health', headers: bearer('garbage') })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'HEAD', url: '/v1/health' })).statusCode).toBe(200);
    expect((await s.app.inject('/v1/no-such-route')).statusCode).toBe(404);
  });
});
