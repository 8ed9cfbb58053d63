/**
 * A synchronous PostgreSQL connection: the `pg` client runs in a worker thread, the caller blocks on
 * `Atomics.wait` until the worker has the answer (the pattern of `synckit`). The node's LedgerStore interface is
 * synchronous (docs/decisions/0002-postgres-store.md); this keeps it so, with each call durable when it returns.
 */
import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** How long a caller waits for one statement before the store gives up, ms. */
export const PG_CALL_TIMEOUT_MS = 60_000;

export type PgParam = string | number | null | Uint8Array | (string | number | null | Uint8Array)[];

export interface PgStatement {
  text: string;
  values?: PgParam[];
}

// The worker: plain CommonJS so it runs from src (tests) and dist alike. Statements run one at a time, in order.
// int8 comes back as a JS number (positions and ids stay below 2^53), bytea as a Uint8Array.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
pg.types.setTypeParser(20, (v) => Number(v));
const { sab, port, connectionString, schema } = workerData;
const flag = new Int32Array(sab);
const client = new pg.Client({ connectionString });
let ready = null;
// DML statements are prepared once per connection (named by their text): no parse and plan per call
const names = new Map();
function q(text, values, rowMode) {
  let name;
  if (/^(SELECT|INSERT|DELETE|UPDATE)\s/.test(text)) {
    name = names.get(text);
    if (name === undefined) { name = 's' + names.size; names.set(text, name); }
  }
  return client.query({ name, text, values, rowMode });
}
function done(msg) { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }
async function connect() {
  await client.connect();
  client.on('error', () => {});
  if (schema) {
    await client.query('CREATE SCHEMA IF NOT EXISTS ' + schema);
    await client.query('SET search_path TO ' + schema);
  }
}
port.on('message', async (m) => {
  try {
    if (ready === null) ready = connect();
    await ready;
    if (m.op === 'close') { await client.end(); done({ ok: true }); return; }
    if (m.op === 'tx') {
      await client.query('BEGIN');
      try {
        for (const s of m.statements) await q(s.text, s.values);
        await client.query('COMMIT');
      } catch (e) { await client.query('ROLLBACK').catch(() => {}); throw e; }
      done({ ok: true });
      return;
    }
    const r = await q(m.text, m.values, m.array ? 'array' : undefined);
    done({ ok: true, rows: r.rows });
  } catch (e) {
    done({ ok: false, error: String(e && e.message || e), code: e && e.code });
  }
});
`;

export class PgSyncError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** A schema name the store may create: lower-case letters, digits and underscores. */
export const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgSync {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  #closed = false;

  /** `schema` is created when missing and made the search path; every statement runs in it. */
  constructor(connectionString: string, schema: string | null) {
    if (schema !== null && !SCHEMA_RE.test(schema)) throw new Error(`PostgreSQL schema name "${schema}" must match ${SCHEMA_RE.source}`);
    const sab = new SharedArrayBuffer(4);
    this.#flag = new Int32Array(sab);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab, port: port2, pgPath, connectionString, schema }, transferList: [port2] });
    this.#worker.unref();
  }

  #call(msg: Record<string, unknown>): unknown[] {
    if (this.#closed) throw new PgSyncError('PostgreSQL store closed');
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(msg);
    const r = Atomics.wait(this.#flag, 0, 0, PG_CALL_TIMEOUT_MS);
    if (r === 'timed-out') throw new PgSyncError(`PostgreSQL did not answer within ${PG_CALL_TIMEOUT_MS} ms`);
    const got = receiveMessageOnPort(this.#port);
    if (got === undefined) throw new PgSyncError('PostgreSQL worker sent no answer');
    const m = got.message as { ok: boolean; rows?: unknown[]; error?: string; code?: string };
    if (!m.ok) throw new PgSyncError(`PostgreSQL: ${m.error ?? 'error'}`, m.code);
    return m.rows ?? [];
  }

  /** Rows as objects keyed by column. */
  query<T>(text: string, values: PgParam[] = []): T[] {
    return this.#call({ op: 'query', text, values }) as T[];
  }

  /** Rows as arrays of column values. */
  queryArrays<T extends unknown[]>(text: string, values: PgParam[] = []): T[] {
    return this.#call({ op: 'query', text, values, array: true }) as T[];
  }

  /** The statements in one transaction: all of them, committed (durable) when this returns, or none. */
  transaction(statements: PgStatement[]): void {
    this.#call({ op: 'tx', statements });
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#call({ op: 'close' });
    } catch {
      /* closing anyway */
    }
    this.#closed = true;
    this.#port.close();
    void this.#worker.terminate();
  }
}
