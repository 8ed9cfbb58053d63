/**
 * The LedgerStore contract, run against both backends (SQLite, the embedded default, and PostgreSQL on the machine's
 * server — started when it is not running): what a committed block holds reads back the same, a refused commit leaves
 * nothing, state scans order keys by bytes, a reopened store has everything, handler results rewritten in bulk
 * (`rewriteResults`, also on the simulator's MemoryStore) are all there or none, and a node's chain written through it
 * passes `verifyStore` and gives proofs that verify offline. Also: where a data directory keeps its ledger, and how a
 * backup's dump is re-pointed to another schema.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MerkleLog, generateKeyPair, hashLeaf, newChainRules, signTx, signerFromJwk, toHex, verifyBundle, type BlockHeader, type Genesis,
} from '@machi/core';
import { ConsensusDriver } from '../../src/consensus/driver.js';
import { InlineChecker } from '../../src/node/checker.js';
import { MachiNode } from '../../src/node/node.js';
import { verifyStore } from '../../src/chain/verify-store.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { MemoryDisk, MemoryStore } from '../../src/storage/memory.js';
import { PgStore, parsePgUrl } from '../../src/storage/postgres.js';
import type { LedgerStore, StoredTx } from '../../src/storage/store.js';
import { STORE_URL_FILE, openLedgerStore, storeLocation } from '../../src/storage/open.js';
import { retargetDump } from '../../src/storage/backup.js';
import { PG_URL, dropSchemas, ensurePostgres, freshSchema } from '../support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'machi-store-'));
const schemas: string[] = [];

interface Backend {
  name: string;
  /** a new empty store's location, opened by `open` */
  fresh(): string;
  open(where: string, readonly?: boolean): LedgerStore;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    fresh: () => join(dir, `${randomBytes(4).toString('hex')}.db`),
    open: (file, readonly) => new SqliteStore(file, { readonly: readonly ?? false }),
  },
  {
    name: 'postgres',
    fresh: () => {
      const s = freshSchema('store');
      schemas.push(s);
      return s;
    },
    open: (schema, readonly) => new PgStore({ connectionString: parsePgUrl(PG_URL, schema).connectionString, schema }, { readonly: readonly ?? false }),
  },
];

beforeAll(() => ensurePostgres());
afterAll(async () => {
  await dropSchemas(schemas);
  rmSync(dir, { recursive: true, force: true });
});

const hex32 = (): string => randomBytes(32).toString('hex');

function header(height: number, txCount: number, logSize: number): BlockHeader {
  return { height, txCount, logSize, time: 1_000 + height } as unknown as BlockHeader;
}

function tx(seq: number, height: number): StoredTx {
  return { hash: hex32(), seq, height, body: `{"n":${seq}}`, signer: 'k', nonce: `n${seq}`, code: seq % 2 === 0 ? null : 'X', message: seq % 2 === 0 ? null : 'why' };
}

/** LedgerStore.rewriteResults (a joined node's re-derived handler results: docs/spec/membership.md#history). */
function rewriteResultsContract(b: Backend): void {
  const where = b.fresh();
  const s = b.open(where);
  const txs = [tx(0, 1), tx(1, 1), tx(2, 1), tx(3, 1)];
  s.commitBlock({ block: { header: header(1, 4, 4), commit: {} as never, hash: 'h1', firstSeq: 0 }, txs, logNodes: [], writes: [] });
  s.rewriteResults({ results: [{ seq: 0, code: 'HANDLER_REJECTED', message: 'no' }, { seq: 1, code: null, message: null }, { seq: 3, code: 'TX_UNKNOWN_SIGNER', message: null }], meta: [['history_results', '{"height":1}']] });
  const want = [
    { ...txs[0]!, code: 'HANDLER_REJECTED', message: 'no' }, { ...txs[1]!, code: null, message: null }, txs[2]!, { ...txs[3]!, code: 'TX_UNKNOWN_SIGNER', message: null },
  ];
  expect(s.blockTxs(1)).toEqual(want);
  expect([s.getTx(txs[0]!.hash), s.txAt(3)]).toEqual([want[0], want[3]]);
  expect(s.getMeta('history_results')).toBe('{"height":1}');
  // a position with no transaction: refused, nothing of the batch written (not the results before it, not the meta)
  expect(() => s.rewriteResults({ results: [{ seq: 2, code: 'X', message: 'y' }, { seq: 9, code: 'X', message: null }], meta: [['history_results', '{"height":2}']] })).toThrow(/log position/);
  expect([s.txAt(2), s.getMeta('history_results')]).toEqual([txs[2], '{"height":1}']);
  s.rewriteResults({ results: [], meta: [['history_results', '{"height":3}']] });
  s.close();
  const again = b.open(where);
  expect([again.txRange(0, 4), again.getMeta('history_results'), again.height(), again.logSize()]).toEqual([want, '{"height":3}', 1, 4]);
  again.close();
}

