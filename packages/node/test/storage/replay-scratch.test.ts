/**
 * The scratch state of a replay from genesis (chain/replay-scratch.ts): writes are read back before and after a flush,
 * only flushed blocks survive a reopen (the file never runs ahead of what the caller stored), `remove` deletes its
 * files, and a backup of the data directory leaves it out.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayHead } from '@machi/core';
import { REPLAY_SCRATCH_FILE, SqliteReplayStore } from '../../src/chain/replay-scratch.js';
import { SqliteStore } from '../../src/storage/sqlite.js';
import { backupNode } from '../../src/storage/backup.js';
import { LEDGER_FILE } from '../../src/node/datadir.js';

const dir = mkdtempSync(join(tmpdir(), 'machi-scratch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = (height: number): ReplayHead => ({ height, hash: `h${height}`, time: height * 1000, appHash: `a${height}`, logSize: height * 10 });

describe('SqliteReplayStore', () => {
  it('reads its writes before and after a flush; a reopen finds the flushed blocks only', () => {
    const file = join(dir, 'a.db');
    let s = new SqliteReplayStore(file);
    expect(s.head()).toBeUndefined();
    s.apply([['k1', 'v1'], ['k2', 'v2']], head(1));
    expect([s.read('k1'), s.read('k2'), s.head()?.height, s.flushedHead]).toEqual(['v1', 'v2', 1, undefined]);
    s.flush();
    expect(s.flushedHead).toEqual(head(1));
    // block 2 overwrites one key and deletes the other: read back at once, before any flush
    s.apply([['k1', 'v1b'], ['k2', null], ['k3', 'v3']], head(2));
    expect([s.read('k1'), s.read('k2'), s.read('k3'), s.pendingWrites]).toEqual(['v1b', undefined, 'v3', 3]);
    s.close();
    // not flushed: a restart finds block 1's state and head
    s = new SqliteReplayStore(file);
    expect([s.head(), s.read('k1'), s.read('k2'), s.read('k3')]).toEqual([head(1), 'v1', 'v2', undefined]);
    s.apply([['k1', 'v1b'], ['k2', null], ['k3', 'v3']], head(2));
    s.flush();
    s.close();
    s = new SqliteReplayStore(file);
    expect([s.head(), s.read('k1'), s.read('k2'), s.read('k3')]).toEqual([head(2), 'v1b', undefined, 'v3']);
    s.remove();
    expect(readdirSync(dir).filter((f) => f.startsWith('a.db'))).toEqual([]);
  });
});

describe('machi backup and the scratch file', () => {
  it('leaves the scratch state out (a restored node starts the re-derivation again)', async () => {
    const data = join(dir, 'node');
    const out = join(dir, 'backup');
    mkdirSync(data);
    const store = new SqliteStore(join(data, LEDGER_FILE));
    store.close();
    const scratch = new SqliteReplayStore(join(data, REPLAY_SCRATCH_FILE));
    scratch.apply([['k', 'v']], head(1));
    scratch.flush();
    await backupNode(data, out, 'street-office');
    scratch.close();
    expect(existsSync(join(out, LEDGER_FILE))).toBe(true);
    expect(readdirSync(out).filter((f) => f.startsWith(REPLAY_SCRATCH_FILE))).toEqual([]);
  });
});
