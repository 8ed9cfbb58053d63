/**
 * The machine's PostgreSQL (127.0.0.1:5432, trust auth) for the tests that run a store on it: started when it is not
 * running (as .ci/run does), and a fresh schema per use so tests never see each other's rows.
 */
import { execFileSync, execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.MACHI_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

function ready(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-t', '2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts the local cluster if it is not answering; throws if it still does not. */
export function ensurePostgres(): void {
  if (ready()) return;
  execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', { stdio: 'ignore' });
  for (let i = 0; i < 40 && !ready(); i++) execSync('sleep 0.25');
  if (!ready()) throw new Error('PostgreSQL is not running at 127.0.0.1:5432 and could not be started');
}

/** A schema name no other test uses. */
export const freshSchema = (tag: string): string => `t_${tag}_${randomBytes(4).toString('hex')}`;

/** Drops the schemas (after a test file). */
export async function dropSchemas(schemas: string[]): Promise<void> {
  if (schemas.length === 0) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end();
  }
}