describe.each(backends)('LedgerStore on $name', (b) => {
  it('reads back what a block committed; a refused commit leaves nothing; a reopened store has it all', () => {
    const where = b.fresh();
    const s = b.open(where);
    expect([s.height(), s.logSize(), s.getBlock(1), s.txAt(0), s.read('a')]).toEqual([0, 0, undefined, undefined, undefined]);
    const txs = [tx(0, 1), tx(1, 1), tx(2, 1)];
    const node = { level: 1, index: 0, hash: randomBytes(32) };
    s.commitBlock({
      block: { header: header(1, 3, 3), commit: { height: 1 } as never, hash: 'h1', firstSeq: 0 },
      txs, logNodes: [{ level: 0, index: 0, hash: randomBytes(32) }, node],
      writes: [['b/2', '"two"'], ['B/upper', '1'], ['b/1', '"one"'], ['b/é', '"e"'], ['gone', 'x'], ['gone', null], ['b/1', '"uno"']],
    });
    expect([s.height(), s.logSize()]).toEqual([1, 3]);
    expect(s.getBlock(1)).toEqual({ header: header(1, 3, 3), commit: { height: 1 }, hash: 'h1', firstSeq: 0 });
    expect(s.blockTxs(1)).toEqual(txs);
    expect(s.txRange(1, 3)).toEqual(txs.slice(1));
    expect(s.getTx(txs[2]!.hash)).toEqual(txs[2]);
    expect(s.txAt(1)).toEqual(txs[1]);
    expect([s.hasTx(txs[0]!.hash), s.hasTx(hex32())]).toEqual([true, false]);
    expect([s.read('b/1'), s.read('gone'), s.read('nope')]).toEqual(['"uno"', undefined, undefined]);
    // byte order, as SQLite's: "B" < "b", "b/1" < "b/2" < "b/é"
    expect(s.scan('b/', 10)).toEqual([['b/1', '"uno"'], ['b/2', '"two"'], ['b/é', '"e"']]);
    expect(s.scan('', 2)).toEqual([['B/upper', '1'], ['b/1', '"uno"']]);
    expect(toHex(s.getNode(0, 1))).toBe(toHex(hashLeaf(Buffer.from(txs[1]!.hash, 'hex'))));
    expect(toHex(s.getNode(1, 0))).toBe(toHex(node.hash));
    expect(() => s.getNode(1, 5)).toThrow();
    // out of order, and a duplicate transaction hash: refused, nothing of it stored
    expect(() => s.commitBlock({ block: { header: header(3, 0, 3), commit: {} as never, hash: 'h3', firstSeq: 3 }, txs: [], logNodes: [], writes: [] })).toThrow();
    const dup = { ...tx(3, 2), hash: txs[0]!.hash };
    expect(() => s.commitBlock({ block: { header: header(2, 1, 4), commit: {} as never, hash: 'h2', firstSeq: 3 }, txs: [dup], logNodes: [], writes: [['c', '1']] })).toThrow();
    s.setMeta('genesis_hash', 'g');
    s.close();
    const again = b.open(where);
    expect([again.height(), again.logSize(), again.getBlock(2), again.txAt(3), again.read('c'), again.getMeta('genesis_hash')]).toEqual([1, 3, undefined, undefined, undefined, 'g']);
    expect([again.scan('b/', 1), again.read('b/2'), again.read('gone')]).toEqual([[['b/1', '"uno"']], '"two"', undefined]);
    again.close();
  });

  it('rewrites handler results in bulk with meta rows, atomically: all of them, or none when a position is not stored', () => rewriteResultsContract(b));

  it("a node's chain written through it verifies, and its proofs verify offline", async () => {
    const key = generateKeyPair();
    const signer = signerFromJwk(key.jwk);
    const genesis: Genesis = { chainId: 'machi-store', genesisTime: new Date().toISOString(), orgs: [{ id: 'street-office', name: 'Street office', publicKey: signer.publicKey, power: 1 }], rules: newChainRules() };
    const where = b.fresh();
    const store = b.open(where);
    const node = new MachiNode({ genesis, publicKey: signer.publicKey, store, checker: new InlineChecker(genesis) });
    const consensus = new ConsensusDriver({ node, signer, net: null });
    consensus.start();
    const hashes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 40 }, (_, i) => signTx({
        chainId: genesis.chainId, type: 'notary.record', payload: { hash: hex32(), label: `doc ${round}.${i}` },
        signer: signer.publicKey, nonce: hex32().slice(0, 32), time: Date.now(),
      }, signer.sign));
      const out = await node.submit(batch);
      for (const o of out) {
        expect(o.ok).toBe(true);
        hashes.push(o.hash);
      }
      await Promise.all(out.map((o) => node.waitCommitted(o.hash, 30_000)));
    }
    const bundles = hashes.filter((_, i) => i % 17 === 0).map((h) => node.proof(h)!);
    consensus.close();
    await node.close();
    store.close();
    for (const bundle of bundles) expect(verifyBundle(bundle, genesis).txHash).toBe(bundle.txHash);
    const ro = b.open(where, true);
    expect(verifyStore(ro, genesis)).toMatchObject({ ok: true, txs: 120 });
    expect(MerkleLog.fromReader(ro, ro.logSize()).size).toBe(120);
    ro.close();
  });
});

