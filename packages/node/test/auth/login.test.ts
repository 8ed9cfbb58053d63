/** Sign-in, sign-out, "me", token expiry and revocation, and the failed-login limits, through inject(). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  LOGIN_ACCOUNT_BACKOFF_MS_MAX, LOGIN_ACCOUNT_FAILURES_FREE, LOGIN_ATTEMPTS_PER_ADDRESS_MAX, LOGIN_BACKOFF_MS_MAX,
  LOGIN_BACKOFF_MS_MIN, LOGIN_FAILURES_FREE, TOKEN_TTL_MS, issueToken, tokenKeyOf, type User,
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
// Every test starts past any backoff, so the failed-login counts of one test do not leak into the next.
beforeEach(() => {
  s.clock.ms += LOGIN_BACKOFF_MS_MAX + 1;
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
  // the per-address windows (@fastify/rate-limit's store) read Date.now: let them follow the test's clock too
  beforeEach(() => {
    vi.spyOn(Date, 'now').mockImplementation(() => s.clock.ms);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const as = (password: string, address: string, username = 'alice') => login(s.app, 'property-company', username, password, address);

  it('a stranger failing a user\'s sign-in on purpose, again and again, does not keep the user out for long', async () => {
    // the attacker waits out every backoff it is told, LOGIN_ACCOUNT_FAILURES_FREE + 10 failures in all
    let failures = 0;
    while (failures < LOGIN_ACCOUNT_FAILURES_FREE + 10) {
      const r = await as(`guess-${failures}`, '10.6.6.6');
      if (r.statusCode === 401) failures++;
      else {
        expect(r.statusCode).toBe(429);
        s.clock.ms += Number(r.headers['retry-after']) * 1000;
      }
    }
    // the real user, from their own address, right now: in at once, or after at most the account's short cap
    let r = await as(PASSWORD, '10.1.1.1');
    if (r.statusCode === 429) {
      const waitS = Number(r.headers['retry-after']);
      expect(waitS).toBeLessThanOrEqual(LOGIN_ACCOUNT_BACKOFF_MS_MAX / 1000);
      s.clock.ms += waitS * 1000;
      r = await as(PASSWORD, '10.1.1.1');
    }
    expect(r.statusCode).toBe(200);
    // and the attacker's own address is still held back
    expect((await as('another-guess', '10.6.6.6')).statusCode).toBe(429);
  });

  it(`back off exponentially per (account, address) after ${LOGIN_FAILURES_FREE} failures, even for the right password, and reset on success`, async () => {
    const ip = '10.2.2.2';
    for (let i = 0; i < LOGIN_FAILURES_FREE; i++) expect((await as(`guess-${i}`, ip)).statusCode).toBe(401);
    let waitMs = LOGIN_BACKOFF_MS_MIN;
    for (let round = 0; round < 4; round++) {
      const held = await as(PASSWORD, ip);
      expect(held.statusCode).toBe(429);
      expect(held.json().code).toBe('LOGIN_RATE_LIMITED');
      expect(Number(held.headers['retry-after'])).toBe(waitMs / 1000);
      s.clock.ms += waitMs - 1;
      expect((await as(PASSWORD, ip)).statusCode).toBe(429); // one ms early
      s.clock.ms += 1;
      expect((await as(`late-guess-${round}`, ip)).statusCode).toBe(401);
      waitMs *= 2;
    }
    // another user from the same address is not affected
    await s.accounts.createUser({ org: 'property-company', username: 'carol', role: 'dispatcher', displayName: 'Carol', password: 'carol-password' });
    expect((await as('carol-password', ip, 'carol')).statusCode).toBe(200);
    // the right password once the wait is over: in, and the count starts afresh
    s.clock.ms += waitMs;
    expect((await as(PASSWORD, ip)).statusCode).toBe(200);
    for (let i = 0; i < LOGIN_FAILURES_FREE; i++) expect((await as(`guess-${i}`, ip)).statusCode).toBe(401);
  });

  it(`cap the wait of one (account, address) at ${LOGIN_BACKOFF_MS_MAX / 60_000} minutes`, async () => {
    const ip = '10.3.3.3';
    let last = 0;
    for (let failures = 0; failures < LOGIN_FAILURES_FREE + 20;) {
      const r = await as(`guess-${failures}`, ip);
      if (r.statusCode === 401) failures++;
      else {
        last = Number(r.headers['retry-after']);
        s.clock.ms += last * 1000;
      }
    }
    expect(last).toBe(LOGIN_BACKOFF_MS_MAX / 1000);
  });

  it('do not count unknown users differently: the backoff applies to any (org, name) pair', async () => {
    for (let i = 0; i < LOGIN_FAILURES_FREE; i++) expect((await login(s.app, 'no-such-org', 'ghost', 'x', '10.4.4.4')).statusCode).toBe(401);
    expect((await login(s.app, 'no-such-org', 'ghost', 'x', '10.4.4.4')).statusCode).toBe(429);
  });

  it(`refuse (429) a client address after ${LOGIN_ATTEMPTS_PER_ADDRESS_MAX} attempts a minute across user names; other addresses go on`, async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < LOGIN_ATTEMPTS_PER_ADDRESS_MAX; i++) expect((await as('x', ip, `user-${i}`)).statusCode).toBe(401);
    const limited = await as(PASSWORD, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('LOGIN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await as(PASSWORD, '10.9.9.10')).statusCode).toBe(200);
  });

  it('do not count successful sign-ins', async () => {
    for (let i = 0; i < LOGIN_FAILURES_FREE + 3; i++) expect((await as(PASSWORD, '10.5.5.5')).statusCode).toBe(200);
  });

  it('hold against a burst of parallel guesses from one address', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => as(`guess-${i}`, '10.7.7.7')));
    const codes = burst.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_FAILURES_FREE);
    expect(codes.filter((c) => c === 429)).toHaveLength(12 - LOGIN_FAILURES_FREE);
  });

  it('log a held-back sign-in with the client\'s user name made safe (no newline, no ANSI escape)', async () => {
    const evil = 'bob\n2026-01-01T00:00:00Z auth: admin signed in \x1b[2J';
    for (let i = 0; i <= LOGIN_FAILURES_FREE; i++) await login(s.app, 'property-company', evil, 'x', '10.8.8.8');
    const line = s.logs.find((l) => l.includes('held back') && l.includes('bob'))!;
    expect(line).toContain('bob\\n2026-01-01T00:00:00Z auth: admin signed in \\x1b[2J');
    expect(s.logs.every((l) => !/[\n\x1b]/.test(l))).toBe(true);
  });
});

describe('failed-login limits behind a proxy', () => {
  it('key on X-Forwarded-For only when the proxy is trusted', async () => {
    const xff = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}` });
    const trusting = await testServer({ server: { trustProxy: ['127.0.0.1'] } });
    const plain = await testServer();
    try {
      for (const t of [trusting, plain]) {
        await t.accounts.createUser({ org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice', password: PASSWORD });
      }
      // behind a trusted proxy, each client has its own (account, address) backoff
      for (let i = 0; i < LOGIN_FAILURES_FREE; i++) expect((await login(trusting.app, 'property-company', 'alice', 'x', '127.0.0.1', xff(1))).statusCode).toBe(401);
      expect((await login(trusting.app, 'property-company', 'alice', 'x', '127.0.0.1', xff(1))).statusCode).toBe(429);
      expect((await login(trusting.app, 'property-company', 'alice', PASSWORD, '127.0.0.1', xff(2))).statusCode).toBe(200);
      // not trusted (the default): the header is ignored, so a client cannot pick a fresh address per attempt
      for (let i = 0; i < LOGIN_FAILURES_FREE; i++) expect((await login(plain.app, 'property-company', 'alice', 'x', '127.0.0.1', xff(10 + i))).statusCode).toBe(401);
      expect((await login(plain.app, 'property-company', 'alice', 'x', '127.0.0.1', xff(99))).statusCode).toBe(429);
    } finally {
      await trusting.close();
      await plain.close();
    }
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
