/**
 * Which LedgerStore a node's data directory uses: SQLite in DIR/ledger.db (the default), or PostgreSQL when the node
 * was first started with `--store postgres://…`; the address (with its schema) is then kept in DIR/store-url (mode
 * 0600, it may hold a password) so later starts, `machi verify` and `machi backup` find the same ledger.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_FILE } from '../node/datadir.js';
import { SqliteStore } from './sqlite.js';
import { PgStore, defaultSchema, parsePgUrl, type PgLocation } from './postgres.js';
import type { LedgerStore } from './store.js';

export const STORE_URL_FILE = 'store-url';

export type StoreLocation = { kind: 'sqlite'; file: string } | ({ kind: 'postgres'; url: string; /** not yet in DIR/store-url */ unrecorded?: true } & PgLocation);

/** The address recorded in DIR, with its schema parameter. */
function recorded(dir: string): string | undefined {
  const f = join(dir, STORE_URL_FILE);
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
}

/** `url` with an explicit `schema` parameter (the org's default schema when it has none). */
export function withSchema(url: string, orgId: string): string {
  const loc = parsePgUrl(url, defaultSchema(orgId));
  const u = new URL(url);
  u.searchParams.set('schema', loc.schema);
  return u.toString();
}

/**
 * The store of DIR. `flag` is the `--store` option: given, it must agree with what DIR already uses (recorded the
 * first time); absent, DIR's recorded store or SQLite.
 */
export function storeLocation(dir: string, orgId: string, flag?: string): StoreLocation {
  const was = recorded(dir);
  if (flag !== undefined && flag !== '' && flag !== 'sqlite') {
    const url = withSchema(flag, orgId);
    if (was !== undefined && was !== url) throw new Error(`${dir} keeps its ledger in ${redact(was)}, not ${redact(url)}`);
    if (was === undefined && existsSync(join(dir, LEDGER_FILE))) throw new Error(`${dir} already keeps its ledger in SQLite (${LEDGER_FILE}); a node does not change store`);
    return { kind: 'postgres', url, ...parsePgUrl(url, defaultSchema(orgId)), ...(was === undefined ? { unrecorded: true as const } : {}) };
  }
  if (flag === 'sqlite' && was !== undefined) throw new Error(`${dir} keeps its ledger in ${redact(was)}, not SQLite`);
  if (was !== undefined) return { kind: 'postgres', url: was, ...parsePgUrl(was, defaultSchema(orgId)) };
  return { kind: 'sqlite', file: join(dir, LEDGER_FILE) };
}

/** Opens the store; a PostgreSQL address used for the first time is recorded in `dir` once the store has opened. */
export function openLedgerStore(loc: StoreLocation, opts: { readonly?: boolean; dir?: string } = {}): LedgerStore {
  if (loc.kind === 'sqlite') return new SqliteStore(loc.file, opts);
  const store = new PgStore(loc, opts);
  if (loc.unrecorded === true && opts.dir !== undefined && opts.readonly !== true) writeFileSync(join(opts.dir, STORE_URL_FILE), `${loc.url}\n`, { mode: 0o600 });
  return store;
}

/** A store address fit for logs: the password replaced. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