// The simulator's in-memory store keeps the same contract for it (its disk outlives the store, as a file does).
describe('MemoryStore', () => {
  it('rewrites handler results in bulk with meta rows, atomically', () => {
    const disks = new Map<string, MemoryDisk>();
    rewriteResultsContract({
      name: 'memory',
      fresh: () => {
        const k = hex32();
        disks.set(k, new MemoryDisk());
        return k;
      },
      open: (k) => new MemoryStore(disks.get(k)!),
    });
  });
});

describe('where a data directory keeps its ledger', () => {
  it('SQLite by default; a PostgreSQL address is recorded once the store opened, then kept; a node never changes store', () => {
    const d = mkdtempSync(join(dir, 'where-'));
    expect(storeLocation(d, 'street-office')).toEqual({ kind: 'sqlite', file: join(d, 'ledger.db') });
    const schema = freshSchema('where');
    schemas.push(schema);
    const loc = storeLocation(d, 'street-office', `${PG_URL}?schema=${schema}`);
    expect(loc).toMatchObject({ kind: 'postgres', schema, unrecorded: true });
    expect(storeLocation(d, 'street-office').kind).toBe('sqlite'); // not recorded before it opened
    openLedgerStore(loc, { dir: d }).close();
    expect(readFileSync(join(d, STORE_URL_FILE), 'utf8').trim()).toBe(`${PG_URL}?schema=${schema}`);
    expect(storeLocation(d, 'street-office')).toMatchObject({ kind: 'postgres', schema });
    expect(() => storeLocation(d, 'street-office', `${PG_URL}?schema=other`)).toThrow(/keeps its ledger in/);
    expect(() => storeLocation(d, 'street-office', 'sqlite')).toThrow(/not SQLite/);
    // the default schema is the organisation's
    const e = mkdtempSync(join(dir, 'where-'));
    expect(storeLocation(e, 'power-company', PG_URL)).toMatchObject({ schema: 'machi_power_company' });
    new SqliteStore(join(e, 'ledger.db')).close();
    expect(() => storeLocation(e, 'power-company', PG_URL)).toThrow(/already keeps its ledger in SQLite/);
    expect(() => parsePgUrl('mysql://x/y', 's')).toThrow(/postgres/);
    expect(() => parsePgUrl(`${PG_URL}?schema=Bad-Name`, 's')).toThrow(/schema/);
  });

  it("a pg_dump's COPY lines are re-pointed to the restore's schema, and nothing in the rows", () => {
    const dump = ['SET x = 1;', 'COPY old.txs (seq, body) FROM stdin;', '1\tCOPY old.state FROM stdin;', '\\.', '', 'COPY old.state (key, value) FROM stdin;', 'k\tv', '\\.'].join('\n');
    expect(retargetDump(dump, 'old', 'new').split('\n')).toEqual(['SET x = 1;', 'COPY new.txs (seq, body) FROM stdin;', '1\tCOPY old.state FROM stdin;', '\\.', '', 'COPY new.state (key, value) FROM stdin;', 'k\tv', '\\.']);
  });
});
