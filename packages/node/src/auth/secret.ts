/**
 * The node's sign-in secret (DIR/auth-secret) and the keys derived from it, one per domain, so that a value made in
 * one domain (a pseudonym) can never stand for one of another (a token signature).
 *
 * - pseudonyms (`actorOf`): the secret itself, as before keys were separated: pseudonyms are on the ledger for good,
 *   so existing data directories must keep them. The salt never leaves the node, and only SHA-256 outputs of it do.
 * - session tokens: HKDF-SHA256(secret, info TOKEN_KEY_INFO). Tokens signed before the split no longer verify
 *   (users sign in again once).
 * A new domain takes its own HKDF info label; none uses the secret directly again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
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

/** HKDF info label of the session-token signing key. */
export const TOKEN_KEY_INFO = 'machi/auth/session-token-hs256/v1';

const tokenKeys = new WeakMap<Uint8Array, Uint8Array>();

/** The key session tokens are signed and checked with (HS256), derived from the node's secret. */
export function tokenKeyOf(secret: Uint8Array): Uint8Array {
  let key = tokenKeys.get(secret);
  if (key === undefined) {
    key = new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), TOKEN_KEY_INFO, AUTH_SECRET_BYTES));
    tokenKeys.set(secret, key);
  }
  return key;
}

/** The salt of users' ledger pseudonyms (actorOf): the secret itself, for compatibility (see the header). */
export function pseudonymKeyOf(secret: Uint8Array): Uint8Array {
  return secret;
}

/** HKDF info label of the key users' per-module actor pseudonyms are derived with (chains with ledger.context-pseudonyms). */
export const MODULE_ACTOR_KEY_INFO = 'machi/ledger/module-actor/v1';
/** HKDF info label of the key the holder derives per-context subject pseudonyms with (docs/spec/privacy.md). */
export const CONTEXT_PSEUDONYM_KEY_INFO = 'machi/ledger/context-pseudonym/v1';

const derivedKeys = new Map<string, WeakMap<Uint8Array, Uint8Array>>();

/** A key of its own domain (`info`), derived from the node's secret by HKDF-SHA256 (cached per secret). */
export function domainKeyOf(secret: Uint8Array, info: string): Uint8Array {
  let byInfo = derivedKeys.get(info);
  if (byInfo === undefined) derivedKeys.set(info, (byInfo = new WeakMap()));
  let key = byInfo.get(secret);
  if (key === undefined) {
    key = new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, AUTH_SECRET_BYTES));
    byInfo.set(secret, key);
  }
  return key;
}

const stderrLog = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

/** Accounts (DIR/private.db) and secret of a data directory, ready for `buildServer(node, { auth })`. Close `accounts` after the server. */
export function openAuth(dir: string, log: (line: string) => void = stderrLog): AuthOptions {
  return { accounts: new AccountStore(join(dir, PRIVATE_DB)), secret: loadAuthSecret(dir), log };
}
