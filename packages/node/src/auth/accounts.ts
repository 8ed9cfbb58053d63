/**
 * Accounts of this organisation's people, in the node's private store file (DIR/private.db, beside the ledger, never
 * replicated). This class owns only its own tables (`users`, `revoked_tokens`); the private store adds its tables to
 * the same file through its own class, so the schema here is `CREATE … IF NOT EXISTS` and touches nothing else.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { PASSWORD_CHARS_MIN, SCRYPT_KEY_BYTES, SCRYPT_N, SCRYPT_P, SCRYPT_R, SCRYPT_SALT_BYTES, checkScryptN, hashPassword, verifyPassword } from './password.js';
// the longest org id, user name and password are the sign-in schema's (the core's foundation/auth.ts)
import { MachiError, ORG_CHARS_MAX, PASSWORD_CHARS_MAX, ROLES, USERNAME_CHARS_MAX, isRole, type Role } from '@machi/core';

export const DISPLAY_NAME_CHARS_MAX = 128;
/** Most users `listUsers` returns in one call. */
export const USERS_LIST_MAX = 10_000;
/** Another connection (the private store) may hold the write lock briefly. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Unknown users are checked against this (random salt and key, current parameters), so they cost one scrypt like a
 * known user and the answer time does not tell whether the user exists.
 */
const DUMMY_HASH = ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, randomBytes(SCRYPT_SALT_BYTES).toString('base64url'), randomBytes(SCRYPT_KEY_BYTES).toString('base64url')].join('$');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  username TEXT NOT NULL,
  role TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org, username)
);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS revoked_tokens_expiry ON revoked_tokens(expires_at);
`;

/** A user as the rest of the node sees it: never the password hash. */
export interface User {
  id: string;
  org: string;
  username: string;
  role: Role;
  displayName: string;
  createdAt: number;
}

export interface NewUser {
  org: string;
  username: string;
  role: Role;
  displayName: string;
  password: string;
}

interface UserRow {
  id: string;
  org: string;
  username: string;
  role: string;
  display_name: string;
  password_hash: string;
  created_at: number;
}

function toUser(r: UserRow): User {
  if (!isRole(r.role)) throw new Error(`invariant violated: user ${r.id} has unknown role ${r.role}`);
  return { id: r.id, org: r.org, username: r.username, role: r.role, displayName: r.display_name, createdAt: r.created_at };
}

const USERNAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._@-]*$/u;

function checkNewUser(u: NewUser): void {
  const bad = (what: string) => new MachiError('REQUEST_INVALID', what);
  if (u.org.length === 0 || u.org.length > ORG_CHARS_MAX) throw bad(`org must be 1 to ${ORG_CHARS_MAX} characters`);
  if (u.username.length > USERNAME_CHARS_MAX || !USERNAME_PATTERN.test(u.username)) {
    throw bad(`user name must be 1 to ${USERNAME_CHARS_MAX} letters, digits or . _ @ -, starting with a letter or digit`);
  }
  if (!isRole(u.role)) throw bad(`role must be one of ${ROLES.join(', ')}`);
  if (u.displayName.length > DISPLAY_NAME_CHARS_MAX) throw bad(`display name must be at most ${DISPLAY_NAME_CHARS_MAX} characters`);
  if (u.password.length < PASSWORD_CHARS_MIN || u.password.length > PASSWORD_CHARS_MAX) {
    throw bad(`password must be ${PASSWORD_CHARS_MIN} to ${PASSWORD_CHARS_MAX} characters`);
  }
}

export class AccountStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #scryptN: number;
  readonly #q;

  /**
   * `scryptN`: the scrypt cost of new password hashes (default SCRYPT_N). Only test fixtures lower it, as they make a
   * dozen accounts per test node; a hash records its own N, so sign-in checks it at the cost it was made with.
   */
  constructor(file: string, opts: { now?: () => number; scryptN?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#scryptN = opts.scryptN ?? SCRYPT_N;
    checkScryptN(this.#scryptN);
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.#db.exec(SCHEMA);
    const db = this.#db;
    const cols = 'id, org, username, role, display_name, password_hash, created_at';
    this.#q = {
      insert: db.prepare(`INSERT INTO users (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      byName: db.prepare(`SELECT ${cols} FROM users WHERE org = ? AND username = ?`),
      byId: db.prepare(`SELECT ${cols} FROM users WHERE id = ?`),
      all: db.prepare(`SELECT ${cols} FROM users ORDER BY org, username LIMIT ?`),
      ofOrg: db.prepare(`SELECT ${cols} FROM users WHERE org = ? ORDER BY username LIMIT ?`),
      revoke: db.prepare('INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT(jti) DO NOTHING'),
      isRevoked: db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?').pluck(),
      prune: db.prepare('DELETE FROM revoked_tokens WHERE expires_at <= ?'),
    };
  }

  /** Creates a user with a fresh id (`usr_` + 32 hex). Throws REQUEST_INVALID for bad input or a taken user name. */
  async createUser(u: NewUser): Promise<User> {
    checkNewUser(u);
    const passwordHash = await hashPassword(u.password, this.#scryptN);
    const user: User = { id: `usr_${randomBytes(16).toString('hex')}`, org: u.org, username: u.username, role: u.role, displayName: u.displayName, createdAt: this.#now() };
    try {
      this.#q.insert.run(user.id, user.org, user.username, user.role, user.displayName, passwordHash, user.createdAt);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new MachiError('REQUEST_INVALID', `user name ${u.username} is taken in ${u.org}`);
      throw e;
    }
    return user;
  }

  findUser(org: string, username: string): User | undefined {
    const r = this.#q.byName.get(org, username) as UserRow | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  getUser(id: string): User | undefined {
    const r = this.#q.byId.get(id) as UserRow | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  /** Users of one organisation (or all), by user name; at most USERS_LIST_MAX. */
  listUsers(org?: string): User[] {
    const rows = (org === undefined ? this.#q.all.all(USERS_LIST_MAX) : this.#q.ofOrg.all(org, USERS_LIST_MAX)) as UserRow[];
    return rows.map(toUser);
  }

  /**
   * The user if the password is theirs, else undefined — whether the org, the user or the password was wrong; an
   * unknown user costs one scrypt too (DUMMY_HASH).
   */
  async verifyLogin(org: string, username: string, password: string): Promise<User | undefined> {
    const r = this.#q.byName.get(org, username) as UserRow | undefined;
    if (r === undefined) {
      await verifyPassword(password, DUMMY_HASH);
      return undefined;
    }
    return (await verifyPassword(password, r.password_hash)) ? toUser(r) : undefined;
  }

  /** Records a signed-out token until it would have expired anyway (then it is pruned). */
  revokeToken(jti: string, expiresAt: number): void {
    this.#q.prune.run(this.#now());
    this.#q.revoke.run(jti, expiresAt);
  }

  isRevoked(jti: string): boolean {
    return this.#q.isRevoked.get(jti) !== undefined;
  }

  close(): void {
    this.#db.close();
  }
}
