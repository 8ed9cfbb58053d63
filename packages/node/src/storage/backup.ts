/**
 * Online backup and restore of a node's data directory (docs/spec/storage.md#backup-and-restore).
 *
 * Backup, while the node runs: every SQLite file (`*.db`: the ledger, private.db) through SQLite's online backup API
 * (better-sqlite3 `.backup()`), copied in one step so the copy is one consistent snapshot and the running node's
 * writes never restart it; a PostgreSQL ledger with `pg_dump` (one snapshot, data only, of the node's schema); every
 * other file (genesis, keys, kek.key, auth-secret, hosted members' keys, store-url) copied as is; not the scratch file
 * of a joined node's re-derivation (replay-scratch.db: a restored node starts it again). `backup.json`
 * names what was taken. The files are as secret as the data directory: keys and the key-encryption key are in it.
 *
 * Restore into a new directory: the files copied back; a PostgreSQL ledger loaded with `psql` into the schema of
 * `--store` (default: the one it came from), which must hold no ledger; `restored.json` left for the restored node's
 * double-sign check (../node/restore-check.ts). Then `machi verify` checks it and `machi start` catches up from the
 * peers, and votes once the check passes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LEDGER_FILE } from '../node/datadir.js';
import { REPLAY_SCRATCH_FILE } from '../chain/replay-scratch.js';
import { PgStore, defaultSchema, parsePgUrl } from './postgres.js';
import { STORE_URL_FILE, redact, storeLocation, withSchema } from './open.js';
import { writeRestoreMarker } from '../node/restore-check.js';

export const BACKUP_MANIFEST = 'backup.json';
export const PG_DUMP_FILE = 'ledger.pgsql';
export const BACKUP_FORMAT = 'machi-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  /** ISO time the backup finished */
  time: string;
  store: 'sqlite' | 'postgres';
  /** height of the ledger in the backup */
  height: number;
  /** the PostgreSQL schema the dump came from */
  schema?: string;
  /** the SQLite files taken with the backup API, the other files copied */
  databases: string[];
  files: string[];
}

const isSqliteSide = (name: string): boolean => /\.db-(wal|shm|journal)$/.test(name);

/** The files of `dir` (relative paths), recursively; SQLite files and their sidecars apart. */
function walk(dir: string, rel = ''): { dbs: string[]; files: string[] } {
  const out = { dbs: [] as string[], files: [] as string[] };
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel === '' ? name : join(rel, name);
    const st = statSync(join(dir, r));
    if (st.isDirectory()) {
      const sub = walk(dir, r);
      out.dbs.push(...sub.dbs);
      out.files.push(...sub.files);
    } else if (st.isFile()) {
      // the re-derivation's scratch state (chain/replay-scratch.ts) is not the node's data: a restored node rebuilds it
      if (r === REPLAY_SCRATCH_FILE) continue;
      if (name.endsWith('.db')) out.dbs.push(r);
      else if (!isSqliteSide(name)) out.files.push(r);
    }
  }
  return out;
}

function emptyDir(path: string, what: string): void {
  if (existsSync(path) && readdirSync(path).length > 0) throw new Error(`${what} ${path} is not empty`);
  mkdirSync(path, { recursive: true });
}

function copyFiles(from: string, to: string, files: string[]): void {
  for (const f of files) {
    mkdirSync(join(to, f, '..'), { recursive: true });
    copyFileSync(join(from, f), join(to, f));
  }
}

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as Error & { stderr?: Buffer; code?: string };
    if (err.code === 'ENOENT') throw new Error(`${cmd} is not installed (the PostgreSQL client tools: apt-get install postgresql-client)`);
    throw new Error(`${cmd} failed: ${err.stderr?.toString('utf8').trim() ?? err.message}`);
  }
}

