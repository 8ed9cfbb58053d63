/** The node's sign-in secret (DIR/auth-secret): the token signing key and the salt of users' ledger pseudonyms. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AccountStore } from './accounts.js';
import type { AuthOptions } from './plugin.js';

export const AUTH_SECRET_FILE = 'auth-secret';
export const AUTH_SECRET_BYTES = 32;
/** The private store's file (shared with the private-data tables of src/privacy). */
const PRIVATE_DB = 'private.db';

/** 32 bytes from DIR/auth-secret (base64url), created with mode 0600 on first use. */
export function loadAuthSecret(dir: string): Buffer {
  const path = join(dir, AUTH_SECRET_FILE);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(AUTH_SECRET_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  const secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (secret.length !== AUTH_SECRET_BYTES) throw new Error(`${path} must hold ${AUTH_SECRET_BYTES} bytes in base64url`);
  return secret;
}

/** Accounts (DIR/private.db) and secret of a data directory, ready for `buildServer(node, { auth })`. Close `accounts` after the server. */
export function openAuth(dir: string): AuthOptions {
  return { accounts: new AccountStore(join(dir, PRIVATE_DB)), secret: loadAuthSecret(dir) };
}
