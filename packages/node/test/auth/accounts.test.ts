/** The account store in DIR/private.db and the sign-in secret file. */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_SECRET_FILE, AccountStore, loadAuthSecret, openAuth, verifyPassword } from '../../src/index.js';
import { tempDir } from './helpers.js';

let dir: string;
let store: AccountStore;
let clock: number;

beforeEach(() => {
  dir = tempDir();
  clock = 1_700_000_000_000;
  store = new AccountStore(join(dir, 'private.db'), { now: () => clock });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const alice = { org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice Wang', password: 'alice-password' } as const;

describe('AccountStore', () => {
  it('creates users and finds them by org and name, by id, and lists them per org, never with the hash', async () => {
    const a = await store.createUser(alice);
    const b = await store.createUser({ ...alice, username: 'bob', displayName: 'Bob' });
    const c = await store.createUser({ ...alice, org: 'police', role: 'official' });
    expect(a).toEqual({ id: a.id, org: 'property-company', username: 'alice', role: 'property-staff', displayName: 'Alice Wang', createdAt: clock });
    expect(a.id).toMatch(/^usr_[0-9a-f]{32}$/);
    expect(store.findUser('property-company', 'alice')).toEqual(a);
    expect(store.findUser('police', 'alice')).toEqual(c);
    expect(store.findUser('water-company', 'alice')).toBeUndefined();
    expect(store.getUser(b.id)).toEqual(b);
    expect(store.getUser('usr_nobody')).toBeUndefined();
    expect(store.listUsers('property-company')).toEqual([a, b]);
    expect(store.listUsers()).toEqual([c, a, b]); // by org, then user name
    expect(JSON.stringify(store.listUsers())).not.toContain('scrypt');
  });

  it('stores the password as a scrypt hash that verifies', async () => {
    const a = await store.createUser(alice);
    const db = new Database(join(dir, 'private.db'), { readonly: true });
    const hash = db.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(a.id) as string;
    db.close();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('alice-password', hash)).toBe(true);
    expect(await store.verifyLogin('property-company', 'alice', 'alice-password')).toEqual(a);
    expect(await store.verifyLogin('property-company', 'alice', 'wrong-password')).toBeUndefined();
    expect(await store.verifyLogin('property-company', 'nobody', 'alice-password')).toBeUndefined();
    expect(await store.verifyLogin('police', 'alice', 'alice-password')).toBeUndefined();
  });

  it('a store with a lower scryptN (test fixtures) hashes at that cost, and sign-in checks the password at it', async () => {
    const low = new AccountStore(join(dir, 'low.db'), { scryptN: 2 ** 10 });
    try {
      const a = await low.createUser(alice);
      const db = new Database(join(dir, 'low.db'), { readonly: true });
      const hash = db.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(a.id) as string;
      db.close();
      expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(await low.verifyLogin('property-company', 'alice', 'alice-password')).toEqual(a);
      expect(await low.verifyLogin('property-company', 'alice', 'wrong-password')).toBeUndefined();
    } finally {
      low.close();
    }
    // only lower, and only a power of two
    for (const scryptN of [2 ** 16, 1000, 1, 0]) expect(() => new AccountStore(join(dir, 'bad.db'), { scryptN })).toThrow(/scrypt N/);
  });

  it('refuses a taken user name in the same org, a bad role, a short password and a bad user name', async () => {
    await store.createUser(alice);
    await expect(store.createUser({ ...alice, displayName: 'Other' })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(store.createUser({ ...alice, username: 'x1', role: 'admin' as never })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(store.createUser({ ...alice, username: 'x2', password: 'short' })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(store.createUser({ ...alice, username: '' })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(store.createUser({ ...alice, username: 'a b' })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(store.listUsers()).toHaveLength(1);
  });

  it('shares the file: uses WAL, leaves tables it does not own alone, and reopens with its data', async () => {
    store.close();
    const other = new Database(join(dir, 'private.db'));
    other.exec("CREATE TABLE subjects (id TEXT PRIMARY KEY); INSERT INTO subjects VALUES ('sub_1')");
    other.close();
    store = new AccountStore(join(dir, 'private.db'), { now: () => clock });
    const a = await store.createUser(alice);
    store.close();
    store = new AccountStore(join(dir, 'private.db'), { now: () => clock });
    expect(store.getUser(a.id)).toEqual(a);
    const db = new Database(join(dir, 'private.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT id FROM subjects').pluck().all()).toEqual(['sub_1']);
    db.close();
  });

  it('remembers revoked tokens until they expire, then prunes them', () => {
    store.revokeToken('jti-1', clock + 1000);
    expect(store.isRevoked('jti-1')).toBe(true);
    expect(store.isRevoked('jti-2')).toBe(false);
    clock += 1000;
    store.revokeToken('jti-2', clock + 1000); // each revocation prunes what has expired
    expect(store.isRevoked('jti-1')).toBe(false);
    expect(store.isRevoked('jti-2')).toBe(true);
  });
});

describe('auth secret', () => {
  it('is 32 random bytes in DIR/auth-secret, created mode 600 once and read back after', () => {
    const s = loadAuthSecret(dir);
    expect(s).toHaveLength(32);
    const path = join(dir, AUTH_SECRET_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadAuthSecret(dir).equals(s)).toBe(true);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url').equals(s)).toBe(true);
    const opened = openAuth(dir);
    expect(Buffer.from(opened.secret).equals(s)).toBe(true);
    opened.accounts.close();
  });
});