/** Backs up the node whose data directory is `dir` (running or not) into the new directory `out`. */
export async function backupNode(dir: string, out: string, orgId: string): Promise<BackupManifest> {
  if (!existsSync(dir)) throw new Error(`no data directory ${dir}`);
  emptyDir(out, 'backup directory');
  const where = storeLocation(dir, orgId);
  const { dbs, files } = walk(dir);
  // the ledger first: the private tables, taken after it, are at least as new as the ledger they refer to
  const order = [...dbs.filter((d) => d === LEDGER_FILE), ...dbs.filter((d) => d !== LEDGER_FILE)];
  let height = 0;
  let schema: string | undefined;
  if (where.kind === 'postgres') {
    schema = where.schema;
    const ro = new PgStore(where, { readonly: true });
    height = ro.height();
    ro.close();
    run('pg_dump', ['--data-only', '--no-owner', '--no-privileges', `--schema=${where.schema}`, '--format=plain', '-f', join(out, PG_DUMP_FILE), '-d', where.connectionString]);
  }
  for (const d of order) {
    mkdirSync(join(out, d, '..'), { recursive: true });
    const db = new Database(join(dir, d), { readonly: true, fileMustExist: true });
    try {
      // all pages in one step: one consistent snapshot, which the node's writes in between cannot restart
      await db.backup(join(out, d), { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    if (d === LEDGER_FILE) {
      const copy = new Database(join(out, d), { readonly: true });
      height = copy.prepare('SELECT coalesce(max(height), 0) FROM blocks').pluck().get() as number;
      copy.close();
    }
  }
  copyFiles(dir, out, files);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT, time: new Date().toISOString(), store: where.kind, height, ...(schema === undefined ? {} : { schema }), databases: order, files,
  };
  writeFileSync(join(out, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Rewrites a data-only plain dump of schema `from` to load into schema `to`: only the `COPY from.table` lines
 * (outside the rows that follow them) name the schema.
 */
export function retargetDump(sql: string, from: string, to: string): string {
  if (from === to) return sql;
  const lines = sql.split('\n');
  let inRows = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (inRows) {
      if (l === '\\.') inRows = false;
      continue;
    }
    if (l.startsWith(`COPY ${from}.`) && l.endsWith('FROM stdin;')) {
      lines[i] = `COPY ${to}.${l.slice(`COPY ${from}.`.length)}`;
      inRows = true;
    }
  }
  return lines.join('\n');
}

/**
 * Restores backup `from` into the new data directory `dir`. A PostgreSQL ledger goes into `store` (a postgres://
 * URL; default the one it was taken from), whose schema must hold no ledger yet.
 */
export function restoreNode(from: string, dir: string, orgId: string, store?: string): BackupManifest {
  const mf = join(from, BACKUP_MANIFEST);
  if (!existsSync(mf)) throw new Error(`${from} is not a machi backup (no ${BACKUP_MANIFEST})`);
  const manifest = JSON.parse(readFileSync(mf, 'utf8')) as BackupManifest;
  if (manifest.format !== BACKUP_FORMAT) throw new Error(`backup format ${String(manifest.format)} is not ${BACKUP_FORMAT}`);
  if (manifest.store === 'sqlite' && store !== undefined) throw new Error('this backup holds an SQLite ledger; restore it without --store');
  emptyDir(dir, 'data directory');
  try {
    copyFiles(from, dir, [...manifest.databases, ...manifest.files.filter((f) => f !== STORE_URL_FILE)]);
    if (manifest.store === 'postgres') {
      const url = withSchema(store ?? readFileSync(join(from, STORE_URL_FILE), 'utf8').trim(), orgId);
      const loc = parsePgUrl(url, defaultSchema(orgId));
      const target = new PgStore(loc); // creates the schema and its tables
      const empty = target.height() === 0 && target.logSize() === 0;
      target.close();
      if (!empty) throw new Error(`PostgreSQL schema ${loc.schema} at ${redact(loc.connectionString)} already holds a ledger; restore into another (--store …?schema=NAME)`);
      const dump = join(dir, `.${PG_DUMP_FILE}`);
      // the tables were just created with their schema-version row: the dump brings its own
      writeFileSync(dump, `DELETE FROM ${loc.schema}.meta;\n${retargetDump(readFileSync(join(from, PG_DUMP_FILE), 'utf8'), manifest.schema ?? loc.schema, loc.schema)}`);
      try {
        run('psql', ['-v', 'ON_ERROR_STOP=1', '--single-transaction', '-q', '-d', loc.connectionString, '-f', dump]);
      } finally {
        rmSync(dump, { force: true });
      }
      writeFileSync(join(dir, STORE_URL_FILE), `${url}\n`, { mode: 0o600 });
    }
    // the restored node checks for its original's signatures before it votes (node/restore-check.ts)
    writeRestoreMarker(dir, { restored: new Date().toISOString(), backupHeight: manifest.height });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return manifest;
}
